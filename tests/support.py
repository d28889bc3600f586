"""Helpers shared by the tests (imported as `from support import ...`)."""
import re
from datetime import datetime, timedelta, timezone

REQUEST_ID = re.compile(r"^req_[0-9a-f]{24}$")


def assert_envelope(result, status, code=None, field=None):
    """Pin the response envelope: status, shape, request id, and on errors code and field.

    Returns the body's `data` on success and the first error on failure.
    """
    assert result.status_code == status, (result.status_code, result.text)
    body = result.json
    assert isinstance(body, dict), result.text
    assert REQUEST_ID.match(body["requestId"]), body
    assert result.headers["X-Request-Id"] == body["requestId"]
    if status < 400:
        assert body["success"] is True, body
        assert "errors" not in body
        return body["data"]
    assert body["success"] is False, body
    assert body["data"] is None
    assert isinstance(body["errors"], list) and len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert isinstance(error["message"], str) and error["message"], error
    if code is not None:
        assert error["code"] == code, body
    if field is not None:
        assert error.get("field") == field, body
    return error


class FakeClock:
    """A clock the tests move by hand instead of sleeping."""

    def __init__(self, start=datetime(2026, 1, 15, 10, 30, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)
