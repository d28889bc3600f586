"""cli/channel.py: waitress's main loop leaves a small answer to the request thread that
sends it, a small answer's header and body go out by one send, and every answer still
arrives whole — small ones one after another on a kept-alive connection, a large one
drained by the loop to a slow reader, and the answers whose body waitress writes by its
own rules (none, chunked, in parts, longer than its Content-Length)."""
import socket
import threading
import time

import pytest
import requests
import waitress

from goldenrecord.cli.channel import ONE_SEND_BELOW, QUIET_BELOW, QuietChannel, quieten
from goldenrecord.cli.serve import _waitress_options


class _Bare(QuietChannel):
    """A channel's state without a socket: what writable() looks at."""

    def __init__(self, requests=(), pending=0, will_close=False):  # noqa: D401 - no super()
        self.requests = list(requests)
        self.total_outbufs_len = pending
        self.will_close = will_close
        self.close_when_flushed = False


def test_a_small_answer_being_sent_by_its_request_thread_is_not_polled_for():
    assert not _Bare(requests=["running"], pending=276).writable()
    assert _Bare(requests=["running"], pending=QUIET_BELOW).writable()  # large: the loop drains
    assert _Bare(pending=276).writable()  # the request has ended: the loop sends what is left
    assert _Bare(requests=["running"], pending=10, will_close=True).writable()
    assert not _Bare(requests=["running"]).writable()


BIG = 8 * 1024 * 1024


def _app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/big":
        start_response("200 OK", [("Content-Length", str(BIG))])
        return (b"x" * (256 * 1024) for _ in range(BIG // (256 * 1024)))
    if path == "/edge":  # the largest body joined to its header
        start_response("200 OK", [("Content-Length", str(ONE_SEND_BELOW))])
        return [b"e" * ONE_SEND_BELOW]
    if path == "/parts":  # a first part that is not the whole body
        start_response("200 OK", [("Content-Length", "9")])
        return [b"abc", b"def", b"ghi"]
    if path == "/chunked":  # no Content-Length: HTTP/1.1 chunks
        start_response("200 OK", [])
        return [b"abc", b"def"]
    if path == "/excess":  # more than its Content-Length: cut, as waitress cuts it
        start_response("200 OK", [("Content-Length", "3")])
        return [b"abcdef"]
    if path == "/empty":  # a 204 has no body, whatever the app writes
        start_response("204 No Content", [])
        return [b"ignored"]
    body = path.encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def server():
    class Config:
        host, port, threads, connection_limit, channel_timeout = "127.0.0.1", 0, 4, 100, 30

    instance = quieten(waitress.create_server(_app, **_waitress_options(Config)))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    try:
        yield instance
    finally:
        instance.close()
        instance.task_dispatcher.shutdown()


def test_the_server_accepts_quiet_channels(server):
    assert server.channel_class is QuietChannel


def test_answers_arrive_whole_one_after_another_on_a_kept_alive_connection(server):
    with requests.Session() as session:
        for i in range(200):
            answer = session.get(f"http://127.0.0.1:{server.effective_port}/n{i}", timeout=10)
            assert answer.content == f"/n{i}".encode()


def test_a_large_answer_reaches_a_slow_reader_whole(server):
    with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as sock:
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        received = bytearray()
        time.sleep(0.5)  # the socket's buffers fill: the rest waits in waitress's
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            received += chunk
            if received.endswith(b"x" * 16) and len(received.split(b"\r\n\r\n", 1)[-1]) >= BIG:
                break
    head, body = bytes(received).split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert len(body) == BIG


@pytest.fixture
def sends(monkeypatch):
    """Every piece of data the server's connections hand to send(), in order."""
    sent = []
    original = QuietChannel.send

    def send(self, data, do_close=True):
        sent.append(bytes(data))
        return original(self, data, do_close)

    monkeypatch.setattr(QuietChannel, "send", send)
    return sent


def test_a_small_answer_goes_out_by_one_send(server, sends):
    answer = requests.get(f"http://127.0.0.1:{server.effective_port}/one", timeout=10)
    assert answer.content == b"/one"
    assert len(sends) == 1
    assert sends[0].startswith(b"HTTP/1.1 200 OK\r\n") and sends[0].endswith(b"\r\n\r\n/one")


def test_answers_waitress_writes_by_its_own_rules_arrive_as_it_writes_them(server, sends):
    url = f"http://127.0.0.1:{server.effective_port}"
    with requests.Session() as session:
        assert session.get(url + "/edge", timeout=10).content == b"e" * ONE_SEND_BELOW
        assert session.get(url + "/parts", timeout=10).content == b"abcdefghi"
        chunked = session.get(url + "/chunked", timeout=10)
        assert chunked.headers["Transfer-Encoding"] == "chunked"
        assert chunked.content == b"abcdef"
        assert session.get(url + "/excess", timeout=10).content == b"abc"
        empty = session.get(url + "/empty", timeout=10)
        assert (empty.status_code, empty.content) == (204, b"")
        head = session.head(url + "/sized", timeout=10)
        assert (head.status_code, head.headers["Content-Length"], head.content) == (200, "6", b"")
        assert session.get(url + "/after", timeout=10).content == b"/after"  # still in step
    assert sum(b"\r\n\r\n" + b"e" * 16 in piece for piece in sends) == 1  # /edge: joined
