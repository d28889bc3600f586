"""Groups an organization's identity provider keeps through SCIM (scim/groups.py).

A group is its organization's: a display name unique there, an IdP's external id, and
members who must be members of that organization. Every change is one write transaction
made through the models, with its events (`group.created`, `group.updated`,
`group.deleted`, `group.member_added`, `group.member_removed`), so the audit log records
each with the IdP's key as actor; members joining or leaving a group mapped to a role have
their role recomputed in it (store/group_roles.py).
"""
import peewee as pw

from . import records
from .db import write_transaction
from .errors import Conflict, Invalid, NotFound
from .models import Membership, ScimGroup, ScimGroupMember, User
from .organizations import check_org_scope
from .pages import keyset_page

MAX_MEMBERS = 10000  # members given in one request: bounds a request's work


class Groups:
    def __init__(self, store):
        self._store = store

    def get(self, organization_id, group_id):
        """(the group, its members' users by email): NotFound("group") for another
        organization's."""
        group = ScimGroup.get_or_none(ScimGroup.id == group_id,
                                      ScimGroup.organization == organization_id)
        if group is None:
            raise NotFound("group", group_id)
        return group, _members(group.id)

    def list(self, organization_id):
        """Every group of the organization, oldest first, each as `get` gives it."""
        groups = list(ScimGroup.select().where(ScimGroup.organization == organization_id)
                      .order_by(ScimGroup.created_at, ScimGroup.id))
        members = {}
        for row in (ScimGroupMember.select(ScimGroupMember, User).join(User)
                    .where(ScimGroupMember.group.in_([g.id for g in groups]))
                    .order_by(User.email_key)):
            members.setdefault(row.group_id, []).append(row.user)
        return [(group, members.get(group.id, [])) for group in groups]

    def page(self, organization_id, *, limit, after=None, org_scope=None):
        """A page of the organization's groups, oldest first, each with `member_count`:
        the Golden Record API's view (the members themselves are SCIM's)."""
        check_org_scope(organization_id, org_scope)
        self._store.organizations.get(organization_id)
        found = keyset_page(ScimGroup.select().where(ScimGroup.organization == organization_id),
                            ScimGroup, limit, after)
        counts = member_counts([group.id for group in found.items])
        for group in found.items:
            group.member_count = counts.get(group.id, 0)
        return found

    def create(self, organization_id, *, display_name, external_id=None, member_ids=()):
        with write_transaction():
            _check_name_free(organization_id, display_name)
            _check_members(organization_id, member_ids)
            now = self._store.now()
            group = ScimGroup(id=self._store.new_uuid(), organization=organization_id,
                              display_name=display_name, external_id=external_id,
                              created_at=now, updated_at=now)
            group.save(force_insert=True)
            self._emit("group.created", group)
            self._add(group, list(dict.fromkeys(member_ids)))
            return self.get(organization_id, group.id)

    def replace(self, organization_id, group_id, *, display_name, external_id=None,
                member_ids=()):
        """Set the group's name, external id and members to exactly these."""
        with write_transaction():
            group, members = self.get(organization_id, group_id)
            if display_name != group.display_name:
                _check_name_free(organization_id, display_name)
            _check_members(organization_id, member_ids)
            wanted = list(dict.fromkeys(member_ids))
            current = {user.id for user in members}
            gone = [user for user in members if user.id not in set(wanted)]
            added = [user_id for user_id in wanted if user_id not in current]
            changes = group.differing({"display_name": display_name, "external_id": external_id})
            if changes or gone or added:
                group.apply(changes, self._store.now())  # a new version even if only members
            if changes:
                self._emit("group.updated", group)
            self._remove(group, gone)
            self._add(group, added)
            return self.get(organization_id, group.id)

    def delete(self, organization_id, group_id):
        with write_transaction():
            group, members = self.get(organization_id, group_id)
            self._remove(group, members, recompute=False)
            self._emit("group.deleted", group)
            group.delete_instance()
            if group.role_id is not None:
                self._store.group_roles.recompute(organization_id, [u.id for u in members])

    def _add(self, group, user_ids):
        users = {user.id: user for user in User.all_by("id", user_ids)}
        for user_id in user_ids:
            ScimGroupMember(group=group.id, user=user_id).save(force_insert=True)
            self._emit("group.member_added", group, records.group_member(group, users[user_id]))
        self._recompute(group, user_ids)

    def _remove(self, group, users, recompute=True):
        for user in users:
            ScimGroupMember(group=group.id, user=user.id).delete_instance()
            self._emit("group.member_removed", group, records.group_member(group, user))
        if recompute:
            self._recompute(group, [user.id for user in users])

    def _recompute(self, group, user_ids):
        if group.role_id is not None and user_ids:
            self._store.group_roles.recompute(group.organization_id, user_ids)

    def _emit(self, event_type, group, data=None):
        self._store.events.emit(event_type, data or records.group(group), [group.organization_id])


def member_counts(group_ids):
    """{group id: how many members} for those of `group_ids` that have any."""
    return dict(ScimGroupMember.select(ScimGroupMember.group, pw.fn.count(ScimGroupMember.user))
                .where(ScimGroupMember.group.in_(group_ids))
                .group_by(ScimGroupMember.group).tuples())


def _members(group_id):
    return [row.user for row in ScimGroupMember.select(ScimGroupMember, User).join(User)
            .where(ScimGroupMember.group == group_id).order_by(User.email_key)]


def _check_name_free(organization_id, display_name):
    if ScimGroup.select().where(ScimGroup.organization == organization_id,
                                ScimGroup.display_name == display_name).exists():
        raise Conflict("displayName", f"A group named '{display_name}' already exists",
                       resource="group")


def _check_members(organization_id, member_ids):
    """Every one of `member_ids` a member of the organization (Invalid naming `members`)."""
    if len(member_ids) > MAX_MEMBERS:
        raise Invalid("members", f"at most {MAX_MEMBERS} members at once")
    wanted = set(member_ids)
    found = set()
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        found |= {user_id for (user_id,) in Membership.select(Membership.user).where(
            Membership.organization == organization_id,
            Membership.user.in_(ids[start:start + 500])).tuples()}
    missing = sorted(wanted - found)
    if missing:
        raise Invalid("members", f"'{missing[0]}' is not a member of this organization")
