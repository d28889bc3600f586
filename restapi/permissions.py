"""/api/v1/permissions"""
from goldenrecord.store import records
from goldenrecord.store.permissions import SLUG

from .inputs import Body, OpaqueId, Text
from .listing import paging_query
from .operations import operation
from .resource import Resource

LIST = paging_query()
BY_ID = {"id": OpaqueId(description="The permission's id")}
_NAME = dict(max_length=100, description="A readable name", example="Export Reports")
_DESCRIPTION = dict(max_length=500, min_length=0, nullable=True,
                    description="What the permission allows", example="Download any report as CSV")
CREATE = Body(
    slug=Text(required=True, max_length=100, pattern=SLUG,
              pattern_hint="resource:action, such as reports:export",
              readable="`resource:action`, each part lowercase letters, digits, `_` and `-` "
                       "(`reports:export`)",
              description="What roles and checks name it by; `resource` and `action` are its "
                          "two parts", example="reports:export"),
    name=Text(required=True, **_NAME), description=Text(**_DESCRIPTION))
UPDATE = Body(name=Text(**_NAME), description=Text(**_DESCRIPTION))
_BUILT_IN = ("The reference's eight permissions (`perm_01` … `perm_08`) are built in: 403 "
             "`GR_FORBIDDEN`. Permissions belong to the whole environment, so an "
             "organization-scoped key cannot change them (403 `GR_ORG_SCOPE_VIOLATION`).")


class PermissionsResource(Resource):
    @operation("List permissions", name="listPermissions", scope="permissions:read",
               response="Permission", query=LIST, page=True, description=(
                   "Every permission, `resource:action`, that roles are made of: the built-in "
                   "ones first, then the environment's own, a page at a time."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "permissions", self.store.permissions.list, records.permission)

    @operation("Create a permission", name="createPermission", scope="permissions:write",
               response="Permission", status=201, body=CREATE, every_organization=True,
               errors=("GR_DUPLICATE_PERMISSION",), description=(
                   "A new permission for roles to grant; its slug is unique (409 "
                   "`GR_DUPLICATE_PERMISSION`). Emits `permission.created`."))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.permissions.create, records.permission)


class PermissionResource(Resource):
    @operation("Get a permission", name="getPermission", scope="permissions:read",
               response="Permission", path=BY_ID, errors=("GR_NOT_FOUND",),
               description="One permission by id.")
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.permissions.get, records.permission)

    @operation("Rename or describe a permission", name="updatePermission",
               scope="permissions:write", response="Permission", path=BY_ID, body=UPDATE,
               partial=True, every_organization=True, errors=("GR_NOT_FOUND",), description=(
                   "Changes `name` and `description`; the slug stays. " + _BUILT_IN
                   + " Emits `permission.updated`."))
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.permissions.update, records.permission)

    @operation("Delete a permission", name="deletePermission", scope="permissions:write",
               response="Deleted", path=BY_ID, every_organization=True,
               errors=("GR_NOT_FOUND",), description=(
                   "Deletes it and takes it from every role that granted it. " + _BUILT_IN
                   + " Emits `permission.deleted`."))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.permissions.delete)
