"""Where webhooks may be sent: a guard against server-side request forgery.

A URL is checked when a subscription is saved and again before every attempt (DNS can
change in between). Loopback, private, shared and reserved ranges are refused unless
`allow_private_targets` is on (sandboxes, tests, on-premises receivers); link-local
addresses — where cloud metadata services live — are refused always.
"""
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why."""


# Refused even with allow_private_targets: cloud metadata and link-local services.
ALWAYS_REFUSED = [ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10", "fd00:ec2::/32", "100.100.100.200/32", "0.0.0.0/8", "::/128",
)]


def _refusal(ip, allow_private):
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in network for network in ALWAYS_REFUSED):
        return f"{ip} is a link-local or metadata address"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if not allow_private and (ip.is_private or ip.is_loopback or ip.is_reserved
                              or ip.is_unspecified or not ip.is_global):
        return f"{ip} is a loopback or private address (see webhooks.allow_private_targets)"
    return None


def check_target(url, *, allow_private, resolve=socket.getaddrinfo):
    """Raise UnsafeTarget unless `url` is http(s) and every address it resolves to is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("The URL must be an absolute http or https URL")
    if parts.username or parts.password:
        raise UnsafeTarget("The URL must not contain credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("The URL has an invalid port")
    try:
        addresses = {info[4][0] for info in resolve(parts.hostname, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(f"The host {parts.hostname!r} does not resolve")
    for address in addresses:
        reason = _refusal(ipaddress.ip_address(address.split("%")[0]), allow_private)
        if reason:
            raise UnsafeTarget(f"The URL resolves to {reason}")
