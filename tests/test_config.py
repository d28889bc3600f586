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
