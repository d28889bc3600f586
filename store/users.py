"""Users: global identities, unique by email regardless of case."""
from goldenrecord import search as text_search
from . import external, listjson, prepared, records
from .db import write_transaction
from .errors import Conflict, NotFound, OutOfScope, at_position
from .organizations import check_org_scope
from .models import Membership, User
from .pages import Tally, active_count, kept_count, keyset_page, listed_page, rank_key, ranked_page

MEMBER_ROLE_ID = "role_member"


def email_key(email):
    return email.strip().casefold()


def domain_of(email):
    """The domain part of an email address, as organization domains are kept (lower case)."""
    return email.rsplit("@", 1)[-1].strip().lower()


class Users:
    def __init__(self, store):
        self._store = store

    def get(self, user_id, *, org_scope=None, field=None):
        """The user `user_id`; with `org_scope` (an organization id), only a member of it."""
        user = User.first_by("id", user_id)
        if user is None:
            raise NotFound("user", user_id, field)
        if org_scope is not None and not is_member(user_id, org_scope):
            raise OutOfScope("This user is not a member of the API key's organization")
        return user

    def by_external_id(self, external_id, *, org_scope=None):
        """The user with `external_id`; with `org_scope`, only a member of it."""
        user = external.find(User, "user", external_id)
        return self.get(user.id, org_scope=org_scope)

    def list(self, *, limit, after=None, search=None, organization_id=None, is_active=None,
             external_id=None, org_scope=None, encoded=False):
        """A page of users; with `organization_id`, only that organization's members; with
        `is_active` True or False, only the active or the inactive (soft-deleted) ones; with
        `external_id`, the one user that has it (if any).

        A caller confined to `org_scope` sees only that organization's members. With
        `encoded`, a page may come as JSON only (store/pages.py, listed_page).
        """
        check_org_scope(organization_id, org_scope)
        organization_id = organization_id or org_scope
        if external_id is not None:
            return _with_external_id(external_id, organization_id, is_active, limit, after)
        if search:
            return self._search(search, limit, after, organization_id, is_active)
        return self._store.pages.get_or_make(
            ("users", limit, after, organization_id, is_active, encoded),
            ("user",) if organization_id is None else ("user", "membership"),
            lambda: self._page(limit, after, organization_id, is_active, encoded))

    @staticmethod
    def _page(limit, after, organization_id, is_active, encoded):
        """A page of the list as SQLite has it now (`list` keeps it in memory)."""
        where, params = _filters("t", organization_id, is_active)
        if organization_id is None:
            total = kept_count("user") if is_active is None else active_count("user", is_active)
        elif is_active is None:
            # one membership per (organization, user): its members are its memberships
            total = kept_count("membership.organization", organization_id)
        else:
            # no kept count for members by state: counted along the organization's
            # memberships (its index), one user row looked up by key for each
            total = Tally(
                '(SELECT count(*) FROM membership m JOIN "user" u ON u.id = m.user_id '
                "WHERE m.organization_id = ? AND u.is_active = ?)",
                (organization_id, int(is_active)))
        return listed_page(User, limit, after, total, where=where, params=params,
                           shape=listjson.USER if encoded else None)

    def _search(self, text, limit, after, organization_id, is_active):
        """Relevance-ordered matches of `text` on email and names, typos allowed."""
        where, params = _filters("d", organization_id, is_active)
        found = self._store.text.find("user", text, where=where, params=params, limit=limit,
                                      after=rank_key(after))
        return ranked_page(User, found)

    def create(self, *, email, first_name=None, last_name=None, avatar_url=None,
               metadata=None, org_scope=None, workos_user_id=None, workos_updated_at=None,
               external_id=None):
        """A new user.

        Created by a caller confined to `org_scope`, the user also becomes a Member of that
        organization in the same transaction, so the caller can go on seeing them. An email
        at a verified domain whose join policy is `auto` joins its organization too, with
        the domain's role (store/domains.py).
        """
        return self.create_many([dict(
            email=email, first_name=first_name, last_name=last_name, avatar_url=avatar_url,
            metadata=metadata, workos_user_id=workos_user_id,
            workos_updated_at=workos_updated_at, external_id=external_id)],
            org_scope=org_scope)[0]

    def create_many(self, fields, *, org_scope=None):
        """New users, one per dict of `create`'s fields, in one write transaction: the same
        rows, search terms and events as `create` makes one by one, with one statement per
        table for them all (store/prepared.py).

        The first one `create` would refuse (an email taken whatever its case, also by an
        earlier one of the batch) raises its Conflict with `position`, its index in
        `fields`; nothing is written.
        """
        now = self._store.now()
        with write_transaction():
            refused = self.refusals(fields)
            if refused:
                position, refusal = refused[0]
                raise at_position(refusal, position)
            users = []
            for values in fields:
                users.append(User(
                    id=self._store.new_uuid(), email=values["email"], email_key=email_key(values["email"]),
                    first_name=values.get("first_name"), last_name=values.get("last_name"),
                    avatar_url=values.get("avatar_url"),
                    workos_user_id=values.get("workos_user_id"),
                    workos_updated_at=values.get("workos_updated_at"),
                    external_id=values.get("external_id"),
                    metadata=values.get("metadata") or {}, created_at=now, updated_at=now))
            prepared.insert_all(users)
            self._store.text.index_new([text_search.indexed("user", u) for u in users],
                                      keys=[("user", u.id) for u in users])
            memberships = self._joined(users, org_scope, now)
            prepared.insert_all(memberships)
            joined = {}
            for m in memberships:
                joined.setdefault(m.user_id, []).append(m.organization_id)
            changes = [("user.created", records.user(u), joined.get(u.id, [])) for u in users]
            changes += [("membership.created", records.membership_event(m), [m.organization_id])
                        for m in memberships]
            self._store.events.emit_many(changes)
            return users

    def _joined(self, users, org_scope, now):
        """The memberships new `users` start with: a scoped caller's new users join its
        organization as Members, or it could not see them; an email at a verified `auto`
        domain joins that domain's organization with its role (which wins where the two
        are one organization)."""
        rules = self._store.domains.auto_joins([u.email for u in users])
        memberships = []
        for u in users:
            roles = {org_scope: MEMBER_ROLE_ID} if org_scope is not None else {}
            organization_id, role_id = rules.get(domain_of(u.email), (None, None))
            if organization_id is not None:
                roles[organization_id] = role_id
            memberships += [Membership(id=self._store.new_id("mem"), organization=org,
                                       user=u.id, role=role, created_at=now, updated_at=now)
                            for org, role in roles.items()]
        return memberships

    def refusals(self, fields):
        """(index, Conflict) for every one of `fields` that create_many would refuse: an
        email taken whatever its case, or an external id taken, also by an earlier one of
        them. All of them, in the order of `fields`, for a preview; create_many stops at the
        first."""
        taken = prepared.taken(User, "email_key", [email_key(f["email"]) for f in fields])
        found = []
        for position, values in enumerate(fields):
            key = email_key(values["email"])
            if key in taken:
                found.append((position, _email_taken(values["email"])))
            taken.add(key)
        found += external.refusals(User, [f.get("external_id") for f in fields])
        return sorted(found, key=lambda refusal: refusal[0])

    def update(self, user_id, changes, *, org_scope=None):
        """Apply `changes` (model field -> value); fields not named keep their values.

        A caller confined to `org_scope` may not change the email or active flag of a user who
        also belongs to another organization (see check_identity_change).
        """
        with write_transaction():
            user = self.get(user_id, org_scope=org_scope)
            if org_scope is not None:
                check_identity_change(user, changes, org_scope)
            if changes.get("external_id") is not None:
                external.check_free(User, [changes["external_id"]], keep=user.external_id)
            if "email" in changes:
                key = email_key(changes["email"])
                if key != user.email_key:
                    self._check_email_free(changes["email"])
                changes = {**changes, "email_key": key}
            if changes:
                before = text_search.indexed("user", user)
                user.apply(changes, self._store.now())
                self._store.text.index_document(before, text_search.indexed("user", user),
                                                document=("user", user.id))
                self._store.events.emit("user.updated", records.user(user), organizations_of(user.id))
            return user

    def delete(self, user_id, *, org_scope=None):
        """Delete the user and their memberships.

        An organization-scoped caller may delete only users who belong to no other
        organization: the others still rely on that user.
        """
        with write_transaction():
            user = self.get(user_id, org_scope=org_scope)
            if org_scope is not None and member_elsewhere(user_id, org_scope):
                raise OutOfScope("This user also belongs to other organizations")
            memberships = list(Membership.select().where(Membership.user == user.id))
            for membership in memberships:
                self._store.events.emit("membership.deleted", records.membership_event(membership),
                                        [membership.organization_id])
            self._store.events.emit("user.deleted", records.user(user),
                                    [m.organization_id for m in memberships])
            user.delete_instance()
            self._store.text.index_document(before=text_search.indexed("user", user),
                                            document=("user", user.id))
            return user

    @staticmethod
    def _check_email_free(email):
        if prepared.taken(User, "email_key", [email_key(email)]):
            raise _email_taken(email)


