"""Reading the configuration: file, environment and flags, each value checked and named.

Precedence: flags (`overrides`) > environment > config file > the defaults of sections.py.
"""
import dataclasses
import ipaddress
import os
import tomllib

from .sections import Config, RateLimitsConfig


class ConfigError(Exception):
    """A configuration problem, reported as one line naming the key, exit status 2."""


# Every key can be set as GOLDENRECORD_<SECTION>_<KEY> (`environment_name`); these shorter
# names of a few keys came first and are still read, below the full names.
ALIASES = {
    "GOLDENRECORD_DB": "database.path",
    "GOLDENRECORD_DATABASE_URL": "database.url",
    "GOLDENRECORD_HOST": "server.host",
    "GOLDENRECORD_PORT": "server.port",
    "GOLDENRECORD_SECRET_KEY": "database.secret_key",
}
PREFIX = "GOLDENRECORD_"


def environment_name(dotted):
    """The environment variable of a key: `webhooks.workers` -> GOLDENRECORD_WEBHOOKS_WORKERS."""
    return PREFIX + dotted.replace(".", "_").upper()


def _sections():
    return {f.name: f.type for f in dataclasses.fields(Config)}


def _from_environment(env):
    """(variable, "section.key") of every key set in `env`, aliases first so that a full
    name wins. A variable naming a section but no key of it is refused as an unknown key
    in a file is (a misspelt GOLDENRECORD_WEBHOOKS_WORKER must not pass unnoticed)."""
    found = [(variable, dotted) for variable, dotted in ALIASES.items() if env.get(variable)]
    for section, kind in _sections().items():
        head = environment_name(section) + "_"
        keys = {environment_name(f"{section}.{f.name}"): f"{section}.{f.name}"
                for f in dataclasses.fields(kind)}
        for variable in sorted(v for v in env if v.startswith(head) and env[v]):
            if variable not in keys:
                raise ConfigError(f"{variable}: unknown key "
                                  f"'{section}.{variable[len(head):].lower()}'")
            found.append((variable, keys[variable]))
    return found


def _coerce(name, kind, value, from_text):
    """`value` as `kind`, or ConfigError naming `name`. Text (env, flags) is parsed."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if from_text and str(value).lower() in ("true", "false", "1", "0"):
            return str(value).lower() in ("true", "1")
    if kind is int and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        if from_text and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    if kind is float and not isinstance(value, bool):
        if isinstance(value, (int, float)):
            return float(value)
        if from_text:
            try:
                return float(value)
            except ValueError:
                pass
    if kind is str and isinstance(value, str):
        return value
    if kind == tuple[str, ...] and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if kind == tuple[str, ...] and from_text and isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    type_name = {bool: "a boolean", int: "a whole number", float: "a number", str: "a string"}
    raise ConfigError(f"{name}: expected {type_name.get(kind, 'a list of strings')}, got {value!r}")


def _apply(config, dotted, value, *, from_text, source):
    section_name, _, key = dotted.partition(".")
    section = getattr(config, section_name, None)
    kinds = {f.name: f.type for f in dataclasses.fields(section)} if section else {}
    if key not in kinds:
        raise ConfigError(f"{source}: unknown key '{dotted}'")
    value = _coerce(f"{source} {dotted}" if source != dotted else dotted, kinds[key], value, from_text)
    return dataclasses.replace(config, **{section_name: dataclasses.replace(section, **{key: value})})


def _check(config):
    if not 0 <= config.server.port <= 65535:
        raise ConfigError(f"server.port: {config.server.port} is not a TCP port")
    for key in ("server.threads", "server.connection_limit", "database.busy_timeout_ms",
                "webhooks.workers",
                "webhooks.max_attempts", "analytics.retention_days", "events.retention_days",
                "audit.retention_days"):
        section, name = key.split(".")
        if getattr(getattr(config, section), name) < 1:
            raise ConfigError(f"{key}: must be at least 1")
    for limit in dataclasses.fields(RateLimitsConfig):
        if limit.type is int and getattr(config.rate_limits, limit.name) < 1:
            raise ConfigError(f"rate_limits.{limit.name}: must be at least 1")
    if config.analytics.flush_seconds <= 0:
        raise ConfigError("analytics.flush_seconds: must be more than 0")
    if config.server.channel_timeout < 1:
        raise ConfigError("server.channel_timeout: must be at least 1 (seconds)")
    _check_workos_url(config.workos.base_url)
    for entry in config.workos.role_map:
        workos_slug, sep, slug = entry.partition("=")
        if not (sep and workos_slug.strip() and slug.strip()):
            raise ConfigError(f"workos.role_map: '{entry}' is not 'workos-slug=role-slug'")
    _check_accept_url(config.invitations.accept_url_template)
    if config.domains.resolver:
        try:
            resolver_address(config.domains.resolver)
        except ValueError as error:
            raise ConfigError(f"domains.resolver: {error}")
    if not 0 < config.domains.timeout_seconds <= 30:
        raise ConfigError("domains.timeout_seconds: must be more than 0 and at most 30")
    for cidr in config.server.trusted_proxies:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(f"server.trusted_proxies: '{cidr}' is not an IP address or CIDR range")
    return config


def _check_workos_url(url):
    """https only, but for a loopback host (a local fake of WorkOS): the API key travels
    in every request."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not host or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not loopback):
        raise ConfigError(f"workos.base_url: '{url}' must be an https:// URL "
                          "(http:// only for a loopback address)")


def _check_accept_url(template):
    """Empty, or an http(s) URL with a `{token}` to fill in."""
    if template and (not template.lower().startswith(("https://", "http://"))
                     or "{token}" not in template):
        raise ConfigError(f"invitations.accept_url_template: '{template}' must be an http(s) "
                          "URL containing {token}")


def resolver_address(text):
    """("host", port) of a resolver written "host:port", "host" (port 53) or "[v6]:port";
    ValueError when it is not an IP address and a port."""
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        raise ValueError(f"'{text}' must be an IP address, with :port if not 53")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}' has no valid port")
    return address, int(port)


def load_config(path=None, *, env=None, overrides=None):
    """The effective configuration: flags (`overrides`) > environment > file > defaults.

    `path` falls back to $GOLDENRECORD_CONFIG; every key can be set in the environment as
    GOLDENRECORD_<SECTION>_<KEY> (an empty value is no value; a list is comma-separated);
    `overrides` maps "section.key" to values from the command line.
    """
    env = os.environ if env is None else env
    config = Config()
    path = path or env.get("GOLDENRECORD_CONFIG")
    if path:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as error:
            raise ConfigError(f"config file {path}: {error.strerror}")
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path}: {error}")
        for section, values in data.items():
            if not isinstance(values, dict) or section not in _sections():
                raise ConfigError(f"{path}: unknown key '{section}'")
            for key, value in values.items():
                config = _apply(config, f"{section}.{key}", value, from_text=False,
                                source=f"{section}.{key}")
    for variable, dotted in _from_environment(env):
        config = _apply(config, dotted, env[variable], from_text=True, source=variable)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            config = _apply(config, dotted, value, from_text=isinstance(value, str), source=dotted)
    return _check(config)
