"""cli/channel.py: waitress's main loop leaves a small answer to the request thread that
sends it, and every answer still arrives whole — small ones one after another on a
kept-alive connection, and a large one drained by the loop to a slow reader."""
import socket
import threading
import time

import pytest
import requests
import waitress

from goldenrecord.cli.channel import QUIET_BELOW, QuietChannel, quieten
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
    if environ["PATH_INFO"] == "/big":
        start_response("200 OK", [("Content-Length", str(BIG))])
        return (b"x" * (256 * 1024) for _ in range(BIG // (256 * 1024)))
    body = environ["PATH_INFO"].encode()
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
