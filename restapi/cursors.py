"""Opaque, signed pagination cursors.

A cursor carries the list it belongs to and the (createdAt, id) position of the last
item served. It is signed with a secret kept in the database (so cursors survive a
restart), which makes a tampered cursor, or one from another list or another Golden
Record, a clear 400 instead of a wrong page.
"""
import itsdangerous
from itsdangerous.encoding import base64_encode

from .errors import ApiError


class _Uncompressed(itsdangerous.URLSafeSerializer):
    """itsdangerous's URL-safe serializer, minus its zlib attempt on dumping.

    A cursor is ~100 bytes of JSON that zlib cannot shorten, yet the attempt cost most of
    a dump (~30 µs: zlib sets up its buffers for every call) and let go of the GIL, which
    on a busy server is a hand-over to another thread and back — on every page that is
    read from SQLite. Loading is unchanged, so a compressed cursor (a "." before it) from
    an earlier release still loads.
    """

    def dump_payload(self, obj):
        return base64_encode(itsdangerous.Serializer.dump_payload(self, obj))


class Cursors:
    def __init__(self, secret):
        self._signer = _Uncompressed(secret, salt="goldenrecord.cursor")

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
