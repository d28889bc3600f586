"""The demo data set of `goldenrecord seed --demo`: something to look at in a sandbox.

Written through the store, like the API writes (events, search index and all), in one
transaction. Deterministic: the same organizations, users, memberships and ids every
time (ids come from a counter, not randomness; only timestamps and the webhook secret
differ). It goes only into an empty database.
"""
import uuid

from goldenrecord.store.db import write_transaction

NAMESPACE = uuid.UUID("6f0c5a53-8d0b-4a47-9d61-3c1f0e2b9a10")

# name, slug, domain, verified
ORGANIZATIONS = [
    ("Acme Corporation", "acme-corp", "acme.example.com", True),
    ("Globex Industries", "globex", "globex.example.com", True),
    ("Initech", "initech", "initech.example.com", True),
    ("Umbrella Research", "umbrella-research", "umbrella.example.com", False),
    ("Hooli Labs", "hooli-labs", None, False),
]

# email, first name, last name, [(organization slug, role, owner)]
USERS = [
    ("jane.doe@acme.example.com", "Jane", "Doe", [("acme-corp", "admin", True)]),
    ("john.smith@acme.example.com", "John", "Smith", [("acme-corp", "member", False)]),
    ("amelie.durand@acme.example.com", "Amélie", "Durand", [("acme-corp", "member", False)]),
    ("hank.scorpio@globex.example.com", "Hank", "Scorpio",
     [("globex", "admin", True), ("initech", "member", False)]),
    ("mona.lisa@globex.example.com", "Mona", "Lisa", [("globex", "member", False)]),
    ("peter.gibbons@initech.example.com", "Peter", "Gibbons", [("initech", "admin", True)]),
    ("samir.nagheenanajar@initech.example.com", "Samir", "Nagheenanajar",
     [("initech", "member", False)]),
    ("alice.abernathy@umbrella.example.com", "Alice", "Abernathy",
     [("umbrella-research", "admin", True)]),
    ("richard.hendricks@hooli.example.com", "Richard", "Hendricks",
     [("hooli-labs", "admin", True), ("acme-corp", "member", False)]),
]

# Loopback, so it never leaves the machine: with webhooks.allow_private_targets off each
# attempt is refused before connecting; on, it reaches whatever listens there (nothing,
# until you run a receiver). Point it elsewhere with PUT /api/v1/webhooks/:id.
WEBHOOK = {"name": "Demo receiver", "url": "http://127.0.0.1:9999/webhooks",
           "events": ["organization.created", "organization.updated", "user.created",
                      "membership.created", "membership.deleted"]}


class Ids:
    """uuid5 of a counter: the store's `uuidgen` for a data set that is the same every time."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return uuid.uuid5(NAMESPACE, str(self.count))


FIRST_ID = str(uuid.uuid5(NAMESPACE, "1"))  # Acme Corporation's


class NotEmpty(Exception):
    """The database holds data of its own; the demo set goes only into an empty one."""


def seed(store, progress=None):
    """Write the demo set into `store` (opened with `uuidgen=Ids()`); returns a summary
    such as {"organizations": 5, ...}, or None when the demo set is there already.
    `progress(count, total)`, if given, hears of each organization and user written."""
    report = progress or (lambda count, total: None)
    total = len(ORGANIZATIONS) + len(USERS)
    organizations = store.organizations.list(limit=1, include_staging=True).total
    users = store.users.list(limit=1).total
    if organizations or users:
        if store.organizations.list(limit=1, include_staging=True).items[0].id == FIRST_ID:
            return None
        raise NotEmpty(f"the database holds {organizations} organizations and {users} users; "
                       "seed --demo fills only an empty database")
    with write_transaction():
        by_slug = {}
        for name, slug, domain, verified in ORGANIZATIONS:
            org = store.organizations.create(name=name, slug=slug, domain=domain,
                                             metadata={"demo": True})
            if verified:
                store.organizations.set_verified(org.id, True)
            by_slug[slug] = org
            report(len(by_slug), total)
        memberships = 0
        for done, (email, first, last, joins) in enumerate(USERS, start=len(by_slug) + 1):
            user = store.users.create(email=email, first_name=first, last_name=last)
            for slug, role, owner in joins:
                store.memberships.create(organization_id=by_slug[slug].id, user_id=user.id,
                                         role_id=f"role_{role}", is_owner=owner)
                memberships += 1
            report(done, total)
        store.webhooks.create(**WEBHOOK)
    return {"organizations": len(ORGANIZATIONS), "users": len(USERS),
            "memberships": memberships, "webhooks": 1}
