"""/api/v1/users"""
from goldenrecord.store import records
from goldenrecord.store.rules import NEW_USER, USER_PROFILE

from .external import BY_EXTERNAL_ID, external_id_field, external_id_filter
from .inputs import Body, Bool, Email, Uuid
from .listing import active_field, paging_query, search_field
from .operations import operation
from .resource import Resource

# the WorkOS mapping creates users by the same rules (NEW_USER), external ids aside
CREATE = Body(**NEW_USER.fields, externalId=external_id_field("user"))
UPDATE = Body(email=Email(description="The user's email address, unique",
                          example="jane@acme.com"),
              isActive=Bool(description="False deactivates the user", example=True),
              externalId=external_id_field("user"), **USER_PROFILE)
LIST = paging_query(search=search_field(), organizationId=Uuid(
    description="Only members of this organization"), isActive=active_field("users"),
    externalId=external_id_filter("user"))
BY_ID = {"id": Uuid(description="The user's id")}
_FOUND = ("GR_USER_NOT_FOUND",)


class UsersResource(Resource):
    @operation("List users", name="listUsers", scope="users:read", response="User", query=LIST,
               page=True, description=(
                   "Users, oldest first, a page at a time; with `search`, the best matches "
                   "first. An organization-scoped key sees its organization's members only."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "users", self.store.users.list, records.user, encoded=True)

    @operation("Create a user", name="createUser", scope="users:create", response="User",
               status=201, body=CREATE, errors=("GR_DUPLICATE_EMAIL", "GR_DUPLICATE_EXTERNAL_ID"),
               description=(
                   "The email address must be new (409 `GR_DUPLICATE_EMAIL`, compared without "
                   "case), and `externalId` too (409 `GR_DUPLICATE_EXTERNAL_ID`). Add the user "
                   "to organizations with memberships; an email at a verified domain whose "
                   "`joinPolicy` is `auto` joins its organization at once. Emits "
                   "`user.created` (and `membership.created` for each organization joined)."))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.users.create, records.user)


class UserByExternalIdResource(Resource):
    @operation("Get a user by external id", name="getUserByExternalId", scope="users:read",
               response="User", path=BY_EXTERNAL_ID, errors=_FOUND, description=(
                   "The user another system knows by `externalId` (set on create or update). "
                   "An organization-scoped key finds its organization's members only."))
    def on_get(self, req, resp, external_id):
        self.show(req, resp, external_id, self.store.users.by_external_id, records.user)


class UserResource(Resource):
    @operation("Get a user", name="getUser", scope="users:read", response="User", path=BY_ID,
               errors=_FOUND, description="One user by id.")
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.users.get, records.user)

    @operation("Update a user", name="updateUser", scope="users:update", response="User",
               path=BY_ID, body=UPDATE,
               partial=True, errors=(*_FOUND, "GR_DUPLICATE_EMAIL", "GR_DUPLICATE_EXTERNAL_ID"),
               description="An organization-scoped key may not change `email` or `isActive` of "
                           "a user who also belongs to another organization (403 "
                           "`GR_ORG_SCOPE_VIOLATION` naming the field; sending the value the "
                           "user has is no change). Names and metadata stay writable.")
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.users.update, records.user)

    @operation("Delete a user with their memberships", name="deleteUser", scope="users:delete",
               response="Deleted", path=BY_ID, errors=_FOUND, description=(
                   "Deletes the user and their memberships. Emits `membership.deleted` for "
                   "each, then `user.deleted`."))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.users.delete)
