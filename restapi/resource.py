"""What every resource class shares: its collaborators and id parsing."""
from .inputs import Uuid

_UUID = Uuid()


class Resource:
    def __init__(self, store, cursors):
        self.store = store
        self.cursors = cursors


def uuid_param(value, name="id"):
    """A path id that must be a UUID: malformed is 400 naming the field, not a 404."""
    return _UUID.clean(value, name)
