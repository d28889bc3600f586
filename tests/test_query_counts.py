"""Lists cost a fixed number of queries, however many rows a page holds (no N+1 loops)."""
import pytest

from support import traced_statements


def _statements(store, action):
    """The SELECTs `action` runs, but for the change counters' read (store/changes.py): that
    one is made at most once after any commit, so a background thread's commit (the usage
    recorder's flush) adds it to whichever request comes next, whatever its page size."""
    with traced_statements(store) as statements:
        action()
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))
            and "FROM search_generation" not in s]


@pytest.mark.parametrize("path", ["/api/v1/memberships", "/api/v1/users", "/api/v1/organizations",
                                  "/api/v1/roles", "/api/v1/keys", "/api/v1/webhooks"])
@pytest.mark.sqlite_only
def test_list_queries_do_not_grow_with_the_page(client, admin, make, store, path):
    def count(items):
        return len(_statements(store, lambda: client.simulate_get(path, params={"limit": items},
                                                                  headers=admin)))

    org = make.org()
    for _ in range(12):
        make.membership(org, make.user())
    client.simulate_get(path, headers=admin)  # the change counters are read after commits
    few, many = count(2), count(12)
    assert few > 0 and few == many
