"""The configuration's sections: one frozen dataclass per TOML table, with its defaults.

`config.example.toml` lists the same keys and defaults (a test keeps the two identical).
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 8
    trusted_proxies: tuple[str, ...] = ()
    # Open connections are cheap for waitress (one socket in its poll loop, no thread
    # until a request is complete), so the limit is set far above what clients need, and
    # idle ones are closed soon: waitress's own 100 and 120 s let ~100 idle sockets shut
    # everyone out.
    connection_limit: int = 1000
    channel_timeout: float = 30.0


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = "goldenrecord.db"
    # Another engine's database, by URL (store/engine.py); empty: SQLite at `path`.
    url: str = ""
    # How long a write waits for the database's write lock (held by another process, or
    # by this one's other writers) before it is answered 503 GR_SERVICE_UNAVAILABLE.
    busy_timeout_ms: int = 10000
    # The key that seals the secrets inside (store/vault.py): a file, by default the
    # database's path + ".key", or the key itself (kept out of repr, hence out of logs).
    secret_key_file: str = ""
    secret_key: str = field(default="", repr=False)


@dataclass(frozen=True)
class RateLimitsConfig:
    free: int = 60
    basic: int = 300
    pro: int = 1000
    enterprise: int = 5000
    failed_auth_per_ip: int = 20
    enabled: bool = True

    def by_tier(self):
        if not self.enabled:
            return None
        return {"free": self.free, "basic": self.basic, "pro": self.pro,
                "enterprise": self.enterprise}


@dataclass(frozen=True)
class AnalyticsConfig:
    retention_days: int = 90
    flush_seconds: float = 1.0
    enabled: bool = True


@dataclass(frozen=True)
class EventsConfig:
    retention_days: int = 30  # the events feed keeps events this long, delivered or not


@dataclass(frozen=True)
class AuditConfig:
    retention_days: int = 365  # audit entries older than this are pruned (hash kept)


@dataclass(frozen=True)
class WebhooksConfig:
    workers: int = 4
    max_attempts: int = 5
    backoff_base_seconds: float = 30.0
    timeout_seconds: float = 10.0
    allow_private_targets: bool = False


@dataclass(frozen=True)
class WorkosConfig:
    api_key: str = ""
    webhook_secret: str = ""
    base_url: str = "https://api.workos.com"
    # "workos-role-slug=golden-record-role-slug" entries; a slug not named maps to itself
    role_map: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvitationsConfig:
    # The link the host application sends an invitee; `{token}` is replaced by the token
    # (URL-quoted). Empty: events carry the token and `acceptUrl: null`.
    accept_url_template: str = ""


@dataclass(frozen=True)
class DomainsConfig:
    # The DNS resolver that verifies domains, "ip:port" ("[v6]:port"); empty: the
    # system's (/etc/resolv.conf).
    resolver: str = ""
    timeout_seconds: float = 3.0


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    rate_limits: RateLimitsConfig = field(default_factory=RateLimitsConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    workos: WorkosConfig = field(default_factory=WorkosConfig)
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    invitations: InvitationsConfig = field(default_factory=InvitationsConfig)
    domains: DomainsConfig = field(default_factory=DomainsConfig)
