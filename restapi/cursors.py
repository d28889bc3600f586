"""Opaque, signed pagination cursors.

A cursor carries the list it belongs to and the (createdAt, id) position of the last
item served. It is signed with a secret kept in the database (so cursors survive a
restart), which makes a tampered cursor, or one from another list or another Golden
Record, a clear 400 instead of a wrong page.
"""
import itsdangerous

from .errors import ApiError


class Cursors:
    def __init__(self, secret):
        self._signer = itsdangerous.URLSafeSerializer(secret, salt="goldenrecord.cursor")

    def dump(self, list_name, position):
        return self._signer.dumps([list_name, *position])

    def load(self, list_name, token):
        try:
            data = self._signer.loads(token)
        except itsdangerous.BadData:
            raise ApiError("GR_VALIDATION_ERROR", "The cursor is invalid or was modified", field="cursor")
        if (not isinstance(data, list) or len(data) != 3 or data[0] != list_name
                or not all(isinstance(part, str) for part in data[1:])):
            raise ApiError("GR_VALIDATION_ERROR", "The cursor belongs to a different list", field="cursor")
        return tuple(data[1:])
