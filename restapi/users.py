"""/api/v1/users"""
from goldenrecord.store import records
from goldenrecord.store.rules import NEW_USER, USER_PROFILE

from .inputs import Body, Bool, Email, Text, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource

CREATE = NEW_USER  # the WorkOS mapping creates users by the same rules
UPDATE = Body(email=Email(), isActive=Bool(), **USER_PROFILE)
LIST = paging_query(search=Text(min_length=0), organizationId=Uuid())
BY_ID = {"id": Uuid()}
_FOUND = ("GR_USER_NOT_FOUND",)


class UsersResource(Resource):
    @operation("List users", scope="users:read", response="User", query=LIST, page=True)
    def on_get(self, req, resp):
        self.list_page(req, resp, "users", self.store.users.list, records.user)

    @operation("Create a user", scope="users:create", response="User", status=201, body=CREATE,
               errors=("GR_DUPLICATE_EMAIL",))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.users.create, records.user)


class UserResource(Resource):
    @operation("Get a user", scope="users:read", response="User", path=BY_ID, errors=_FOUND)
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.users.get, records.user)

    @operation("Update a user", scope="users:update", response="User", path=BY_ID, body=UPDATE,
               partial=True, errors=(*_FOUND, "GR_DUPLICATE_EMAIL"),
               description="An organization-scoped key may not change `email` or `isActive` of "
                           "a user who also belongs to another organization (403 "
                           "`GR_ORG_SCOPE_VIOLATION` naming the field; sending the value the "
                           "user has is no change). Names and metadata stay writable.")
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.users.update, records.user)

    @operation("Delete a user with their memberships", scope="users:delete", response="Deleted",
               path=BY_ID, errors=_FOUND)
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.users.delete)
