"""An organization's members as SCIM sees them, read by prepared SQL and index lookups
(store/provisioning.py writes them).

SCIM shows the memberships of the organization, each with its user and the IdP's names for
them (`scim_user`, m0025), except those the IdP deleted. Every SCIM request reads some, so
the statement's text is built once per shape and kept, as store/prepared.py does for the
hot inserts: peewee would build the three-table SELECT afresh on each call, which was most
of a provisioning request's Python. A filter's lookups (`user_ids`) go by index: userName
(the partial unique index), externalId, an email (the user's, or another the IdP sent, in
`scim_user_email`), an id.
"""
import functools

from .db import database
from .models import Membership, ScimUser, User
from .users import email_key

# what `user_ids` can look up by index: the SCIM attribute paths (lower case)
INDEXED = ("username", "externalid", "emails.value", "id")
_PARTS = (Membership, User, ScimUser)
# the memberships SCIM shows (not deleted by the IdP), each with its user and SCIM row
_FROM = ('FROM "membership" t0 JOIN "user" t1 ON t1."id" = t0."user_id" '
         'LEFT JOIN "scim_user" t2 ON t2."organization_id" = t0."organization_id" '
         'AND t2."user_id" = t0."user_id" '
         'WHERE t0."organization_id" = ? AND coalesce(t2."deleted", 0) = 0')
ORDER = ' ORDER BY t0."created_at", t0."id"'  # the order they joined


def user_name_key(user_name):
    """userName compared without case (RFC 7643 §4.1.1), as emails are."""
    return user_name.strip().casefold()


@functools.cache
def _visible_sql(where, order):
    columns = ", ".join(f't{n}."{f.column_name}"' for n, model in enumerate(_PARTS)
                        for f in model._meta.sorted_fields)
    return f"SELECT {columns} {_FROM} AND {where}{order}"


def visible(where, parameters, order=""):
    """The organization's visible memberships `where` selects (SQL over t0 membership, t1
    user, t2 scim_user; `parameters` start with the organization's id), each with `.user`
    and `.scim` (None without a SCIM row) loaded."""
    found = []
    sizes = [len(model._meta.sorted_fields) for model in _PARTS]
    for row in database.connection().execute(_visible_sql(where, order), parameters):
        membership = Membership.from_row(row[:sizes[0]])
        membership.user = User.from_row(row[sizes[0]:sizes[0] + sizes[1]])
        scim = row[sizes[0] + sizes[1]:]
        membership.scim = None if scim[0] is None else ScimUser.from_row(scim)
        found.append(membership)
    return found


def count(organization_id):
    """How many members SCIM shows for the organization."""
    return database.connection().execute(f"SELECT count(*) {_FROM}",
                                         (organization_id,)).fetchone()[0]


def user_ids(organization_id, path, value):
    """The ids of the users who may be the organization's member with `value` at `path`."""
    if path == "id":
        return [value]
    if path == "externalid":
        return [user.id for user in [User.first_by("external_id", value)] if user]
    key = email_key(value)
    ids = [user.id for user in [User.first_by("email_key", key)] if user]
    if path == "username":
        ids += [holder for holder in [user_name_holder(organization_id, key)] if holder]
    else:  # emails.value: the user's email, or another one the IdP sent
        ids += [user_id for (user_id,) in database.connection().execute(
            'SELECT "user_id" FROM "scim_user_email" WHERE "organization_id" = ? '
            'AND "email_key" = ?', (organization_id, key))]
    return ids


def user_name_holder(organization_id, key):
    """The id of the organization's SCIM user whose userName is `key` (casefolded)."""
    row = database.connection().execute(
        'SELECT "user_id" FROM "scim_user" WHERE "organization_id" = ? AND "user_name_key" = ? '
        'AND "deleted" = 0', (organization_id, key)).fetchone()  # `= 0`: the partial index
    return None if row is None else row[0]
