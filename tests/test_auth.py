"""Authentication and the contract's order of checks."""
import pytest

import apps
from support import assert_envelope, traced_statements

ORGS = "/api/v1/organizations"


def test_missing_authorization_is_401(client):
    assert_envelope(client.simulate_get(ORGS), 401, "GR_UNAUTHORIZED")


@pytest.mark.parametrize("header", ["gr_live_x", "Basic abc", "Bearer", "Bearer ", "Bearer a b"])
def test_malformed_authorization_is_401_unauthorized(client, header):
    assert_envelope(client.simulate_get(ORGS, headers={"Authorization": header}), 401,
                    "GR_UNAUTHORIZED")


def test_unknown_key_is_401_invalid(client):
    result = client.simulate_get(ORGS, headers={"Authorization": "Bearer gr_live_" + "x" * 43})
    assert_envelope(result, 401, "GR_INVALID_API_KEY")


def test_bearer_scheme_is_case_insensitive(client, admin):
    token = admin["Authorization"].split()[1]
    assert_envelope(client.simulate_get(ORGS, headers={"Authorization": f"bearer {token}"}), 200)


def test_revoked_key_is_401_invalid(client, store, keys):
    headers = keys.headers("*:*")
    assert_envelope(client.simulate_get(ORGS, headers=headers), 200)
    key = store.api_keys.find(headers["Authorization"].split()[1])
    store.api_keys.revoke(key.id)
    assert_envelope(client.simulate_get(ORGS, headers=headers), 401, "GR_INVALID_API_KEY")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("how", ["connection", "process"])
def test_a_revocation_written_by_another_process_is_seen_at_the_next_poll(client, store, keys, clock, how):
    import sqlite3
    import subprocess
    import sys

    headers = keys.headers("*:*")
    assert_envelope(client.simulate_get(ORGS, headers=headers), 200)  # now cached
    assert_envelope(client.simulate_get(ORGS, headers=headers), 200)
    from goldenrecord.store.models import ApiKey

    sql = f"UPDATE api_key SET revoked_at = '{ApiKey.revoked_at.db_value(clock())}'"
    if how == "process":
        subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                        "c.execute(sys.argv[2]); c.commit()", store.path, sql], check=True, timeout=30)
    else:
        other = sqlite3.connect(store.path)
        other.execute(sql)
        other.commit()
        other.close()
    store.changes.watch.poll()  # what the watch's thread does every 20 ms
    assert_envelope(client.simulate_get(ORGS, headers=headers), 401, "GR_INVALID_API_KEY")


@pytest.mark.sqlite_only
def test_a_key_is_read_once_while_nothing_changes(client, store, keys):
    headers = keys.headers("*:*")
    hooks = "/api/v1/webhooks"  # a list its store reads afresh: the request runs statements
    assert_envelope(client.simulate_get(hooks, headers=headers), 200)
    with traced_statements(store) as statements:
        assert_envelope(client.simulate_get(hooks, headers=headers), 200)
    assert statements and not any("api_key" in s for s in statements), statements


def test_expired_key_is_401_invalid(client, keys, clock):
    from datetime import timedelta

    headers = keys.headers("*:*", expires_at=clock() + timedelta(hours=1))
    assert_envelope(client.simulate_get(ORGS, headers=headers), 200)
    clock.advance(minutes=59, seconds=59)
    assert_envelope(client.simulate_get(ORGS, headers=headers), 200)
    clock.advance(seconds=1)
    assert_envelope(client.simulate_get(ORGS, headers=headers), 401, "GR_INVALID_API_KEY")


@pytest.mark.parametrize("allowed, remote, ok", [
    (["127.0.0.1"], "127.0.0.1", True),
    (["203.0.113.50"], "127.0.0.1", False),
    (["192.168.1.0/24"], "192.168.1.77", True),
    (["192.168.1.0/24"], "192.168.2.1", False),
    (["10.0.0.0/8", "203.0.113.50"], "203.0.113.50", True),
    (["2001:db8::/32"], "2001:db8::1", True),
    (["2001:db8::/32"], "2001:db9::1", False),
    (["::1"], "::1", True),
    (["192.0.2.1"], "::ffff:192.0.2.1", True),
])
def test_ip_allow_list(client, keys, allowed, remote, ok):
    headers = keys.headers("*:*", allowed_ips=allowed)
    result = client.simulate_get(ORGS, headers=headers, remote_addr=remote)
    if ok:
        assert_envelope(result, 200)
    else:
        assert_envelope(result, 403, "GR_IP_NOT_ALLOWED")


def test_forwarded_for_ignored_from_untrusted_peer(client, keys):
    headers = {**keys.headers("*:*", allowed_ips=["203.0.113.50"]),
               "X-Forwarded-For": "203.0.113.50"}
    result = client.simulate_get(ORGS, headers=headers, remote_addr="198.51.100.7")
    assert_envelope(result, 403, "GR_IP_NOT_ALLOWED")


def test_forwarded_for_believed_from_trusted_proxy(tmp_path, clock):
    import falcon.testing

    with apps.service_behind_proxies(tmp_path, clock, ["10.0.0.0/8"]) as service:
        client = falcon.testing.TestClient(service.app)
        _, key = service.store.api_keys.create(name="k", scopes=["*:*"],
                                               allowed_ips=["203.0.113.50"])
        auth = {"Authorization": f"Bearer {key}"}
        # the client's address is the nearest hop our own proxies did not add
        forwarded = {**auth, "X-Forwarded-For": "198.51.100.1, 203.0.113.50, 10.0.0.9"}
        assert_envelope(client.simulate_get(ORGS, headers=forwarded, remote_addr="10.0.0.2"), 200)
        spoofed = {**auth, "X-Forwarded-For": "203.0.113.50, 198.51.100.1"}
        assert_envelope(client.simulate_get(ORGS, headers=spoofed, remote_addr="10.0.0.2"), 403,
                        "GR_IP_NOT_ALLOWED")


def test_ip_check_comes_before_scope_check(client, keys):
    headers = keys.headers("users:read", allowed_ips=["203.0.113.50"])
    result = client.simulate_post(ORGS, json={"name": "A", "slug": "a"}, headers=headers,
                                  remote_addr="127.0.0.1")
    assert_envelope(result, 403, "GR_IP_NOT_ALLOWED")


def test_auth_comes_before_validation(client):
    assert_envelope(client.simulate_post(ORGS, body="{bad"), 401, "GR_UNAUTHORIZED")


def test_health_needs_no_key(client):
    assert_envelope(client.simulate_get("/healthz"), 200)


@pytest.mark.sqlite_only
def test_keys_are_stored_only_as_hashes(store, keys):
    headers = keys.headers("*:*")
    plaintext = headers["Authorization"].split()[1]
    dump = "\n".join(store.db.connection().iterdump())
    assert plaintext not in dump
    assert plaintext[:16] in dump  # the display prefix is kept, for recognition
