"""A small client for WorkOS's REST API, written against the API itself with requests.

Only what Golden Record uses: listing User Management users. It follows WorkOS's
published behaviour (see docs/workos.md): bearer `sk_` key, cursor
pagination with `limit`/`after` and `list_metadata.after`, JSON error bodies carrying
`message` (and sometimes `code`), and `Retry-After` on 429 — which WorkOS's own SDKs
honour, so we do too.
"""
import email.utils
import logging
import random
import time
from datetime import datetime, timezone

import requests

log = logging.getLogger("goldenrecord.workos")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRIES = 3
MAX_RETRY_AFTER = 60.0  # seconds; a longer Retry-After is capped, as WorkOS's Node SDK does
PAGE_SIZE = 100  # WorkOS's maximum `limit`


class WorkOSError(Exception):
    """WorkOS refused or failed a request; `status` is None when it could not be reached."""

    def __init__(self, message, *, status=None, code=None, request_id=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id


class AuthenticationError(WorkOSError):
    """401: the configured `workos.api_key` is missing, wrong or revoked."""


class NotFoundError(WorkOSError):
    """404: no such object."""


class UnprocessableEntityError(WorkOSError):
    """422: WorkOS rejected the parameters."""


class RateLimitError(WorkOSError):
    """429, still, after every retry."""


class ServerError(WorkOSError):
    """5xx, still, after every retry; or WorkOS unreachable."""


_ERRORS = {401: AuthenticationError, 404: NotFoundError, 422: UnprocessableEntityError,
           429: RateLimitError}


class WorkOSClient:
    """A `requests.Session` bound to one WorkOS environment.

    `sleep` and `random` are injectable so tests can check the backoff without waiting.
    """

    def __init__(self, api_key, *, base_url="https://api.workos.com", timeout=(5.0, 30.0),
                 max_retries=MAX_RETRIES, sleep=time.sleep, jitter=random.uniform):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self._sleep = sleep
        self._jitter = jitter
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": "goldenrecord-workos-client",
        })
        # WorkOS never redirects its API; following one could hand the key to another
        # host, so no request follows one (`allow_redirects=False`, below): a redirect is
        # answered as the error it is (`redirect_error`), without retries.

    def close(self):
        self.session.close()

    def get(self, path, params=None):
        """The JSON body of GET `path`, retrying 429 and 5xx; a typed error otherwise."""
        url = f"{self.base_url}{path}"
        for attempt in range(self.max_retries + 1):
            try:
                response = self.session.get(url, params=params, timeout=self.timeout,
                                            allow_redirects=False)
            except requests.RequestException as error:
                if attempt == self.max_retries:
                    raise ServerError(f"WorkOS could not be reached: {type(error).__name__}")
                self._sleep(self._backoff(attempt))
                continue
            if 300 <= response.status_code < 400:
                raise redirect_error(response)
            if response.status_code < 300:
                try:
                    return response.json()
                except ValueError:
                    raise ServerError("WorkOS answered with a body that is not JSON",
                                      status=response.status_code)
            if response.status_code in RETRY_STATUSES and attempt < self.max_retries:
                delay = retry_after(response.headers.get("Retry-After"))
                delay = self._backoff(attempt) if delay is None else delay
                log.info("WorkOS answered %d; retrying in %.1f s", response.status_code, delay)
                self._sleep(delay)
                continue
            raise error_from(response)
        raise AssertionError("unreachable")

    def _backoff(self, attempt):
        """WorkOS's Python SDK's policy: min(2**attempt, 30) s, jittered by 0.5–1.5."""
        return min(2.0 ** attempt, 30.0) * self._jitter(0.5, 1.5)

    def user_pages(self, *, limit=PAGE_SIZE, after=None):
        """Every User Management user, a page (a list of user objects) at a time.

        Pages are walked in ascending creation order, so users created while the walk
        runs are met at its end rather than skipped. Only one page is held at a time.
        """
        yield from self.pages("/user_management/users", limit=limit, after=after)

    def pages(self, path, params=None, *, limit=PAGE_SIZE, after=None):
        """Every object of the WorkOS list at `path` (with the filters in `params`), a
        page at a time, oldest first, following `list_metadata.after`."""
        while True:
            query = {**(params or {}), "limit": limit, "order": "asc"}
            if after:
                query["after"] = after
            page = self.get(path, query)
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise ServerError(f"WorkOS's list at {path} has no 'data' array")
            if data:
                yield data
            after = (page.get("list_metadata") or {}).get("after")
            if not after or not data:
                return

    def users(self, **kw):
        """Every user, one at a time (see `user_pages`)."""
        for page in self.user_pages(**kw):
            yield from page


def retry_after(value):
    """Seconds to wait from a Retry-After header (seconds or HTTP-date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def redirect_error(response):
    """A redirect from what should be WorkOS's API: never followed (the API key would go
    with it) nor retried (it will not change); most often `workos.base_url` is wrong."""
    status = response.status_code
    return WorkOSError(f"WorkOS answered {status} with a redirect, which is not followed "
                       "(the API key would go with it): check workos.base_url", status=status,
                       request_id=response.headers.get("X-Request-ID"))


def error_from(response):
    """The typed error for a WorkOS error response; its `message` as WorkOS wrote it."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    status = response.status_code
    message = body.get("message") or body.get("error_description") or response.reason or "error"
    kind = _ERRORS.get(status, ServerError if status >= 500 else WorkOSError)
    return kind(f"WorkOS answered {status}: {message}", status=status, code=body.get("code"),
                request_id=response.headers.get("X-Request-ID"))
