"""A WorkOS user object as the Golden Record user fields it maps to.

The fields are checked with the same rules the users API applies, so a user that
arrives from WorkOS is held to exactly the standard of one created over the API.
"""
from dataclasses import dataclass
from datetime import datetime

from goldenrecord.store.errors import Invalid
from goldenrecord.store.rules import NEW_USER, DateTime, has_lone_surrogate


class Unmappable(Exception):
    """A WorkOS user Golden Record cannot hold; `field` names the Golden Record field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class WorkosUser:
    workos_user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    avatar_url: str | None
    updated_at: datetime | None  # WorkOS's updated_at: orders out-of-order deliveries

    def profile(self):
        """The Golden Record user fields (model names) this user sets."""
        return {"email": self.email, "first_name": self.first_name,
                "last_name": self.last_name, "avatar_url": self.avatar_url}


def workos_user(data):
    """The WorkosUser for WorkOS's user object `data`; Unmappable if it cannot be held."""
    if not isinstance(data, dict):
        raise Unmappable("data", "The WorkOS user is not an object")
    user_id = data.get("id")
    if not isinstance(user_id, str) or not user_id or len(user_id) > 100:
        raise Unmappable("workosUserId", "The WorkOS user has no usable id")
    candidate = {
        "email": data.get("email"),
        "firstName": _blank_is_none(data.get("first_name")),
        "lastName": _blank_is_none(data.get("last_name")),
        "avatarUrl": _blank_is_none(data.get("profile_picture_url")),
    }
    # The sync reads WorkOS's JSON itself, past the body checks of our own endpoints; a
    # lone surrogate would fail the whole page's transaction when SQLite encodes it.
    for name, value in (("workosUserId", user_id), *candidate.items()):
        if has_lone_surrogate(value):
            raise Unmappable(name, f"WorkOS user: {name} holds an unpaired UTF-16 surrogate")
    try:
        fields = NEW_USER.parse(candidate)
    except Invalid as error:
        raise Unmappable(error.field, f"WorkOS user {user_id}: {error.message}")
    try:
        updated_at = DateTime().clean(data.get("updated_at"), "updated_at")
    except Invalid:
        updated_at = None  # unreadable: the user is applied without out-of-order protection
    return WorkosUser(workos_user_id=user_id, updated_at=updated_at, **fields)


def _blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value

