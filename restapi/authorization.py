"""/api/v1/authorization/check and /api/v1/users/:id/permissions: may this member do this?"""
from goldenrecord.store.permissions import SLUG as PERMISSION_SLUG

from . import schemas
from .inputs import Body, Query, Text, Uuid
from .operations import operation
from .resource import Resource
from .responses import Encoded, encoded, ok

_USER = dict(description="The user asked about", example=schemas.USER_ID)
_ORG = dict(description="The organization they would act in", example=schemas.ORG_ID)
CHECK = Body(userId=Uuid(required=True, **_USER), organizationId=Uuid(required=True, **_ORG),
             permission=Text(required=True, max_length=200, pattern=PERMISSION_SLUG,
                             pattern_hint="A permission slug such as users:read",
                             readable="a permission's slug, `resource:action`",
                             description="What they would do", example="users:read"))
EFFECTIVE = Query(organizationId=Uuid(required=True, **_ORG))
BY_ID = {"id": Uuid(description="The user's id")}
_FOUND = ("GR_USER_NOT_FOUND", "GR_ORG_NOT_FOUND", "GR_NOT_FOUND")
_RULE = ("True only when the user, the organization and the membership are all active and "
         "the membership's role grants the permission; owning the organization adds nothing "
         "to its role. An organization-scoped key asks about its organization only.")
_DENIED = Encoded(b'{"authorized": false, "role": null}')


class CheckResource(Resource):
    @operation("Check a permission", name="checkAuthorization", scope="authorization:check",
               response=schemas.CHECK, body=CHECK, errors=_FOUND, description=(
                   "Whether the user may do `permission` in the organization, and the role "
                   "their membership holds (`null`: not a member). " + _RULE + " An unknown "
                   "user, organization or permission is 404 with its code. Answered from "
                   "memory while no user, organization, membership, role or permission has "
                   "changed."))
    def on_post(self, req, resp):
        fields = req.context.input
        authorized, role = self.store.authorization.check(
            fields["user_id"], fields["organization_id"], fields["permission"],
            org_scope=req.context.caller.org_scope)
        ok(req, resp, _answer(authorized, role))


class EffectivePermissionsResource(Resource):
    @operation("List a member's permissions", name="listUserPermissions",
               scope="authorization:check", response=schemas.EFFECTIVE, path=BY_ID,
               query=EFFECTIVE, errors=_FOUND, description=(
                   "The slugs of the permissions the check would answer true for, oldest "
                   "first (empty when it would answer false to all). " + _RULE))
    def on_get(self, req, resp, id):
        ok(req, resp, list(self.store.authorization.effective(
            id, req.context.input["organization_id"], org_scope=req.context.caller.org_scope)))


def _answer(authorized, role):
    """The check's answer, encoded once per role and outcome while the role stands."""
    if role is None:
        return _DENIED
    answer = role.memo.get(authorized)
    if answer is None:
        answer = role.memo[authorized] = encoded({
            "authorized": authorized, "role": {"id": role.id, "name": role.name, "slug": role.slug}})
    return answer
