"""The peewee models: the shape of the golden record.

The tables themselves are created by the numbered migrations in store/migrations;
these classes describe the current schema for queries, indexes included (`Meta.indexes`,
and `index=False` on a foreign key the migrations index only as part of a wider index),
so that tests/test_schema.py can hold the two to the same shape.
"""
import functools

import peewee as pw

# Values per IN list, far below SQLite's variable limit (999 before 3.32).
IN_LIST = 500

from .audit import journal
from .db import database
from .fields import JSONField, SealedField, UtcDateTimeField


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def first_by(cls, column, value):
        """The row whose `column` equals `value`, or None — the hot path of every request.

        Same result as `get_or_none(field == value)` at a fraction of the cost: the SQL is
        built once per model and column, not per call.
        """
        row = cls._meta.database.connection().execute(_lookup_sql(cls, column), (value,)).fetchone()
        return None if row is None else cls.from_row(row)

    @classmethod
    def all_by(cls, column, values):
        """The rows whose `column` is one of `values`, in no particular order: `first_by`
        for a batch, one statement per IN_LIST values."""
        values = list(dict.fromkeys(values))
        connection = cls._meta.database.connection()
        found = []
        for start in range(0, len(values), IN_LIST):
            chunk = values[start:start + IN_LIST]
            found.extend(cls.from_row(row) for row in connection.execute(
                _lookup_all_sql(cls, column, len(chunk)), chunk))
        return found

    @classmethod
    def from_row(cls, values):
        """An instance from stored `values`, one per field in `sorted_fields` order: filled
        directly, without peewee's per-field descriptor calls and row processing."""
        instance = cls(__no_default__=True)
        instance.__data__ = {f.name: f.python_value(v) for f, v in zip(cls._meta.sorted_fields, values)}
        return instance

    def save(self, force_insert=False, only=None):
        """peewee's save, noted for the audit log with the fields it changed
        (store/audit/journal.py): the stored row is read first to know their before."""
        if not self._noted():
            return super().save(force_insert=force_insert, only=only)
        before = None
        if not force_insert and self._pk is not None and not self._meta.composite_key:
            before = type(self).first_by(self._meta.primary_key.column_name, self._pk)
        return self._save_noted(before, force_insert, only)

    def _noted(self):
        """Whether this row's changes go to the audit log now (in a write transaction, and
        not a bookkeeping table)."""
        return journal.recording() and self._meta.table_name not in journal.NOT_AUDITED

    def _save_noted(self, before, force_insert=False, only=None):
        """Save, then note the change against `before` (None: a new row)."""
        saved = super().save(force_insert=force_insert, only=only)
        journal.row_changed(self, before, "created" if before is None else "updated")
        return saved

    def delete_instance(self, recursive=False, delete_nullable=False):
        """peewee's delete_instance, noted for the audit log with what the row held."""
        journal.row_changed(self, self, "deleted")
        return super().delete_instance(recursive=recursive, delete_nullable=delete_nullable)

    def apply(self, changes, now):
        """Save `changes` (field name -> value) with a new updated_at, if the model has one;
        nothing to change, no write."""
        if not changes:
            return self
        before = None
        if self._noted():  # the values in hand are the stored ones: no read to know them
            before = type(self)(__no_default__=True)
            before.__data__ = dict(self.__data__)
        for name, value in changes.items():
            setattr(self, name, value)
        if "updated_at" in self._meta.fields:
            self.updated_at = now
        if before is None:
            self.save()
        else:
            self._save_noted(before)
        return self

    def differing(self, changes):
        """The entries of `changes` (field name -> value) that would change this row: what
        an update applies, and whether it has anything to announce."""
        return {name: value for name, value in changes.items() if getattr(self, name) != value}


# Lists page by (created_at, id): each listed table has that index.
CREATED = (("created_at", "id"), False)


class Organization(BaseModel):
    id = pw.TextField(primary_key=True)
    name = pw.TextField()
    slug = pw.TextField(unique=True)
    domain = pw.TextField(null=True)
    logo_url = pw.TextField(null=True)
    workos_org_id = pw.TextField(null=True, index=True)  # indexed by m0022
    is_verified = pw.BooleanField(default=False)
    is_active = pw.BooleanField(default=True)
    metadata = JSONField(default=dict)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    external_id = pw.TextField(null=True, unique=True)  # another system's id for it (m0021)
    workos_updated_at = UtcDateTimeField(null=True)  # WorkOS's updated_at last applied (m0022)

    class Meta:
        indexes = (CREATED, (("is_verified", "created_at", "id"), False))


