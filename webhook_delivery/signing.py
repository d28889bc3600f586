"""The headers that let a receiver trust a delivery.

Two schemes from one `whsec_` secret:
- the spec's: `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`,
  keyed with the whole secret string (what the spec's verify_webhook snippets do);
- Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
  keyed with the base64-decoded part after `whsec_` (what its libraries do).
"""
import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def _spec_signature(secret, timestamp, body):
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _standard_signature(secret, message_id, timestamp, body):
    key = base64.b64decode(secret[len(SECRET_PREFIX):])
    message = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def signature_headers(secret, *, event_id, event_type, timestamp, body, previous=None):
    """Every header a delivery carries besides Content-Type; `body` is the exact bytes sent.

    `previous`, during a rotated secret's grace period, is the secret it replaced: the
    Standard Webhooks header then carries both signatures, space-separated (its
    specification's way through a rotation: a verifier accepts any one it can check), and
    the spec's one-signature header is joined by `X-Webhook-Signature-Previous`."""
    headers = {
        "X-Webhook-Id": event_id,
        "X-Webhook-Event": event_type,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": _spec_signature(secret, timestamp, body),
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": _standard_signature(secret, event_id, timestamp, body),
    }
    if previous is not None:
        headers["X-Webhook-Signature-Previous"] = _spec_signature(previous, timestamp, body)
        headers["webhook-signature"] += " " + _standard_signature(previous, event_id,
                                                                    timestamp, body)
    return headers
