"""waitress's connection, without its main loop spinning while a request's thread sends.

waitress lets a request's own thread send the answer (`send_bytes` = 1): the header, then
the body, each sent at once under the connection's output lock. While a thread is inside
that send, the bytes are counted as pending, so the main loop sees the connection as
writable, finds the lock taken, leaves it — and polls again at once. Under load (the GIL
shared with busy request threads) a thread takes a few milliseconds to come back from its
send, and the loop spun some fifty times a request, each time asking every connection
whether it is readable and writable: most of the server's Python in a write benchmark
(docs/performance.md, "Writes (issue 17)").

Here a connection whose request is still being served, with less than `QUIET_BELOW`
bytes pending, is not polled for writing: its thread sends them itself, and pulls the
loop's trigger when the request ends, when the loop sends whatever is left. A large
answer still drains through the loop as it is written (a slow client, a long export).
"""
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer

QUIET_BELOW = 64 * 1024


class QuietChannel(HTTPChannel):
    def writable(self):
        if (self.requests and self.total_outbufs_len < QUIET_BELOW
                and not (self.will_close or self.close_when_flushed)):
            return False
        return super().writable()


def quieten(server):
    """Make the listening sockets of `server` (what waitress.create_server returned: one
    server, or several for a host with several addresses) accept QuietChannels."""
    listeners = [server, *getattr(server, "map", {}).values()]
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = QuietChannel
    return server