class User(BaseModel):
    id = pw.TextField(primary_key=True)
    email = pw.TextField()
    # casefolded email: uniqueness is case-insensitive, including non-ASCII letters
    email_key = pw.TextField(unique=True)
    first_name = pw.TextField(null=True)
    last_name = pw.TextField(null=True)
    avatar_url = pw.TextField(null=True)
    workos_user_id = pw.TextField(null=True, unique=True)
    is_active = pw.BooleanField(default=True)
    metadata = JSONField(default=dict)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    workos_updated_at = UtcDateTimeField(null=True)
    external_id = pw.TextField(null=True, unique=True)  # another system's id for it (m0021)

    class Meta:
        indexes = (CREATED,)


def _rank_order(model, tie):
    """Search's order within a tier: the tie column's length, then id (migration 20)."""
    model.add_index(model.index(pw.fn.coalesce(pw.fn.length(tie), 0), model.id,
                                name=f"{model._meta.table_name}_rank_order"))


_rank_order(Organization, Organization.name)
_rank_order(User, User.email)


class Permission(BaseModel):
    id = pw.TextField(primary_key=True)
    name = pw.TextField()
    slug = pw.TextField(unique=True)
    resource = pw.TextField()
    action = pw.TextField()
    created_at = UtcDateTimeField()
    description = pw.TextField(null=True)
    is_system = pw.BooleanField(default=False)  # the reference's eight: read-only

    class Meta:
        indexes = (CREATED,)


class Role(BaseModel):
    id = pw.TextField(primary_key=True)
    name = pw.TextField()
    slug = pw.TextField(unique=True)
    description = pw.TextField(null=True)
    is_system = pw.BooleanField(default=False)
    created_at = UtcDateTimeField()
    # the one organization an organization role exists in; None: every organization
    organization = pw.ForeignKeyField(Organization, column_name="organization_id", null=True,
                                      on_delete="CASCADE", index=False)
    priority = pw.IntegerField(default=0)  # lower ranks higher (store/priorities.py, m0024)

    class Meta:
        indexes = (CREATED, (("organization",), False))


class RolePermission(BaseModel):
    # indexed by the primary key only (m0001)
    role = pw.ForeignKeyField(Role, column_name="role_id", on_delete="CASCADE", index=False)
    permission = pw.ForeignKeyField(Permission, column_name="permission_id", on_delete="CASCADE",
                                    index=False)

    class Meta:
        primary_key = pw.CompositeKey("role", "permission")


class Membership(BaseModel):
    id = pw.TextField(primary_key=True)
    # indexed by the unique (organization, user) below
    organization = pw.ForeignKeyField(Organization, column_name="organization_id",
                                      on_delete="CASCADE", index=False)
    user = pw.ForeignKeyField(User, column_name="user_id", on_delete="CASCADE")
    role = pw.ForeignKeyField(Role, column_name="role_id")
    is_owner = pw.BooleanField(default=False)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    status = pw.TextField(default="active")  # active | inactive: an inactive one grants nothing
    workos_membership_id = pw.TextField(null=True, unique=True)  # m0022
    workos_updated_at = UtcDateTimeField(null=True)  # WorkOS's updated_at last applied (m0022)
    role_source = pw.TextField(default="manual")  # manual | group: who gave the role (m0024)

    class Meta:
        indexes = (CREATED, (("organization", "user"), True))  # one membership per pair


class Invitation(BaseModel):
    """An invitation to join an organization; only the token's SHA-256 is kept."""

    id = pw.TextField(primary_key=True)
    organization = pw.ForeignKeyField(Organization, column_name="organization_id",
                                      on_delete="CASCADE")
    email = pw.TextField()
    email_key = pw.TextField()  # casefolded, as User.email_key
    # NULL only once the role is deleted, which a pending invitation prevents (store/roles.py)
    role = pw.ForeignKeyField(Role, column_name="role_id", null=True, on_delete="SET NULL")
    token_hash = pw.TextField(unique=True)
    state = pw.TextField()  # pending | accepted | revoked | expired (past expires_at: expired)
    expires_at = UtcDateTimeField()
    accepted_user_id = pw.TextField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = (CREATED, (("state", "expires_at"), False))  # the expiry sweep's query


