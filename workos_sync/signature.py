"""WorkOS's webhook signature: `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256>`.

The signed string is `<t>.<raw body>`, keyed with the endpoint's secret — the scheme of
WorkOS's Python, Node and Ruby SDKs. Those SDKs disagree on the separator (Python needs
`", "`, the others split on `,`): we emit `", "` and accept either.
"""
import hashlib
import hmac

# WorkOS's SDKs (workos-python, workos-node, workos-ruby) accept 180 s either way by default.
TOLERANCE_SECONDS = 180


class InvalidSignature(Exception):
    """Why a webhook's signature was refused, in words safe to send back."""


def compute(secret, timestamp_ms, body):
    signed = str(timestamp_ms).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secret, timestamp_ms, body):
    """The header WorkOS would send for `body` at `timestamp_ms` (tests, and the fake WorkOS)."""
    return f"t={timestamp_ms}, v1={compute(secret, timestamp_ms, body)}"


def parse(value):
    """(timestamp text, signatures) from the header; InvalidSignature if missing or malformed."""
    if not value:
        raise InvalidSignature("The WorkOS-Signature header is missing")
    timestamp, signatures = None, []
    for part in value.split(","):
        name, sep, item = part.strip().partition("=")
        if not sep or not item:
            raise InvalidSignature("The WorkOS-Signature header is malformed")
        if name == "t":
            timestamp = item
        elif name == "v1":
            signatures.append(item)
    if (timestamp is None or not (timestamp.isascii() and timestamp.isdigit())
            or len(timestamp) > 16 or not signatures):
        raise InvalidSignature("The WorkOS-Signature header needs t=<timestamp> and v1=<signature>")
    return timestamp, signatures


def verify(value, body, secret, now_seconds, tolerance=TOLERANCE_SECONDS):
    """Accept `body` only if `value` signs it with `secret` within `tolerance` of now.

    The timestamp is checked both ways (too old, or too far in the future), as WorkOS's
    Python and Ruby SDKs do; the signature is compared in constant time.
    """
    timestamp, signatures = parse(value)
    if abs(now_seconds - int(timestamp) / 1000) > tolerance:
        raise InvalidSignature(
            f"The WorkOS-Signature timestamp is more than {tolerance} seconds from now")
    # The timestamp exactly as sent, since that is what WorkOS signed.
    expected = compute(secret, timestamp, body)
    matched = False
    for signature in signatures:
        matched |= hmac.compare_digest(expected.encode(), signature.encode())
    if not matched:
        raise InvalidSignature("The WorkOS-Signature does not match the body")
