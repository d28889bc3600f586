"""Permissions: what roles are made of, `resource:action`. The reference's eight are built
in (`is_system`) and read-only; the environment adds its own."""
import re

from . import records
from .db import write_transaction
from .errors import Conflict, Forbidden, NotFound
from .events import EVERY_ORGANIZATION
from .models import Permission
from .pages import built_in_first_page

# `resource:action`, each part lowercase letters, digits, `_` and `-`
SLUG = r"[a-z0-9_-]+:[a-z0-9_-]+"
_SLUG = re.compile(SLUG)


class Permissions:
    def __init__(self, store):
        self._store = store

    def list(self, *, limit, after=None, org_scope=None):
        """A page of permissions, the built-in ones first.
        Permissions belong to the whole environment: every caller sees them all."""
        return built_in_first_page(Permission.select(), Permission, limit, after)

    def get(self, permission_id, *, org_scope=None):
        permission = Permission.first_by("id", permission_id)
        if permission is None:
            raise NotFound("permission", permission_id)
        return permission

    def create(self, *, slug, name, description=None, org_scope=None):
        now = self._store.now()
        resource, action = slug.split(":")
        with write_transaction():
            if Permission.first_by("slug", slug) is not None:
                raise Conflict("slug", f"A permission with slug '{slug}' already exists",
                               resource="permission")
            permission = Permission.create(
                id=self._store.new_id("perm"), slug=slug, name=name, description=description,
                resource=resource, action=action, is_system=False, created_at=now)
            self._emit("permission.created", permission)
            return permission

    def update(self, permission_id, changes, *, org_scope=None):
        """Change `name` and/or `description`; the slug, which roles and checks name it
        by, stays."""
        with write_transaction():
            permission = self._editable(permission_id)
            changes = permission.differing(changes)
            if changes:
                permission.apply(changes, self._store.now())
                self._emit("permission.updated", permission)
            return permission

    def delete(self, permission_id, *, org_scope=None):
        """Delete the permission; every role that granted it loses it (the grants cascade)."""
        with write_transaction():
            permission = self._editable(permission_id)
            self._emit("permission.deleted", permission)
            permission.delete_instance()
            return permission

    def resolve(self, references, field):
        """The permissions `references` name, each by id or slug, in order, without
        repeats; NotFound naming `field` for the first that names none."""
        found = {}
        for reference in references:
            permission = Permission.first_by("slug" if _SLUG.fullmatch(reference) else "id",
                                             reference)
            if permission is None:
                raise NotFound("permission", reference, field)
            found.setdefault(permission.id, permission)
        return list(found.values())

    def _editable(self, permission_id):
        permission = self.get(permission_id)
        if permission.is_system:
            raise Forbidden(f"Permission '{permission.slug}' is built in and cannot be changed "
                            "or deleted")
        return permission

    def _emit(self, event_type, permission):
        self._store.events.emit(event_type, records.permission(permission),
                                [EVERY_ORGANIZATION])
