"""Configuration: precedence, validation, and the example file kept equal to the defaults."""
import dataclasses
import pathlib
import tomllib

import pytest

import goldenrecord
from goldenrecord import Config, ConfigError, load_config

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _write(tmp_path, text):
    path = tmp_path / "gr.toml"
    path.write_text(text)
    return str(path)


def test_example_file_equals_the_defaults():
    loaded = load_config(str(ROOT / "config.example.toml"), env={})
    assert loaded == Config()


def test_example_file_documents_every_key():
    data = tomllib.loads((ROOT / "config.example.toml").read_text())
    for section in dataclasses.fields(Config):
        documented = set(data[section.name])
        assert documented == {f.name for f in dataclasses.fields(section.type)}, section.name


def test_every_key_is_in_the_configuration_guide():
    guide = (ROOT / "docs" / "configuration.md").read_text()
    for section in dataclasses.fields(Config):
        for key in dataclasses.fields(section.type):
            assert f"`{section.name}.{key.name}`" in guide, key.name


def test_precedence_flag_over_env_over_file(tmp_path):
    path = _write(tmp_path, '[server]\nport = 1111\nhost = "0.0.0.0"\n[database]\npath = "file.db"\n')
    assert load_config(path, env={}).server.port == 1111
    env = {"GOLDENRECORD_PORT": "2222", "GOLDENRECORD_DB": "env.db"}
    from_env = load_config(path, env=env)
    assert (from_env.server.port, from_env.database.path, from_env.server.host) == (2222, "env.db", "0.0.0.0")
    flagged = load_config(path, env=env, overrides={"server.port": "3333", "database.path": None})
    assert (flagged.server.port, flagged.database.path) == (3333, "env.db")


def test_config_path_from_environment(tmp_path):
    path = _write(tmp_path, "[webhooks]\nworkers = 9\n")
    assert load_config(env={"GOLDENRECORD_CONFIG": path}).webhooks.workers == 9


def test_durations_accept_whole_numbers_and_fractions(tmp_path):
    loaded = load_config(_write(tmp_path, "[webhooks]\nbackoff_base_seconds = 1\ntimeout_seconds = 0.2\n"), env={})
    assert loaded.webhooks.backoff_base_seconds == 1.0 and loaded.webhooks.timeout_seconds == 0.2


@pytest.mark.parametrize("text, named", [
    ("[server]\nhots = 'x'\n", "server.hots"),
    ("[serverr]\nhost = 'x'\n", "serverr"),
    ("[server]\nport = '8080'\n", "server.port"),
    ("[server]\nport = 80.5\n", "server.port"),
    ("[server]\nthreads = true\n", "server.threads"),
    ("[webhooks]\nallow_private_targets = 1\n", "webhooks.allow_private_targets"),
    ("[webhooks]\nmax_attempts = 2.0\n", "webhooks.max_attempts"),
    ("[server]\ntrusted_proxies = '10.0.0.0/8'\n", "server.trusted_proxies"),
    ("[server]\ntrusted_proxies = ['nope']\n", "server.trusted_proxies"),
    ("[server]\nport = 70000\n", "server.port"),
    ("[server]\nconnection_limit = 0\n", "server.connection_limit"),
    ("[server]\nconnection_limit = 1000.0\n", "server.connection_limit"),
    ("[server]\nchannel_timeout = 0.5\n", "server.channel_timeout"),
    ("[server]\nchannel_timeout = '30'\n", "server.channel_timeout"),
    ("[rate_limits]\nfree = 0\n", "rate_limits.free"),
    ("[workos]\napi_key = 5\n", "workos.api_key"),
    ("[workos]\nrole_map = ['admin=']\n", "workos.role_map"),
    ("server = 1\n", "server"),
    ("not toml [", "gr.toml"),
])
def test_bad_file_names_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text), env={})
    assert named in str(caught.value)


def test_bad_environment_names_the_variable():
    with pytest.raises(ConfigError, match="GOLDENRECORD_PORT"):
        load_config(env={"GOLDENRECORD_PORT": "eighty"})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml"):
        load_config(str(tmp_path / "nope.toml"), env={})


