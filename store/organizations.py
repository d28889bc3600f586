"""Organizations: create, read, update, delete, verify."""
from goldenrecord import search as text_search
from .cache import GenerationCache
from .db import write_transaction
from .errors import Conflict, NotFound, OutOfScope, Unavailable, at_position
from .grouped import GroupCommit
from . import external, listjson, prepared, records
from .models import Membership, Organization
from .pages import active_count, kept_count, keyset_page, listed_page, rank_key, ranked_page


# The change counter of organizations updated or deleted (migration m0028).
STORED_ROWS = "organization.rows"
# Answers for the most recently read organizations (about 0.5 KiB each as encoded JSON).
PRESENTED_CACHED = 20_000


class Organizations:
    def __init__(self, store):
        self._store = store
        self._autocomplete_cache = GenerationCache()
        self._presented = GenerationCache(max_entries=PRESENTED_CACHED)
        self._group = GroupCommit(self._create_group, self._create_alone,
                                  audited="organization", storage_fault=_fault_of(store))

    def get(self, org_id, *, org_scope=None, field=None):
        """The organization `org_id`; with `org_scope`, only if it is that organization.

        NotFound names `field` when the id came from a request body.
        """
        org = Organization.first_by("id", org_id)
        if org is None:
            raise NotFound("organization", org_id, field)
        check_org_scope(org_id, org_scope)
        return org

    def presented(self, org_id, present, *, org_scope=None):
        """`present(organization)` for `org_id` — the hot read, kept in memory.

        An answer is served again while no stored organization has been updated or
        deleted since it was made (store/changes.py; a create changes none of them, so
        creates leave the answers kept), so it is never staler than a fresh read; what
        `present` returns is shared between callers and must not be changed.
        """
        found = self._presented.get_or_make((org_id, present),
                                            self._store.changes.current(STORED_ROWS),
                                            lambda: present(self.get(org_id)))
        check_org_scope(org_id, org_scope)
        return found

    def by_external_id(self, external_id, *, org_scope=None):
        """The organization with `external_id` (staging or not), within `org_scope`."""
        org = external.find(Organization, "organization", external_id)
        check_org_scope(org.id, org_scope)
        return org

    def list(self, *, limit, after=None, include_staging=False, is_active=None, search=None,
             external_id=None, org_scope=None, encoded=False):
        """A page of organizations; staging ones only with `include_staging`; with
        `is_active` True or False, only the active or the inactive (soft-deleted) ones; with
        `external_id`, the one that has it (if any).

        A caller confined to `org_scope` sees that one organization at most. With `encoded`,
        a page may come as JSON only (store/pages.py, listed_page).
        """
        if external_id is not None:
            query = Organization.select().where(Organization.external_id == external_id)
            if org_scope is not None:
                query = query.where(Organization.id == org_scope)
            return self._filtered(query, limit, after, include_staging, is_active)
        if search:
            return self._search(search, limit, after, include_staging, is_active, org_scope)
        return self._store.pages.get_or_make(
            ("organizations", limit, after, include_staging, is_active, org_scope, encoded),
            ("organization",),
            lambda: self._page(limit, after, include_staging, is_active, org_scope, encoded))

    @staticmethod
    def _page(limit, after, include_staging, is_active, org_scope, encoded):
        """A page of the list as SQLite has it now (`list` keeps it in memory)."""
        if org_scope is not None:  # one organization at most: counted by its key
            query = Organization.select().where(Organization.id == org_scope)
            return Organizations._filtered(query, limit, after, include_staging, is_active)
        conditions = [] if include_staging else ["t.is_verified = 1"]
        kind = "organization" if include_staging else "organization.verified"
        if is_active is not None:
            conditions.append(f"t.is_active = {int(is_active)}")
            total = active_count(kind, is_active)
        else:
            total = kept_count(kind)
        return listed_page(Organization, limit, after, total, where=" AND ".join(conditions),
                           shape=listjson.ORGANIZATION if encoded else None)

    @staticmethod
    def _filtered(query, limit, after, include_staging, is_active):
        """A page of `query`, a query of one organization at most, under the list's rules."""
        if not include_staging:
            query = query.where(Organization.is_verified == True)  # noqa: E712
        if is_active is not None:
            query = query.where(Organization.is_active == is_active)
        return keyset_page(query, Organization, limit, after)

    def _search(self, text, limit, after, include_staging, is_active, org_scope):
        found = self._find(text, include_staging, org_scope, limit=limit, after=rank_key(after),
                           is_active=is_active)
        return ranked_page(Organization, found)

    def _find(self, text, include_staging, org_scope, count=True, limit=None, after=None,
              is_active=None):
        """Relevance-ordered matches of `text` on name, slug and domain, typos allowed."""
        conditions, params = [], []
        if not include_staging:
            conditions.append("d.is_verified = 1")
        if is_active is not None:
            conditions.append(f"d.is_active = {int(is_active)}")
        if org_scope is not None:
            conditions.append("d.id = ?")
            params.append(org_scope)
        return self._store.text.find("organization", text, where=" AND ".join(conditions),
                                     params=params, count=count, limit=limit, after=after)

    def autocomplete(self, text, *, limit, include_staging=False, org_scope=None):
        """The best `limit` matches for a type-ahead box, each with the character ranges of
        its name, slug and domain that matched.

        Answers are cached until any organization changes (see search.cache): the same
        prefixes come back keystroke after keystroke, user after user.
        """
        key = (tuple(text_search.tokens(text)), limit, include_staging, org_scope)

        def search():
            found = self._find(text, include_staging, org_scope, count=False, limit=limit)
            page = ranked_page(Organization, found)
            return [(org, {field: text_search.spans(getattr(org, field), found.terms)
                           for field in ("name", "slug", "domain")}) for org in page.items]

        return self._autocomplete_cache.get_or_make(
            key, self._store.changes.current("organization"), search)

    def create(self, *, name, slug, domain=None, logo_url=None, metadata=None,
               external_id=None, org_scope=None):
        """A new organization, staging (unverified) until verified.

        A caller confined to one organization cannot create another. Creates that arrive
        together are written by one transaction (store/grouped.py); each is answered once
        its own is durable, refused on its own, and audited as its own caller's.
        """
        if org_scope is not None:
            raise OutOfScope("An organization-scoped API key cannot create organizations")
        return self._group.submit(dict(name=name, slug=slug, domain=domain, logo_url=logo_url,
                                       metadata=metadata, external_id=external_id))

    def _create_alone(self, values):
        """`create` in a transaction of its own (or the caller's, when one is open)."""
        return self.create_many([values])[0]

    def _create_group(self, fields):
        """GroupCommit's writer, in its write transaction: every one of `fields` that
        `create` would not refuse; ("ok", organization) or ("refused", Conflict) for each,
        in order."""
        refused = dict(self.refusals(fields))
        wanted = [values for position, values in enumerate(fields) if position not in refused]
        orgs = iter(self._write_new(wanted) if wanted else ())
        return [("refused", at_position(refused[position], 0)) if position in refused
                else ("ok", next(orgs)) for position in range(len(fields))]

    def create_many(self, fields):
        """New organizations, one per dict of `create`'s fields, in one write transaction:
        the same rows, search terms and events as `create` makes one by one, with one
        statement per table for them all (store/prepared.py).

        The first one `create` would refuse (a slug taken, also by an earlier one of the
        batch) raises its Conflict with `position`, its index in `fields`; nothing is written.
        """
        with write_transaction():
            refused = self.refusals(fields)
            if refused:
                position, refusal = refused[0]
                raise at_position(refusal, position)
            return self._write_new(fields)

    def _write_new(self, fields):
        """Write organizations that nothing refuses, with their search terms and events,
        inside the caller's write transaction; returns them."""
        now = self._store.now()
        orgs = []
        for values in fields:
            orgs.append(Organization(id=self._store.new_uuid(), name=values["name"],
                                     slug=values["slug"], domain=values.get("domain"),
                                     logo_url=values.get("logo_url"),
                                     external_id=values.get("external_id"),
                                     metadata=values.get("metadata") or {},
                                     created_at=now, updated_at=now))
        prepared.insert_all(orgs)
        self._store.text.index_new([text_search.indexed("organization", o) for o in orgs],
                                  keys=[("organization", o.id) for o in orgs])
        self._store.events.emit_many([("organization.created", records.organization(o), [o.id])
                                      for o in orgs])
        return orgs

    def refusals(self, fields):
        """(index, Conflict) for every one of `fields` that create_many would refuse: a slug
        or an external id taken, also by an earlier one of them. All of them, in the order of
        `fields`, for a preview that lists every problem before anything is written;
        create_many stops at the first."""
        taken = prepared.taken(Organization, "slug", [f["slug"] for f in fields])
        found = []
        for position, values in enumerate(fields):
            if values["slug"] in taken:
                found.append((position, _slug_taken(values["slug"])))
            taken.add(values["slug"])
        found += external.refusals(Organization, [f.get("external_id") for f in fields])
        return sorted(found, key=lambda refusal: refusal[0])

    def update(self, org_id, changes, *, org_scope=None):
        """Apply `changes` (model field -> value); fields not named keep their values."""
        with write_transaction():
            org = self.get(org_id, org_scope=org_scope)
            if "slug" in changes and changes["slug"] != org.slug:
                self._check_slug_free(changes["slug"])
            if changes.get("external_id") is not None:
                external.check_free(Organization, [changes["external_id"]], keep=org.external_id)
            before = text_search.indexed("organization", org)
            self._updated(org, changes)
            self._store.text.index_document(before, text_search.indexed("organization", org),
                                            document=("organization", org.id))
            return org

    def set_verified(self, org_id, value=None, *, org_scope=None):
        """Set verification to `value`, or flip it when `value` is None."""
        with write_transaction():
            org = self.get(org_id, org_scope=org_scope)
            verified = (not org.is_verified) if value is None else value
            return self._updated(org, {"is_verified": verified})

    def delete(self, org_id, *, org_scope=None):
        """Delete the organization; memberships, its scoped API keys and its webhook
        subscriptions go with it. Each membership removed emits membership.deleted."""
        with write_transaction():
            org = self.get(org_id, org_scope=org_scope)
            for membership in Membership.select().where(Membership.organization == org.id):
                self._store.events.emit("membership.deleted", records.membership_event(membership),
                                        [org.id])
            self._emit("organization.deleted", org)
            org.delete_instance()  # its keys go with it, and their counter moves (m0009)
            self._store.text.index_document(before=text_search.indexed("organization", org),
                                            document=("organization", org.id))
        return org

    def _updated(self, org, changes):
        if changes:
            org.apply(changes, self._store.now())
            self._emit("organization.updated", org)
        return org

    def _emit(self, event_type, org):
        self._store.events.emit(event_type, records.organization(org), [org.id])

    def _check_slug_free(self, slug):
        if prepared.taken(Organization, "slug", [slug]):
            raise _slug_taken(slug)


