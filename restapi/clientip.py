"""Which address a request came from, believing X-Forwarded-For only from trusted proxies."""
import ipaddress


class ClientAddress:
    def __init__(self, trusted_proxies):
        self._trusted = [ipaddress.ip_network(cidr, strict=False) for cidr in trusted_proxies]

    def _is_trusted(self, address):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def of(self, req):
        """The socket peer; behind trusted proxies, the nearest untrusted forwarded hop.

        X-Forwarded-For is read right to left because each proxy appends the address it
        saw: only the entries our own proxies added can be believed.
        """
        peer = req.remote_addr or ""
        if not self._trusted or not self._is_trusted(peer):
            return peer
        hops = [hop.strip() for hop in (req.get_header("X-Forwarded-For") or "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self._is_trusted(hop):
                return hop
        return peer

    def is_https(self, req):
        """Whether the client reached us over https: the request's own scheme, or, from a
        trusted proxy only, the X-Forwarded-Proto that proxy set (its last entry)."""
        if req.scheme == "https":
            return True
        if not self._is_trusted(req.remote_addr or ""):
            return False
        proto = (req.get_header("X-Forwarded-Proto") or "").split(",")[-1].strip().lower()
        return proto == "https"
