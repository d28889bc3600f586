"""The hot lists' rows as JSON built by SQLite, in the list's own statement.

A page of 20 read from SQLite used to spend most of its time in Python: a model instance
per row (a datetime parsed twice, the metadata's JSON decoded), then `store/records.py`'s
dict per row, then the JSON encoder — about 0.4 ms of a page's 0.9 ms in process, on
every page the page cache does not hold. SQLite's `json_object()` builds the same
documents in C while it reads the rows, so the page's items arrive as JSON text, one
string per row (issue 17).

Each `JsonShape` declares, per key of `records.<kind>`'s dict, the stored column and how
it is shown. `tests/test_list_json.py` checks that every shape gives, for rows of every
sort (unicode, nulls, booleans, nested metadata), exactly what its `records` function
gives, and has exactly its keys: a field added to one and not the other fails there.
The expressions are SQLite's (`json_object`, `json`, `substr`); another engine needs its
own spelling of `_VALUE` and `JsonShape.sql` (PostgreSQL: `json_build_object`).
"""
from . import records

# How a stored value is shown (records.py): as it is stored (text, or null) ...
TEXT = "text"
# ... as a JSON boolean (stored 0/1) ...
FLAG = "flag"
# ... as the JSON document it is stored as (JSONField: compact JSON text) ...
DOCUMENT = "document"
# ... or as records.timestamp shows a stored UtcDateTimeField (fixed-width ISO text with
# microseconds and Z, store/fields.py): to the second, with Z.
MOMENT = "moment"


class JsonShape:
    """The SQL expression giving `presents`'s dict of a row as JSON text.

    `fields` are (key, column, how) in the dict's order; `how` is one of the kinds above,
    or a JsonShape for an object nested from a joined table, its column then naming the
    foreign key whose row it shows.
    """

    def __init__(self, presents, *fields):
        self.presents = presents
        self.fields = fields

    def keys(self):
        return [key for key, _, _ in self.fields]

    def sql(self, alias, joined=None):
        """`json_object(...)` over the columns of table alias `alias`; `joined` maps a
        foreign key column to the alias of the table it joins (store/pages.py)."""
        parts = []
        for key, column, how in self.fields:
            if isinstance(how, JsonShape):
                value = how.sql(joined[column])
            else:
                value = _VALUE[how].format(f'{alias}."{column}"')
            parts.append(f"'{key}', {value}")
        return f"json_object({', '.join(parts)})"


_VALUE = {
    TEXT: "{}",
    FLAG: "json(CASE WHEN {0} IS NULL THEN 'null' WHEN {0} THEN 'true' ELSE 'false' END)",
    DOCUMENT: "json({})",
    MOMENT: "substr({}, 1, 19) || 'Z'",
}

ORGANIZATION = JsonShape(
    records.organization,
    ("id", "id", TEXT), ("name", "name", TEXT), ("slug", "slug", TEXT),
    ("domain", "domain", TEXT), ("logoUrl", "logo_url", TEXT),
    ("workosOrgId", "workos_org_id", TEXT), ("isVerified", "is_verified", FLAG),
    ("isActive", "is_active", FLAG), ("metadata", "metadata", DOCUMENT),
    ("externalId", "external_id", TEXT), ("createdAt", "created_at", MOMENT),
    ("updatedAt", "updated_at", MOMENT))

USER = JsonShape(
    records.user,
    ("id", "id", TEXT), ("email", "email", TEXT), ("firstName", "first_name", TEXT),
    ("lastName", "last_name", TEXT), ("avatarUrl", "avatar_url", TEXT),
    ("workosUserId", "workos_user_id", TEXT), ("isActive", "is_active", FLAG),
    ("metadata", "metadata", DOCUMENT), ("externalId", "external_id", TEXT),
    ("createdAt", "created_at", MOMENT), ("updatedAt", "updated_at", MOMENT))

# records.membership: the link, then the user, organization and role it links (joined)
MEMBERSHIP = JsonShape(
    records.membership,
    ("id", "id", TEXT), ("organizationId", "organization_id", TEXT),
    ("userId", "user_id", TEXT), ("roleId", "role_id", TEXT),
    ("roleSource", "role_source", TEXT), ("isOwner", "is_owner", FLAG),
    ("status", "status", TEXT), ("createdAt", "created_at", MOMENT),
    ("updatedAt", "updated_at", MOMENT),
    ("user", "user_id", JsonShape(
        None, ("id", "id", TEXT), ("email", "email", TEXT),
        ("firstName", "first_name", TEXT), ("lastName", "last_name", TEXT))),
    ("organization", "organization_id", JsonShape(
        None, ("id", "id", TEXT), ("name", "name", TEXT), ("slug", "slug", TEXT))),
    ("role", "role_id", JsonShape(
        None, ("id", "id", TEXT), ("name", "name", TEXT), ("slug", "slug", TEXT))))