def _with_external_id(external_id, organization_id, is_active, limit, after):
    """The page of the list filtered by `externalId`: the one user with it, if any (and a
    member of `organization_id`, and active or not as `is_active` asks, when given)."""
    query = User.select().where(User.external_id == external_id)
    if organization_id is not None:
        query = query.where(User.id.in_(Membership.select(Membership.user).where(
            Membership.organization == organization_id)))
    if is_active is not None:
        query = query.where(User.is_active == is_active)
    return keyset_page(query, User, limit, after)


def _email_taken(email):
    return Conflict("email", f"A user with email '{email}' already exists")


def is_member(user_id, organization_id):
    return (
        Membership.select()
        .where(Membership.user == user_id, Membership.organization == organization_id)
        .exists()
    )


def member_elsewhere(user_id, organization_id):
    """Whether the user belongs to any organization other than `organization_id`."""
    return (
        Membership.select()
        .where(Membership.user == user_id, Membership.organization != organization_id)
        .exists()
    )


# What other organizations trust about a user: whoever changes these takes the account over
# there too. Model field -> the API's name for it.
IDENTITY_FIELDS = {"email": "email", "is_active": "isActive"}


def check_identity_change(user, changes, organization_id):
    """Refuse an organization-scoped change of a shared user's email or active flag.

    A user who also belongs to another organization is that organization's user too: an
    email change would hand their account there to whoever controls the new address, and
    deactivating would lock them out everywhere. Sending the value the user already has
    changes nothing and passes; names and metadata stay writable.
    """
    changed = [name for model_field, name in IDENTITY_FIELDS.items()
               if model_field in changes and changes[model_field] != getattr(user, model_field)]
    if changed and member_elsewhere(user.id, organization_id):
        raise OutOfScope(f"This user also belongs to other organizations, so an "
                         f"organization-scoped API key cannot change their {changed[0]}; "
                         "use a global API key", field=changed[0])


def organizations_of(user_id):
    """Ids of the organizations the user belongs to: the ones a change to them concerns."""
    rows = Membership.select(Membership.organization).where(Membership.user == user_id).tuples()
    return [org_id for (org_id,) in rows]


def _filters(alias, organization_id, is_active):
    """(SQL condition on the user table as `alias`, its parameters) for the list filters."""
    conditions, params = [], []
    if organization_id is not None:
        conditions.append(f"{alias}.id IN (SELECT user_id FROM membership WHERE organization_id = ?)")
        params.append(organization_id)
    if is_active is not None:
        # a literal, not a parameter: the inactive rows' partial index (m0017) is chosen
        # when the statement is planned, and must not serve a statement for active rows
        conditions.append(f"{alias}.is_active = {int(is_active)}")
    return " AND ".join(conditions), tuple(params)
