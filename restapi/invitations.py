"""/api/v1/invitations"""
from goldenrecord.store import invitations, records

from . import schemas
from .inputs import Body, Choice, Email, Integer, OpaqueId, Text, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource
from .responses import created, ok

_EXPIRES = dict(minimum=1, maximum=invitations.MAX_EXPIRY_DAYS,
                default=invitations.DEFAULT_EXPIRY_DAYS,
                description="Days until the token stops working", example=7)
CREATE = Body(email=Email(required=True, description="Who is invited", example="jo@acme.com"),
              organizationId=Uuid(required=True, description="The organization to join",
                                  example=schemas.ORG_ID),
              roleId=OpaqueId(default="role_member", description="The role the invitee gets",
                              example="role_member"),
              expiresInDays=Integer(**_EXPIRES))
RESEND = Body(expiresInDays=Integer(**_EXPIRES))
ACCEPT = Body(token=Text(required=True, max_length=200, description="The invitation's token",
                         example="gr_inv_Xk2…"),
              firstName=Text(max_length=100, nullable=True, example="Jo",
                             description="Given name, for a user created now"),
              lastName=Text(max_length=100, nullable=True, example="Bloggs",
                            description="Family name, for a user created now"))
LIST = paging_query(organizationId=Uuid(description="Only this organization's invitations"),
                    email=Email(description="Only invitations of this address (any case)"),
                    state=Choice(*invitations.STATES, description="Only invitations in this state"))
BY_ID = {"id": OpaqueId(description="The invitation's id")}
_FOUND = ("GR_NOT_FOUND",)
_FINAL = ("GR_NOT_FOUND", "GR_INVITATION_NOT_PENDING")
_TOKEN_ONCE = ("The answer and the `{event}` event carry the token, shown this once (only "
               "its hash is kept), and `acceptUrl`, made from "
               "`invitations.accept_url_template`: Golden Record sends no email, the host "
               "application does.")


class _Invitations(Resource):
    def __init__(self, store, cursors, accept_url_template=""):
        super().__init__(store, cursors)
        self.accept_url_template = accept_url_template

    def answer_with_token(self, req, resp, invitation, token, respond=ok):
        data = {**records.invitation(invitation, self.store.now()), "token": token,
                "acceptUrl": invitations.accept_url(self.accept_url_template, token)}
        respond(req, resp, data)


class InvitationsResource(_Invitations):
    @operation("List invitations", name="listInvitations", scope="invitations:read",
               response="Invitation", query=LIST, page=True, description=(
                   "Invitations without their tokens, oldest first, a page at a time. A "
                   "pending invitation past its expiry is listed as `expired`. An "
                   "organization-scoped key sees its organization's only."))
    def on_get(self, req, resp):
        now = self.store.now()
        self.list_page(req, resp, "invitations", self.store.invitations.list,
                       lambda invitation: records.invitation(invitation, now))

    @operation("Invite someone to an organization", name="createInvitation",
               scope="invitations:write", response=schemas.CREATED_INVITATION, status=201,
               body=CREATE, errors=("GR_ORG_NOT_FOUND", "GR_NOT_FOUND",
                                    "GR_DUPLICATE_MEMBERSHIP"),
               description="A pending invitation of `email` to the organization with "
                           "`roleId`. " + _TOKEN_ONCE.format(event="invitation.created")
                           + " 409 `GR_DUPLICATE_MEMBERSHIP` when the address's user is a "
                           "member already. An organization-scoped key invites to its own "
                           "organization only.")
    def on_post(self, req, resp):
        invitation, token = self.store.invitations.create(
            org_scope=req.context.caller.org_scope,
            accept_url_template=self.accept_url_template, **req.context.input)
        self.answer_with_token(req, resp, invitation, token, respond=created)


class InvitationResource(_Invitations):
    @operation("Get an invitation", name="getInvitation", scope="invitations:read",
               response="Invitation", path=BY_ID, errors=_FOUND,
               description="One invitation by id, without its token.")
    def on_get(self, req, resp, id):
        invitation = self.store.invitations.get(id, org_scope=req.context.caller.org_scope)
        ok(req, resp, records.invitation(invitation, self.store.now()))

    @operation("Revoke an invitation", name="revokeInvitation", scope="invitations:write",
               response="Invitation", path=BY_ID, errors=_FINAL, description=(
                   "Its token stops working for good. An accepted or revoked invitation "
                   "cannot be revoked (409 `GR_INVITATION_NOT_PENDING`). Emits "
                   "`invitation.revoked`."))
    def on_post_revoke(self, req, resp, id):
        invitation = self.store.invitations.revoke(id, org_scope=req.context.caller.org_scope)
        ok(req, resp, records.invitation(invitation, self.store.now()))

    @operation("Resend an invitation with a new token", name="resendInvitation",
               scope="invitations:write", response=schemas.CREATED_INVITATION, path=BY_ID,
               body=RESEND, body_optional=True, errors=_FINAL,
               description="A new token for a pending or expired invitation, valid "
                           "`expiresInDays` from now; the old token stops working. "
                           + _TOKEN_ONCE.format(event="invitation.resent")
                           + " 409 `GR_INVITATION_NOT_PENDING` once accepted or revoked.")
    def on_post_resend(self, req, resp, id):
        invitation, token = self.store.invitations.resend(
            id, org_scope=req.context.caller.org_scope,
            accept_url_template=self.accept_url_template, **req.context.input)
        self.answer_with_token(req, resp, invitation, token)


class InvitationAcceptResource(Resource):
    @operation("Accept an invitation", name="acceptInvitation", scope="invitations:write",
               response="Membership", status=201, body=ACCEPT,
               errors=("GR_NOT_FOUND", "GR_INVITATION_NOT_PENDING", "GR_INVITATION_EXPIRED",
                       "GR_DUPLICATE_MEMBERSHIP"),
               description=(
                   "Called by the host application, with its API key, once its user has "
                   "followed the invitation's link: the token is the invitee's consent, the "
                   "key the application's. Answers the new membership with the invitation's "
                   "role, creating the user (with `firstName`, `lastName`) when the email is "
                   "new; a user who belongs to other organizations joins this one too, which "
                   "is how an organization-scoped key takes in a user from elsewhere. An "
                   "organization-scoped key accepts its organization's invitations only (403 "
                   "`GR_ORG_SCOPE_VIOLATION`). Unknown token: 404 `GR_NOT_FOUND`; expired: "
                   "410 `GR_INVITATION_EXPIRED`; revoked or used: 409 "
                   "`GR_INVITATION_NOT_PENDING`. Emits `invitation.accepted`, "
                   "`membership.created` and, for a new user, `user.created`."))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.invitations.accept, records.membership)
