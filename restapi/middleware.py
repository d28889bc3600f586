"""Per-request bookkeeping: the request id, timing and the access log line.

`req.context` carries a closed set of attributes, all set here or by Authentication:
  request_id  str     "req_" + 24 hex digits, echoed in X-Request-Id and every body
  started     float   time.perf_counter() when the request arrived
  caller      Caller  the authenticated key (None on public resources)
  raw_body    bytes   the body, once read by inputs.raw_body (None before)
  input       dict    the operation's checked query and body fields, snake_case (operations.py)
  idempotency tuple   the open claim on an Idempotency-Key (idempotency.py), else None
  audit       Token   the audit context made current for this request (auditing.py), else None
  authenticated ApiKey the key this request proved, also on a public resource that checks
                      one itself (the dashboard's sign-in; on its sign-out, the ended
                      session's key); None before or without
"""
import logging
import random
import time

access_log = logging.getLogger("goldenrecord.access")
# Request ids need to be unique, not secret: a seeded PRNG spares a system call per request.
_ids = random.Random()


# The access log's line; its values are the entry's, with "-" for a request without a key.
ACCESS_LINE = "%(client)s %(method)s %(route)s %(status)d %(durationMs).1fms %(requestId)s %(keyId)s"


def access_record_args(entry):
    """The logging arguments of an access entry: the line's values, and the entry itself
    as the record's `fields` for a structured (JSON) formatter."""
    return (ACCESS_LINE, {**entry, "keyId": entry["keyId"] or "-"}), {"fields": entry}


def log_request(entry):
    """The default access log: one record per request through the logging module."""
    if access_log.isEnabledFor(logging.INFO):
        args, extra = access_record_args(entry)
        access_log.info(*args, extra=extra)


class RequestContext:
    """Sets the request id and timing; writes one access-log line per request.

    `access_log(entry)` receives each request's entry, a dict: `client` (the address as
    `client_address` tells it, proxies considered), `method`, `route` (the template,
    `/api/v1/organizations/{id}`; "-" when no route matched), `status`, `durationMs`,
    `requestId` and `keyId` (the caller's API key's id, None without one). Never the
    path's values, the query string or a key: they may carry what users consider private.
    """

    def __init__(self, access_log=log_request, client_address=None):
        self._access_log = access_log
        self._client_address = client_address

    def process_request(self, req, resp):
        req.context.request_id = f"req_{_ids.getrandbits(96):024x}"
        req.context.started = time.perf_counter()
        req.context.caller = None
        req.context.raw_body = None
        req.context.input = {}
        req.context.idempotency = None
        req.context.audit = None
        req.context.authenticated = None

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.request_id)
        elapsed_ms = (time.perf_counter() - req.context.started) * 1000
        caller = req.context.caller
        client = self._client_address.of(req) if self._client_address else req.remote_addr
        self._access_log({"client": client or "-", "method": req.method,
                          "route": req.uri_template or "-", "status": resp.status_code,
                          "durationMs": round(elapsed_ms, 1), "requestId": req.context.request_id,
                          "keyId": caller.key.id if caller else None})
