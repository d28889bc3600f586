"""/api/v1/analytics"""
from datetime import datetime, timedelta, timezone

from goldenrecord.store.records import timestamp

from . import schemas
from .inputs import Choice, DateTime, Query, Text, invalid
from .operations import operation
from .resource import Resource
from .responses import ok

GROUPINGS = ("day", "hour", "endpoint")
QUERY = Query(
    startDate=DateTime(description=(
        "The period's start, inclusive; a date alone means its midnight (UTC); not given: "
        "7 days before `endDate`"),
                       example="2026-01-01T00:00:00Z"),
    endDate=DateTime(whole_day=True, description=(
        "The period's end, inclusive; a date alone covers that whole day (UTC); not given: now"),
                     example="2026-01-31T23:59:59Z"),
    endpoint=Text(max_length=200, description="Only this route template",
                  example="/api/v1/organizations"),
    groupBy=Choice(*GROUPINGS, default="day", description="`hour` adds `byHour` to the answer"),
)
DEFAULT_PERIOD = timedelta(days=7)
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


class AnalyticsResource(Resource):
    @operation("Usage from startDate to endDate inclusive (default: the last 7 days)",
               name="getAnalytics", scope="api_keys:read", description=(
                   "Requests, successes, failures and response times over the period, per "
                   "route and per day (or hour). An organization-scoped key sees its own "
                   "organization's keys only."), response=schemas.ANALYTICS, query=QUERY,
               meta=schemas.ANALYTICS_META)
    def on_get(self, req, resp):
        params = req.context.input
        end = params.get("end_date") or self.store.now()
        start = params.get("start_date") or _period_before(end)
        if start >= end:
            raise invalid("startDate", "startDate must be before endDate")
        group_by = params["group_by"]
        report = self.store.analytics.report(
            start=start, end=end, endpoint=params.get("endpoint"),
            org_scope=req.context.caller.org_scope, by_hour=group_by == "hour")
        ok(req, resp, report, meta={"startDate": timestamp(start), "endDate": timestamp(end),
                                    "groupBy": group_by})


def _period_before(end):
    """The default start: DEFAULT_PERIOD before `end`, but never before year 1, where the
    subtraction would overflow (an endDate in the first week of year 1 is a valid date)."""
    return end - DEFAULT_PERIOD if end - EARLIEST > DEFAULT_PERIOD else EARLIEST
