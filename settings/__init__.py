"""Golden Record's configuration: the sections (sections.py) and `load_config` (load.py).

A part of Golden Record receives its section (`config.webhooks`, `config.rate_limits`, …),
never the whole file's keys one by one.
"""
from .load import ALIASES, ConfigError, environment_name, load_config
from .sections import (AnalyticsConfig, Config, DatabaseConfig, RateLimitsConfig, ServerConfig,
                       WebhooksConfig, WorkosConfig)

__all__ = ["ALIASES", "AnalyticsConfig", "Config", "ConfigError", "DatabaseConfig",
           "environment_name", "RateLimitsConfig", "ServerConfig", "WebhooksConfig", "WorkosConfig", "load_config"]
