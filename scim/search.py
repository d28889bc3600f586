"""POST /.search at the service's root (RFC 7644 §3.4.3): a query over every resource type
at once, which this service does not do. RFC 7644 §3.12 gives the answer for that: 501,
so a client knows to query /Users and /Groups instead (no 404, which would say the service
is not there)."""
from goldenrecord.restapi.errors import ApiError
from goldenrecord.restapi.operations import operation

from .resource import BODY, DETAILS


class SearchEverything:
    @operation("Search every SCIM resource type (not served)", name="scimSearchAll",
               reads_body=BODY, errors=("GR_NOT_IMPLEMENTED",), description=(
                   "Always 501 (RFC 7644 §3.12): query `/Users` and `/Groups` instead."),
               **DETAILS)
    def on_post(self, req, resp):
        raise ApiError("GR_NOT_IMPLEMENTED", "Searching every resource type at once is not "
                       "supported: query /Users and /Groups")
