"""Golden Record's configuration: the sections (sections.py) and `load_config` (load.py).

A part of Golden Record receives its section (`config.webhooks`, `config.rate_limits`, …),
never the whole file's keys one by one.
"""
from .load import ALIASES, ConfigError, environment_name, load_config
from .load import resolver_address
from .sections import (AnalyticsConfig, Config, DatabaseConfig, DomainsConfig,
                       InvitationsConfig, RateLimitsConfig, ServerConfig, WebhooksConfig,
                       WorkosConfig)

__all__ = ["ALIASES", "AnalyticsConfig", "Config", "ConfigError", "DatabaseConfig",
           "DomainsConfig", "environment_name", "InvitationsConfig", "RateLimitsConfig",
           "ServerConfig", "WebhooksConfig", "WorkosConfig", "load_config", "resolver_address"]
