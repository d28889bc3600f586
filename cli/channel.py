"""waitress's connection, without its main loop spinning while a request's thread sends,
and with a small answer's header and body sent together.

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

waitress also sends the header and the body of an answer by two sends: two system calls,
two TCP segments, and two let-goes of the GIL, each of which on a loaded server hands it
to another thread and waits to get it back. `OneSendTask` hands the channel an answer of
up to ONE_SEND_BELOW bytes, header and body, as one piece, sent by one call.
"""
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import WSGITask

QUIET_BELOW = 64 * 1024
# The largest body joined to its header (a copy of it): larger ones are sent as waitress
# sends them, where one more send call is small beside the body's own.
ONE_SEND_BELOW = 64 * 1024


class OneSendTask(WSGITask):
    """waitress's WSGI task, whose first write, if it holds a whole small body, goes out
    with the header in one piece; anything else is written as waitress writes it."""

    def write(self, data):
        if (self.wrote_header or not self.complete or not isinstance(data, bytes) or not data
                or len(data) > ONE_SEND_BELOW):  # (a file wrapper is not bytes)
            return super().write(data)
        header = self.build_response_header()  # decides chunked_response, among others
        self.wrote_header = True
        length = self.content_length
        # nothing is written before the header, so the whole body so far is `data`
        if self.has_body and not self.chunked_response and length is not None \
                and len(data) <= length:
            self.content_bytes_written = len(data)
            self.channel.write_soon(header + data)
        else:  # as waitress: the header alone, then the data as its own rules say
            self.channel.write_soon(header)
            super().write(data)


class QuietChannel(HTTPChannel):
    task_class = OneSendTask

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
