"""Where webhooks may be sent: a guard against server-side request forgery.

A URL is checked when a subscription is saved and again before every attempt (DNS can
change in between). Loopback, private, shared and reserved ranges are refused unless
`allow_private_targets` is on (sandboxes, tests, on-premises receivers); link-local
addresses — where cloud metadata services live — are refused always. IPv6 addresses that
carry an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are judged by that address too.
"""
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why."""


# Refused even with allow_private_targets, each with what it is: cloud metadata and
# link-local services, and the unspecified addresses, which reach this very host.
ALWAYS_REFUSED = [(ipaddress.ip_network(network), kind) for network, kind in (
    ("169.254.0.0/16", "a link-local address (cloud metadata services answer there)"),
    ("fe80::/10", "a link-local address"),
    ("fd00:ec2::/32", "a cloud metadata address"),
    ("100.100.100.200/32", "a cloud metadata address"),
    ("0.0.0.0/8", "an unspecified address (a connection to it reaches this host)"),
    ("::/128", "an unspecified address (a connection to it reaches this host)"),
)]


# NAT64's well-known prefix (RFC 6052): the translator sends the packets on to the IPv4
# address in the last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _translated(ip):
    """The IPv4 address that an IPv4-mapped (::ffff:a.b.c.d) or NAT64 address stands for,
    else None. Packets to it reach that IPv4 address, so that address alone is judged (a
    DNS64 resolver gives every IPv4-only host such an address)."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def _tunnel_ends(ip):
    """The IPv4 addresses a 6to4 (2002::/16) or Teredo (2001::/32) address carries: the
    6to4 gateway; Teredo's server and its client (stored inverted). Packets travel to
    them, so a tunnel to a private or loopback address is refused like that address."""
    if ip.version == 4:
        return ()
    return tuple(end for end in (ip.sixtofour, *(ip.teredo or ())) if end is not None)


def _refusal(ip, allow_private):
    """Why `ip` may not receive webhooks, as words that follow "The URL resolves to" and
    make a sentence ("127.0.0.1, which is a loopback or private address ..."), or None."""
    translated = _translated(ip)
    if translated is not None:
        return _refusal(translated, allow_private)
    for end in _tunnel_ends(ip):
        reason = _refusal(end, allow_private)
        if reason:
            return f"{ip}, a tunnel to {reason}"
    for network, kind in ALWAYS_REFUSED:
        if ip in network:
            return f"{ip}, which is {kind}"
    if ip.is_multicast:
        return f"{ip}, which is a multicast address"
    if not allow_private and (ip.is_private or ip.is_loopback or ip.is_reserved
                              or ip.is_unspecified or not ip.is_global):
        return (f"{ip}, which is a loopback or private address "
                "(see webhooks.allow_private_targets)")
    return None


def check_target(url, *, allow_private, resolve=socket.getaddrinfo):
    """Raise UnsafeTarget unless `url` is http(s) and every address it resolves to is allowed."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "https://[::1": an unclosed IPv6 bracket
        raise UnsafeTarget("The URL is not valid")
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
