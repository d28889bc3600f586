"""/api/v1/analytics"""
from datetime import timedelta

import falcon

from .access import require_scope
from .errors import ApiError
from .inputs import DateTime, Query, Text
from .resource import Resource
from .responses import ok
from goldenrecord.store.records import timestamp

QUERY = Query(
    startDate=DateTime(),
    endDate=DateTime(),
    endpoint=Text(max_length=200),
    groupBy=Text(max_length=10),
)
GROUPINGS = ("day", "hour", "endpoint")
DEFAULT_PERIOD = timedelta(days=7)


class AnalyticsResource(Resource):
    @falcon.before(require_scope("api_keys:read"))
    def on_get(self, req, resp):
        """Usage from startDate to endDate inclusive — by default the last 7 days."""
        params = QUERY.parse(req)
        end = params.get("end_date") or self.store.now()
        start = params.get("start_date") or end - DEFAULT_PERIOD
        if start >= end:
            raise ApiError.validation("startDate", "startDate must be before endDate")
        group_by = params.get("group_by", "day")
        if group_by not in GROUPINGS:
            raise ApiError.validation("groupBy", f"groupBy must be one of: {', '.join(GROUPINGS)}")
        report = self.store.analytics.report(
            start=start, end=end, endpoint=params.get("endpoint"),
            scope=req.context.caller.scope, by_hour=group_by == "hour")
        ok(req, resp, report, meta={"startDate": timestamp(start), "endDate": timestamp(end),
                                    "groupBy": group_by})
