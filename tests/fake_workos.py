"""A fake of WorkOS's User Management API on loopback, close enough to the real one for
the client and the sync: bearer-key check, ascending cursor pagination with `limit`,
`after` and `list_metadata`, JSON error bodies, and scripted failures (429 with
Retry-After, 5xx) to exercise retries and interrupted syncs."""
import http.server
import json
import threading
from urllib.parse import parse_qs, urlsplit

API_KEY = "sk_test_fake"


def workos_user(n, **fields):
    """A WorkOS user object as the API returns it (fields per WorkOS's OpenAPI file)."""
    user = {
        "object": "user",
        "id": f"user_01FAKE{n:020d}",
        "email": f"person{n}@example.com",
        "email_verified": True,
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "profile_picture_url": f"https://images.example.com/{n}.png",
        "external_id": None,
        "last_sign_in_at": None,
        "metadata": {},
        "created_at": f"2026-01-01T00:00:{n % 60:02d}.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    }
    user.update(fields)
    return user


class FakeWorkOS:
    def __init__(self, users=()):
        self.users = list(users)
        self.requests = []  # (method, path, query dict, authorization header)
        # Scripted answers, consumed in order: (status, headers, body), matched when
        # `when(query)` is true for the request (default: any list request).
        self.script = []
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                fake._handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status, *, times=1, headers=None, body=None, when=lambda query: True):
        """Answer the next `times` matching requests with `status`."""
        body = body or {"message": "Too many requests." if status == 429 else "Internal error",
                        **({"code": "rate_limit_exceeded"} if status == 429 else {})}
        with self.lock:
            self.script.extend([(status, headers or {}, body, when)] * times)

    def _scripted(self, query):
        with self.lock:
            for index, (status, headers, body, when) in enumerate(self.script):
                if when(query):
                    del self.script[index]
                    return status, headers, body
        return None

    def _handle(self, handler):
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        authorization = handler.headers.get("Authorization")
        self.requests.append(("GET", parts.path, query, authorization))
        if authorization != f"Bearer {API_KEY}":
            return self._send(handler, 401, {"message": "Unauthorized"})
        scripted = self._scripted(query)
        if scripted:
            status, headers, body = scripted
            return self._send(handler, status, body, headers)
        if parts.path == "/user_management/users":
            return self._send(handler, *self._list(query))
        if parts.path.startswith("/user_management/users/"):
            user_id = parts.path.rsplit("/", 1)[1]
            for user in self.users:
                if user["id"] == user_id:
                    return self._send(handler, 200, user)
            return self._send(handler, 404, {"message": f"User not found '{user_id}'",
                                             "code": "entity_not_found", "entity_id": user_id})
        return self._send(handler, 404, {"message": "Not found"})

    def _list(self, query):
        try:
            limit = int(query.get("limit", 10))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return 422, {"message": "Validation failed.",
                         "errors": [{"code": "invalid", "field": "limit"}]}
        users = list(self.users)
        if query.get("order", "desc") == "desc":
            users.reverse()
        start = 0
        if "after" in query:
            ids = [u["id"] for u in users]
            start = ids.index(query["after"]) + 1 if query["after"] in ids else len(users)
        page = users[start:start + limit]
        more = start + limit < len(users)
        return 200, {"object": "list", "data": page,
                     "list_metadata": {"before": page[0]["id"] if page and start else None,
                                       "after": page[-1]["id"] if page and more else None}}

    def _send(self, handler, status, body, headers=None):
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("X-Request-ID", "fake-request-id")
        for name, value in (headers or {}).items():
            handler.send_header(name, str(value))
        handler.end_headers()
        handler.wfile.write(payload)