def _fault_of(store):
    """A new Unavailable for each ask when `error` means the storage cannot serve now (an
    Unavailable itself: the write lock out of reach), else None: what GroupCommit tells
    every caller of a group that such an error stopped."""
    def fault(error):
        if isinstance(error, Unavailable):
            return Unavailable(error.message, cause=error.cause)
        return store.storage_fault(error)
    return fault


def _slug_taken(slug):
    return Conflict("slug", f"An organization with slug '{slug}' already exists")


def owned_row(model, resource, row_id, org_scope):
    """Row `row_id` of `model`, which belongs to one organization or (None) to none.

    NotFound if there is no such row; OutOfScope when a caller confined to `org_scope` asks
    for a row of another organization, or for a global one.
    """
    row = model.first_by("id", row_id)
    if row is None:
        raise NotFound(resource, row_id)
    if org_scope is not None and row.organization_id != org_scope:
        raise OutOfScope(f"This {resource.replace('_', ' ')} belongs to a different organization")
    return row


def check_org_scope(org_id, org_scope):
    """Raise OutOfScope unless a caller confined to `org_scope` may touch organization `org_id`.

    `org_id` None means "no particular organization", which any caller may ask for.
    """
    if org_scope is not None and org_id is not None and org_id != org_scope:
        raise OutOfScope()
