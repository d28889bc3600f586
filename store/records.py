"""Rows as the API shows them (camelCase, ISO 8601 UTC with Z).

Kept in the store rather than the HTTP layer because webhook events, recorded in the
same transaction as the change, carry the same representations.
"""


def timestamp(value):
    """ISO 8601 in UTC to the second, with Z (values are aware UTC datetimes)."""
    return None if value is None else value.isoformat(timespec="seconds")[:19] + "Z"


def organization(org):
    return {
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "domain": org.domain,
        "logoUrl": org.logo_url,
        "workosOrgId": org.workos_org_id,
        "isVerified": org.is_verified,
        "isActive": org.is_active,
        "metadata": org.metadata,
        "externalId": org.external_id,
        "createdAt": timestamp(org.created_at),
        "updatedAt": timestamp(org.updated_at),
    }


def user(u):
    return {
        "id": u.id,
        "email": u.email,
        "firstName": u.first_name,
        "lastName": u.last_name,
        "avatarUrl": u.avatar_url,
        "workosUserId": u.workos_user_id,
        "isActive": u.is_active,
        "metadata": u.metadata,
        "externalId": u.external_id,
        "createdAt": timestamp(u.created_at),
        "updatedAt": timestamp(u.updated_at),
    }


def membership(m):
    """A membership with the user, organization and role it links, as the spec lists them."""
    return {
        **membership_event(m),
        "user": {
            "id": m.user.id,
            "email": m.user.email,
            "firstName": m.user.first_name,
            "lastName": m.user.last_name,
        },
        "organization": {
            "id": m.organization.id,
            "name": m.organization.name,
            "slug": m.organization.slug,
        },
        "role": {"id": m.role.id, "name": m.role.name, "slug": m.role.slug},
    }


def membership_event(m):
    """A membership as webhook events carry it: the link itself, without the expansions."""
    return {
        "id": m.id,
        "organizationId": m.organization_id,
        "userId": m.user_id,
        "roleId": m.role_id,
        "roleSource": m.role_source,
        "isOwner": m.is_owner,
        "status": m.status,
        "createdAt": timestamp(m.created_at),
        "updatedAt": timestamp(m.updated_at),
    }


def invitation(i, now):
    """An invitation without its token (shown only when created or resent); a pending one
    past its expiry shows as `expired` whether or not that has been recorded yet."""
    return {
        "id": i.id,
        "organizationId": i.organization_id,
        "email": i.email,
        "roleId": i.role_id,
        "state": invitation_state(i, now),
        "expiresAt": timestamp(i.expires_at),
        "acceptedUserId": i.accepted_user_id,
        "createdAt": timestamp(i.created_at),
        "updatedAt": timestamp(i.updated_at),
    }


def invitation_state(i, now):
    return "expired" if i.state == "pending" and i.expires_at <= now else i.state


VERIFICATION_LABEL = "_goldenrecord-verification"
VERIFICATION_PREFIX = "goldenrecord-verification="


def verification_record(domain, token):
    """The DNS TXT record that proves control of `domain`: its name and its value."""
    return {"type": "TXT", "name": f"{VERIFICATION_LABEL}.{domain}",
            "value": f"{VERIFICATION_PREFIX}{token}"}


def domain(d):
    return {
        "id": d.id,
        "organizationId": d.organization_id,
        "domain": d.domain,
        "state": d.state,
        "verificationRecord": verification_record(d.domain, d.verification_token),
        "failureReason": d.failure_reason,
        "joinPolicy": d.join_policy,
        "roleId": d.role_id,
        "verifiedAt": timestamp(d.verified_at),
        "createdAt": timestamp(d.created_at),
        "updatedAt": timestamp(d.updated_at),
    }


def webhook(w):
    """A subscription without its secret (shown only when it is created)."""
    return {
        "id": w.id,
        "name": w.name,
        "url": w.url,
        "events": w.events,
        "isActive": w.is_active,
        "disabledReason": w.disabled_reason,
        "previousSecretExpiresAt": timestamp(w.previous_secret_expires_at),
        "organizationId": w.organization_id,
        "metadata": w.metadata,
        "createdAt": timestamp(w.created_at),
        "updatedAt": timestamp(w.updated_at),
    }


def delivery(d):
    return {
        "id": d.id,
        "webhookId": d.webhook_id,
        "eventId": d.event_id,
        "event": d.event.type,
        "status": d.status,
        "attempts": d.attempts,
        "responseCode": d.response_code,
        "durationMs": d.duration_ms,
        "error": d.error,
        "nextAttemptAt": timestamp(d.next_attempt_at) if d.status == "pending" else None,
        "deliveredAt": timestamp(d.delivered_at),
        "createdAt": timestamp(d.created_at),
        "updatedAt": timestamp(d.updated_at),
    }


def permission(p):
    return {
        "id": p.id,
        "name": p.name,
        "slug": p.slug,
        "resource": p.resource,
        "action": p.action,
        "description": p.description,
        "isSystem": p.is_system,
    }


def role(r):
    """A role with its permissions (`r.granted`, loaded by store/roles.py's with_grants)."""
    return {
        "id": r.id,
        "name": r.name,
        "slug": r.slug,
        "description": r.description,
        "isSystem": r.is_system,
        "permissions": [permission(p) for p in r.granted],
        "organizationId": r.organization_id,
        "priority": r.priority,
        "createdAt": timestamp(r.created_at),
    }


def group(g, member_count=None):
    """A SCIM group as the API and its events show it: without its members (up to 10,000),
    counted when the caller counted them."""
    shown = {
        "id": g.id,
        "organizationId": g.organization_id,
        "displayName": g.display_name,
        "externalId": g.external_id,
        "roleId": g.role_id,
        "createdAt": timestamp(g.created_at),
        "updatedAt": timestamp(g.updated_at),
    }
    if member_count is not None:
        shown["memberCount"] = member_count
    return shown


def group_member(g, user):
    """A member joining or leaving a group, as group.member_added/removed carry it."""
    return {"group": group(g), "user": {"id": user.id, "email": user.email}}


def api_key(k, now):
    """Key metadata only: the plaintext is never stored, only its hash."""
    return {
        "id": k.id,
        "name": k.name,
        "keyPrefix": k.key_prefix,
        "organizationId": k.organization_id,
        "scopes": k.scopes,
        "tier": k.tier,
        "allowedIps": k.allowed_ips,
        "expiresAt": timestamp(k.expires_at),
        "lastUsedAt": timestamp(k.last_used_at),
        "isActive": k.is_usable(now),
        "createdAt": timestamp(k.created_at),
    }
