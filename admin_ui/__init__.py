"""The admin dashboard: a single-page app served at /admin that signs in with an API key
and then calls the public JSON API (/api/v1) like any other client, so every page and
action is authorized exactly as that key would be.

`install` adds its routes; `Sessions` (session.py) is given to the API's Authentication
middleware so a signed-in browser can call the API with its cookie and CSRF header.
"""
from .assets import load_assets
from .resources import AssetResource, PageResource, SessionResource
from .session import Sessions

__all__ = ["Sessions", "install", "sessions_for"]

SECRET_SETTING = "admin_session_secret"


def sessions_for(store, clock):
    """The session signer of `store`'s database (its secret is seeded by migration 7),
    with the record of signed-out sessions (migration 10)."""
    return Sessions(store.setting(SECRET_SETTING), clock, store.ended_sessions)


def install(app, add, *, authentication, sessions, client_address, clock, index):
    """Add the dashboard's routes: its page and session through `add` (the API's route
    recorder, so the OpenAPI document describes them), its static files straight to `app`
    — files, not operations; and list the page on the `index` at /, where browsers are
    sent on to it."""
    assets = load_assets()
    add("/admin", PageResource(assets))
    add("/admin/session", SessionResource(authentication, sessions, client_address, clock))
    app.add_route("/admin/static/{path:path}", AssetResource(assets))
    index.link("admin", "/admin", browsers=True)
