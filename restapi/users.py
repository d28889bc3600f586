"""/api/v1/users"""
import falcon

from goldenrecord.store import records

from .access import require_scope
from .inputs import Body, Bool, Email, Metadata, Text, Url, Uuid
from .listing import paging_query
from .resource import Resource, uuid_param

_PROFILE = dict(
    firstName=Text(max_length=100, nullable=True),
    lastName=Text(max_length=100, nullable=True),
    avatarUrl=Url(nullable=True),
    metadata=Metadata(),
)
CREATE = Body(email=Email(required=True), **_PROFILE)
UPDATE = Body(email=Email(), isActive=Bool(), **_PROFILE)
LIST = paging_query(search=Text(min_length=0), organizationId=Uuid())


class UsersResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "users", LIST, self.store.users.list, records.user)

    @falcon.before(require_scope("users:create"))
    def on_post(self, req, resp):
        self.create(req, resp, CREATE, self.store.users.create, records.user)


class UserResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp, id):
        self.show(req, resp, uuid_param(id), self.store.users.get, records.user)

    @falcon.before(require_scope("users:update"))
    def on_put(self, req, resp, id):
        self.update(req, resp, uuid_param(id), UPDATE, self.store.users.update, records.user)

    @falcon.before(require_scope("users:delete"))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, uuid_param(id), self.store.users.delete)
