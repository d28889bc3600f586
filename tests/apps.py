"""Building Golden Record in the tests: every instance started, and closed however the
test ends (imported as `import apps`)."""
import contextlib
import dataclasses

import dns_server
import goldenrecord


@contextlib.contextmanager
def service(config=None, **options):
    """A started GoldenRecord for `config` (options are GoldenRecord's), closed on exit,
    also when the test fails."""
    with goldenrecord.GoldenRecord(config, **options) as instance:
        yield instance


def config_for(path, **overrides):
    """The configuration of an instance on the database `path`, with "section.key"
    `overrides` and nothing from the environment. Domains are verified against the test
    process's DNS server on loopback (tests/dns_server.py), never the system's resolver."""
    return goldenrecord.load_config(env={}, overrides={
        "database.path": str(path), "domains.resolver": dns_server.shared().address,
        "domains.timeout_seconds": 2.0, **overrides})


def service_behind_proxies(tmp_path, clock, proxies):
    """`service` on its own database, believing forwarded headers from `proxies` (CIDRs)."""
    config = config_for(tmp_path / "p.db")
    config = dataclasses.replace(config, server=dataclasses.replace(
        config.server, trusted_proxies=tuple(proxies)))
    return service(config, clock=clock)
