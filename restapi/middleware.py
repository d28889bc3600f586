"""Per-request bookkeeping: the request id, timing and the access log line.

`req.context` carries a closed set of attributes, all set here or by Authentication:
  request_id  str     "req_" + 24 hex digits, echoed in X-Request-Id and every body
  started     float   time.perf_counter() when the request arrived
  caller      Caller  the authenticated key (None on public resources)
  raw_body    bytes   the body, once read by inputs.raw_body (None before)
  input       dict    the operation's checked query and body fields, snake_case (operations.py)
  idempotency tuple   the open claim on an Idempotency-Key (idempotency.py), else None
"""
import logging
import random
import time

access_log = logging.getLogger("goldenrecord.access")
# Request ids need to be unique, not secret: a seeded PRNG spares a system call per request.
_ids = random.Random()


def log_request(method, path, status, elapsed_ms, request_id):
    """The default access log: one line per request through the logging module."""
    access_log.info("%s %s %d %.1fms %s", method, path, status, elapsed_ms, request_id)


class RequestContext:
    """Sets the request id and timing; writes one access-log line per request.

    `access_log(method, path, status, elapsed_ms, request_id)` receives each line; the
    path only, since query strings may carry search terms users consider private.
    """

    def __init__(self, access_log=log_request):
        self._access_log = access_log

    def process_request(self, req, resp):
        req.context.request_id = f"req_{_ids.getrandbits(96):024x}"
        req.context.started = time.perf_counter()
        req.context.caller = None
        req.context.raw_body = None
        req.context.input = {}
        req.context.idempotency = None

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.request_id)
        elapsed_ms = (time.perf_counter() - req.context.started) * 1000
        self._access_log(req.method, req.path, resp.status_code, elapsed_ms,
                         req.context.request_id)
