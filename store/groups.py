"""Groups an organization's identity provider keeps through SCIM (scim/groups.py).

A group is its organization's: a display name unique there, an IdP's external id, and
members who must be members of that organization. Every change is one write transaction
made through the models, so the audit log records each row (scim_group.created,
scim_group_member.created, ...) with the IdP's key as actor.
"""
from .db import write_transaction
from .errors import Conflict, Invalid, NotFound
from .models import Membership, ScimGroup, ScimGroupMember, User

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

    def create(self, organization_id, *, display_name, external_id=None, member_ids=()):
        with write_transaction():
            _check_name_free(organization_id, display_name)
            _check_members(organization_id, member_ids)
            now = self._store.now()
            group = ScimGroup(id=self._store.new_uuid(), organization=organization_id,
                              display_name=display_name, external_id=external_id,
                              created_at=now, updated_at=now)
            group.save(force_insert=True)
            for user_id in dict.fromkeys(member_ids):
                ScimGroupMember(group=group.id, user=user_id).save(force_insert=True)
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
            gone = current - set(wanted)
            for row in ScimGroupMember.select().where(ScimGroupMember.group == group.id,
                                                      ScimGroupMember.user.in_(list(gone))):
                row.delete_instance()
            for user_id in wanted:
                if user_id not in current:
                    ScimGroupMember(group=group.id, user=user_id).save(force_insert=True)
            changes = group.differing({"display_name": display_name, "external_id": external_id})
            if changes or gone or set(wanted) - current:
                group.apply(changes, self._store.now())  # a new version even if only members
            return self.get(organization_id, group.id)

    def delete(self, organization_id, group_id):
        with write_transaction():
            group, _ = self.get(organization_id, group_id)
            for row in ScimGroupMember.select().where(ScimGroupMember.group == group.id):
                row.delete_instance()
            group.delete_instance()


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
