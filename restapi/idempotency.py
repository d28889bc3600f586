"""Idempotency-Key on POST: a retried request is answered again, never acted on twice.

As Stripe and WorkOS do it: a client sends `Idempotency-Key: <unique string>` with a POST;
within 24 hours the same key (per API key) with the same request — method, path with
query string, and body byte for byte — gets the stored answer (same status and body,
plus `Idempotent-Replayed: true`) without acting again; with a different request it is
409 GR_IDEMPOTENCY_KEY_REUSED.

How it stays exact under concurrency and crashes: the key is looked up inside a write
transaction opened before the responder runs, and the answer is stored in that same
transaction when the responder succeeds (the responder's own transaction nests in it).
A concurrent duplicate therefore waits for the first to finish and then replays its
answer; a crash loses the change and its stored answer together. Only 2xx answers are
stored: a refused request changed nothing, so retrying it with the same key runs it again.
Answers are stored sealed under the Idempotency-Key (store.idempotency), since some carry
a secret shown once: a new API key, a webhook's signing secret.
"""
import contextlib
import hashlib
import json
import re

from goldenrecord.store.db import write_transaction

from .errors import ApiError
from .inputs import invalid, raw_body

HEADER = "Idempotency-Key"
WELL_FORMED = re.compile(r"^[\x21-\x7e]{1,255}$")


class Idempotency:
    """Middleware; keep it last, so it answers only requests that passed every check."""

    def __init__(self, requests):
        self._requests = requests  # store.idempotency

    def process_resource(self, req, resp, resource, params):
        key = req.get_header(HEADER)
        if key is None or req.method != "POST" or req.context.caller is None:
            return
        key = key.strip(" \t")  # as HTTP does: spaces around a header value do not count
        if not WELL_FORMED.match(key):
            raise invalid(HEADER, f"{HEADER} must be 1 to 255 printable ASCII characters "
                                  "without spaces")
        fingerprint = _fingerprint(req)
        api_key_id = req.context.caller.key.id
        transaction = contextlib.ExitStack()
        transaction.enter_context(write_transaction())
        try:
            stored = self._requests.find(api_key_id, key)
        except BaseException:
            transaction.close()
            raise
        if stored is None:
            req.context.idempotency = (transaction, api_key_id, key, fingerprint)
            return
        transaction.close()
        if stored.fingerprint != fingerprint:
            raise ApiError("GR_IDEMPOTENCY_KEY_REUSED", field=HEADER)
        _replay(req, resp, stored)

    def process_response(self, req, resp, resource, req_succeeded):
        claim = req.context.idempotency
        if claim is None:
            return
        req.context.idempotency = None
        transaction, api_key_id, key, fingerprint = claim
        with transaction:  # commits on the way out, rolls back if saving fails
            if req_succeeded and 200 <= resp.status_code < 300:
                self._requests.save(api_key_id, key, fingerprint, resp.status_code,
                                    json.dumps(resp.media, ensure_ascii=False))
            else:
                transaction.pop_all().__exit__(_Refused, _Refused(), None)  # roll back


class _Refused(Exception):
    """Thrown into the transaction of a refused request, to roll it back."""


def _fingerprint(req):
    digest = hashlib.sha256()
    for part in (req.method.encode(), req.path.encode(), req.query_string.encode()):
        digest.update(part + b"\0")
    digest.update(raw_body(req))
    return digest.hexdigest()


def _replay(req, resp, stored):
    body = json.loads(stored.body)
    # the replay is the first answer again, its request id included
    req.context.request_id = body.get("requestId", req.context.request_id)
    resp.status = stored.status
    resp.media = body
    resp.set_header("Idempotent-Replayed", "true")
    resp.complete = True
