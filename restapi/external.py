"""The `externalId` field, filter and path parameter shared by organizations and users."""
from goldenrecord.store.external import MAX_LENGTH

from .inputs import Text


def external_id_field(noun):
    return Text(max_length=MAX_LENGTH, nullable=True, example=None, description=(
        f"Another system's id for the {noun}, unique among {noun}s; null: none"))


def external_id_filter(noun):
    return Text(max_length=MAX_LENGTH, description=f"Only the {noun} with this externalId")


BY_EXTERNAL_ID = {"external_id": Text(max_length=MAX_LENGTH, description="The external id")}