def test_cli_reports_config_errors_in_one_line(tmp_path, capsys):
    path = _write(tmp_path, "[server]\nhots = 'x'\n")
    assert goldenrecord.main(["migrate", "--config", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "server.hots" in err[0]


def _keys():
    return [(section.name, key) for section in dataclasses.fields(Config)
            for key in dataclasses.fields(section.type)]


# Text keys checked for a form of their own: a valid value of that form.
VALID_TEXT = {"base_url": "https://workos.example",
              "accept_url_template": "https://app.example/join?token={token}",
              "resolver": "127.0.0.1:5353"}


def _other_text(section, key):
    """A valid value for `section.key` other than its default, as text, and that value."""
    default = getattr(getattr(Config(), section), key.name)
    if key.type is bool:
        return str(not default).lower(), not default
    if key.type is int:
        return str(default + 1), default + 1
    if key.type is float:
        return str(default + 0.5), default + 0.5
    if key.type is str:
        value = VALID_TEXT.get(key.name, f"set-{key.name}")
        return value, value
    if key.name == "role_map":
        return " admin=owner, billing=member ,", ("admin=owner", "billing=member")
    return " 10.0.0.0/8, 192.168.0.0/16 ,", ("10.0.0.0/8", "192.168.0.0/16")


@pytest.mark.parametrize("section, key", _keys(), ids=lambda v: getattr(v, "name", v))
def test_every_key_can_be_set_from_the_environment(section, key):
    text, value = _other_text(section, key)
    variable = f"GOLDENRECORD_{section.upper()}_{key.name.upper()}"
    loaded = load_config(env={variable: text})
    assert getattr(getattr(loaded, section), key.name) == value


@pytest.mark.parametrize("variable, text, line", [
    ("GOLDENRECORD_WEBHOOKS_WORKERS", "eight",
     "GOLDENRECORD_WEBHOOKS_WORKERS webhooks.workers: expected a whole number, got 'eight'"),
    ("GOLDENRECORD_WEBHOOKS_WORKERS", "0", "webhooks.workers: must be at least 1"),
    ("GOLDENRECORD_RATE_LIMITS_ENABLED", "maybe",
     "GOLDENRECORD_RATE_LIMITS_ENABLED rate_limits.enabled: expected a boolean, got 'maybe'"),
    ("GOLDENRECORD_ANALYTICS_FLUSH_SECONDS", "soon",
     "GOLDENRECORD_ANALYTICS_FLUSH_SECONDS analytics.flush_seconds: expected a number, got 'soon'"),
    ("GOLDENRECORD_SERVER_TRUSTED_PROXIES", "10.0.0.0/8,nope",
     "server.trusted_proxies: 'nope' is not an IP address or CIDR range"),
    ("GOLDENRECORD_WORKOS_BASE_URL", "http://workos.example",
     "workos.base_url: 'http://workos.example' must be an https:// URL (http:// only for a "
     "loopback address)"),
    ("GOLDENRECORD_WEBHOOKS_WORKER", "8", "GOLDENRECORD_WEBHOOKS_WORKER: unknown key 'webhooks.worker'"),
    ("GOLDENRECORD_WORKOS_ROLE_MAP", "admin=owner,billing",
     "workos.role_map: 'billing' is not 'workos-slug=role-slug'"),
])
def test_environment_values_are_checked_as_the_file_s(variable, text, line):
    with pytest.raises(ConfigError) as caught:
        load_config(env={variable: text})
    assert str(caught.value) == line


def test_full_names_win_over_the_older_short_ones_and_empty_is_unset():
    loaded = load_config(env={"GOLDENRECORD_PORT": "1111", "GOLDENRECORD_SERVER_PORT": "2222",
                              "GOLDENRECORD_DB": "short.db", "GOLDENRECORD_DATABASE_PATH": ""})
    assert (loaded.server.port, loaded.database.path) == (2222, "short.db")


def test_the_configuration_guide_names_every_variable():
    guide = (ROOT / "docs" / "configuration.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line.split("|")[3] for line in guide.splitlines()
            if line.startswith("| `")}
    for section, key in _keys():
        variable = f"GOLDENRECORD_{section.upper()}_{key.name.upper()}"
        assert f"`{variable}`" in rows[f"{section}.{key.name}"], variable
