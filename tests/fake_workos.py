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


def workos_organization(n, *, domains=(), **fields):
    """A WorkOS organization object (fields per WorkOS's OpenAPI file and Python SDK)."""
    org = {
        "object": "organization",
        "id": f"org_01FAKE{n:020d}",
        "name": f"Organization {n}",
        "allow_profiles_outside_organization": False,
        "domains": [{"object": "organization_domain", "id": f"org_domain_{n}_{i}",
                     "organization_id": f"org_01FAKE{n:020d}", "domain": domain,
                     "state": state, "verification_strategy": "dns",
                     "created_at": "2026-01-01T00:00:00.000Z",
                     "updated_at": "2026-01-01T00:00:00.000Z"}
                    for i, (domain, state) in enumerate(domains)],
        "metadata": {},
        "external_id": None,
        "created_at": f"2026-01-01T00:00:{n % 60:02d}.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    }
    org.update(fields)
    return org


def workos_membership(n, org, user, *, role="member", status="active", **fields):
    """A WorkOS organization membership object, as the list and the events carry it."""
    membership = {
        "object": "organization_membership",
        "id": f"om_01FAKE{n:020d}",
        "user_id": user["id"],
        "organization_id": org["id"],
        "organization_name": org["name"],
        "status": status,
        "role": {"slug": role},
        "roles": [{"slug": role}],
        "custom_attributes": {},
        "directory_managed": False,
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    }
    membership.update(fields)
    return membership


def workos_event(n, event_type, data, *, created_at="2026-01-15T10:29:00.000Z"):
    return {"object": "event", "id": f"event_01FAKE{n:020d}", "event": event_type,
            "data": data, "created_at": created_at}


class FakeWorkOS:
    def __init__(self, users=(), organizations=(), memberships=(), events=()):
        self.users = list(users)
        self.organizations = list(organizations)
        self.memberships = list(memberships)
        self.events = list(events)
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
        lists = {"/user_management/users": lambda: self.users,
                 "/organizations": lambda: self.organizations,
                 "/user_management/organization_memberships": lambda: self._memberships(query),
                 "/events": lambda: self._events(query)}
        if parts.path in lists:
            return self._send(handler, *self._list(query, lists[parts.path]()))
        for prefix, noun, items in (("/user_management/users/", "User", self.users),
                                    ("/organizations/", "Organization", self.organizations)):
            if parts.path.startswith(prefix):
                wanted = parts.path.rsplit("/", 1)[1]
                for item in items:
                    if item["id"] == wanted:
                        return self._send(handler, 200, item)
                return self._send(handler, 404, {"message": f"{noun} not found '{wanted}'",
                                                 "code": "entity_not_found", "entity_id": wanted})
        return self._send(handler, 404, {"message": "Not found"})

    def _memberships(self, query):
        """WorkOS lists memberships by organization or user, with `statuses` to filter."""
        statuses = set(query.get("statuses", "active,inactive,pending").split(","))
        users = {u["id"]: u for u in self.users}
        return [{**m, "user": users.get(m["user_id"])} for m in self.memberships
                if m["status"] in statuses
                and query.get("organization_id", m["organization_id"]) == m["organization_id"]
                and query.get("user_id", m["user_id"]) == m["user_id"]]

    def _events(self, query):
        """The Events API: `events` (comma-joined) is required; `range_start` filters by
        created_at (ISO text of one format compares in time order)."""
        kinds = set(query.get("events", "").split(","))
        return [e for e in self.events if e["event"] in kinds
                and e["created_at"] >= query.get("range_start", "")]

    def _list(self, query, items):
        try:
            limit = int(query.get("limit", 10))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return 422, {"message": "Validation failed.",
                         "errors": [{"code": "invalid", "field": "limit"}]}
        items = list(items)
        if query.get("order", "desc") == "desc":
            items.reverse()
        start = 0
        if "after" in query:
            ids = [u["id"] for u in items]
            start = ids.index(query["after"]) + 1 if query["after"] in ids else len(items)
        page = items[start:start + limit]
        more = start + limit < len(items)
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
