"""A requests session bound to one Golden Record: base URL and API key preset."""
import requests


class ApiSession(requests.Session):
    """`session.get("/api/v1/organizations")` goes to the instance with its bearer key.

    Absolute URLs pass through unchanged; every request gets a 30 s timeout unless given.
    """

    def __init__(self, base_url, key):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.headers["Authorization"] = f"Bearer {key}"

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)