class OrganizationDomain(BaseModel):
    """A domain an organization claims, verified by a DNS TXT record."""

    id = pw.TextField(primary_key=True)
    # indexed by the unique (organization, domain) below
    organization = pw.ForeignKeyField(Organization, column_name="organization_id",
                                      on_delete="CASCADE", index=False)
    domain = pw.TextField()
    state = pw.TextField()  # pending | verified | failed
    verification_token = pw.TextField()
    failure_reason = pw.TextField(null=True)
    # the domain while verified, else NULL: unique, so one organization holds it at a time
    verified_domain = pw.TextField(null=True, unique=True)
    join_policy = pw.TextField(default="none")  # none | auto
    role = pw.ForeignKeyField(Role, column_name="role_id", null=True, on_delete="SET NULL")
    verified_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = (CREATED, (("organization", "domain"), True))


class ScimGroup(BaseModel):
    """A group an organization's identity provider keeps (SCIM, m0022)."""

    id = pw.TextField(primary_key=True)
    # indexed by the unique (organization, display_name) below
    organization = pw.ForeignKeyField(Organization, column_name="organization_id",
                                      on_delete="CASCADE", index=False)
    display_name = pw.TextField()
    external_id = pw.TextField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    # the role its members get (store/group_roles.py, m0024); None: unmapped
    role = pw.ForeignKeyField(Role, column_name="role_id", null=True, on_delete="SET NULL")

    class Meta:
        indexes = (CREATED, (("organization", "display_name"), True))


class ScimGroupMember(BaseModel):
    # the group's side is indexed by the primary key (m0022)
    group = pw.ForeignKeyField(ScimGroup, column_name="group_id", on_delete="CASCADE",
                               index=False)
    user = pw.ForeignKeyField(User, column_name="user_id", on_delete="CASCADE")

    class Meta:
        primary_key = pw.CompositeKey("group", "user")


class ScimUser(BaseModel):
    """An organization's IdP's name for one of its members (SCIM userName, m0025): unique
    in the organization without regard to case, apart from the email; `deleted` once the
    IdP deleted them (the membership stays, inactive)."""

    # indexed by the primary key
    organization = pw.ForeignKeyField(Organization, column_name="organization_id",
                                      on_delete="CASCADE", index=False)
    user = pw.ForeignKeyField(User, column_name="user_id", on_delete="CASCADE")
    user_name = pw.TextField()
    user_name_key = pw.TextField()  # casefolded: userName is case-insensitive (RFC 7643)
    emails = JSONField(null=True)  # the IdP's `emails`, as sent
    deleted = pw.BooleanField(default=False)

    class Meta:
        primary_key = pw.CompositeKey("organization", "user")
        without_rowid = True


ScimUser.add_index(ScimUser.index(ScimUser.organization, ScimUser.user_name_key, unique=True,
                                  where=(ScimUser.deleted == False)))  # noqa: E712


class ScimUserEmail(BaseModel):
    """Every address of a SCIM user's `emails`, casefolded (m0025): what a filter on
    `emails.value` looks up. Derived from ScimUser.emails and written with it by SQL, so
    not audited apart (the audit log has the ScimUser row)."""

    # indexed by the primary key
    organization = pw.ForeignKeyField(Organization, column_name="organization_id",
                                      on_delete="CASCADE", index=False)
    email_key = pw.TextField()
    user = pw.ForeignKeyField(User, column_name="user_id", on_delete="CASCADE")

    class Meta:
        primary_key = pw.CompositeKey("organization", "email_key", "user")
        without_rowid = True


