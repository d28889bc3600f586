"""A DNS server on loopback (dnslib), so domain verification never leaves the machine.

It answers TXT questions from `records` (name -> values); names in `failing` get SERVFAIL,
anything else NXDOMAIN. `shared()` is one per test process, the resolver every instance
made by tests/apps.py and tests/process.py is configured with (`domains.resolver`).
"""
import socket
import threading

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import DNSLogger, DNSServer


class LoopbackDns:
    def __init__(self):
        self.records = {}
        self.failing = set()
        self.questions = []
        self._server = DNSServer(self, address="127.0.0.1", port=0,
                                 logger=DNSLogger(log="-request,-reply,-truncated,-error,"
                                                      "-recv,-send,-data", logf=lambda _: None))
        self._server.start_thread()

    @property
    def address(self):
        host, port = self._server.server.server_address
        return f"{host}:{port}"

    def publish(self, name, *values):
        self.records[name.rstrip(".").lower()] = list(values)

    def resolve(self, request, handler):
        """dnslib's resolver interface: the reply to `request`."""
        name = str(request.q.qname).rstrip(".").lower()
        self.questions.append(name)
        reply = request.reply()
        if name in self.failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in self.records[name]:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply

    def close(self):
        self._server.stop()
        self._server.server.server_close()


class SilentResolver:
    """A UDP socket on loopback that reads questions and never answers: a resolver that
    times out."""

    def __init__(self):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))

    @property
    def address(self):
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def close(self):
        self._socket.close()


_shared = None
_lock = threading.Lock()


def shared():
    """The test process's LoopbackDns, started on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = LoopbackDns()
        return _shared