class ApiKey(BaseModel):
    id = pw.TextField(primary_key=True)
    name = pw.TextField()
    key_hash = pw.TextField(unique=True)
    key_prefix = pw.TextField()
    organization = pw.ForeignKeyField(
        Organization, column_name="organization_id", null=True, on_delete="CASCADE"
    )
    scopes = JSONField()
    tier = pw.TextField(default="free")
    allowed_ips = JSONField(default=list)
    expires_at = UtcDateTimeField(null=True)
    last_used_at = UtcDateTimeField(null=True)
    revoked_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()

    class Meta:
        indexes = (CREATED,)

    def is_usable(self, now):
        """Not revoked and not past its expiry."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RequestLog(BaseModel):
    """One authenticated API request, for usage analytics."""

    created_at = UtcDateTimeField()
    api_key_id = pw.TextField()
    organization_id = pw.TextField(null=True)
    method = pw.TextField()
    endpoint = pw.TextField()
    status = pw.IntegerField()
    duration_ms = pw.FloatField()

    class Meta:
        indexes = ((("created_at",), False), (("organization_id", "created_at"), False))


class Webhook(BaseModel):
    """A subscription: where to POST which events, signed with `secret` (sealed at rest)."""

    id = pw.TextField(primary_key=True)
    name = pw.TextField()
    url = pw.TextField()
    secret = SealedField()
    # the secret a rotation replaced, still signing beside `secret` until then (m0026)
    previous_secret = SealedField(null=True)
    previous_secret_expires_at = UtcDateTimeField(null=True)
    events = JSONField()
    is_active = pw.BooleanField(default=True)
    disabled_reason = pw.TextField(null=True)
    organization = pw.ForeignKeyField(
        Organization, column_name="organization_id", null=True, on_delete="CASCADE"
    )
    metadata = JSONField(default=dict)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = (CREATED,)

    def signing_secrets(self, now):
        """(the secret, the one the last rotation replaced or None): deliveries sent at
        `now` are signed with both while that one's grace period lasts."""
        previous = self.previous_secret
        if previous is None or self.previous_secret_expires_at is None \
                or now >= self.previous_secret_expires_at:
            previous = None
        return self.secret, previous


class Event(BaseModel):
    """The outbox: one row per change, written in the change's own transaction."""

    id = pw.TextField(primary_key=True)
    type = pw.TextField()
    payload = pw.TextField()  # the exact JSON body every delivery sends
    organization_ids = JSONField()
    created_at = UtcDateTimeField()
    # commit order, for the events feed (m0019; store/feed.py); unique when set
    seq = pw.IntegerField(null=True, unique=True)

    class Meta:
        indexes = ((("created_at",), False),)


class Delivery(BaseModel):
    """One event on its way to one subscription, with the outcome of its last attempt."""

    id = pw.TextField(primary_key=True)
    event = pw.ForeignKeyField(Event, column_name="event_id", on_delete="CASCADE")
    # indexed by (webhook, created_at, id) below, the delivery log's order
    webhook = pw.ForeignKeyField(Webhook, column_name="webhook_id", on_delete="CASCADE",
                                 index=False)
    status = pw.TextField()  # pending | succeeded | failed
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UtcDateTimeField(null=True)
    response_code = pw.IntegerField(null=True)
    error = pw.TextField(null=True)
    duration_ms = pw.FloatField(null=True)
    delivered_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),  # the sender's due query
                   (("webhook", "created_at", "id"), False))


class Setting(BaseModel):
    """Per-database secrets, such as the one that signs pagination cursors (sealed at rest)."""

    key = pw.TextField(primary_key=True)
    value = SealedField()


@functools.cache
def _lookup_sql(model, column):
    return f'{_select_all(model)} WHERE "{column}" = ? LIMIT 1'


@functools.cache
def _lookup_all_sql(model, column, count):
    return f'{_select_all(model)} WHERE "{column}" IN ({", ".join("?" * count)})'


def _select_all(model):
    names = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
    return f'SELECT {names} FROM "{model._meta.table_name}"'


class WorkosEvent(BaseModel):
    """A WorkOS event already applied, by WorkOS's event id."""

    id = pw.TextField(primary_key=True)
    event = pw.TextField()
    outcome = pw.TextField()
    received_at = UtcDateTimeField()

    class Meta:
        indexes = ((("received_at",), False),)


class WorkosCursor(BaseModel):
    """Where the incremental sync stopped in WorkOS's Events API (one row, name "events")."""

    name = pw.TextField(primary_key=True)
    after = pw.TextField(null=True)  # the last event applied
    after_created_at = UtcDateTimeField(null=True)  # its created_at: older than 30 days, expired
    range_start = UtcDateTimeField(null=True)  # before any event: when the full sync began
    updated_at = UtcDateTimeField()


def _inactive_index(model, *columns):
    """`columns` of the inactive rows only, for the `isActive=false` lists (m0017)."""
    model.add_index(model.index(*columns, where=model.is_active == False))  # noqa: E712


_inactive_index(Organization, Organization.created_at, Organization.id)
_inactive_index(Organization, Organization.is_verified, Organization.created_at, Organization.id)
_inactive_index(User, User.created_at, User.id)
