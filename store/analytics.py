"""Usage analytics: the request log, written in batches, summarized on demand."""
import functools
import math

import peewee as pw

from .db import database, write_transaction
from .models import ApiKey, RequestLog


def _timestamp_prefix(length):
    """SQL for the first `length` characters of created_at: 10 is the day, 13 the hour."""
    return pw.fn.substr(RequestLog.created_at, 1, length).coerce(False)


REQUEST_COLUMNS = ("created_at", "api_key_id", "organization_id", "method", "endpoint", "status",
                   "duration_ms")
_ROWS_PER_STATEMENT = 200


@functools.cache
def _insert(rows):
    """INSERT of `rows` rows in one statement (SQLite steps once per statement, not per row)."""
    one = f"({', '.join('?' * len(REQUEST_COLUMNS))})"
    return f"INSERT INTO request_log ({', '.join(REQUEST_COLUMNS)}) VALUES {', '.join([one] * rows)}"


def _insert_rows(connection, rows):
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start:start + _ROWS_PER_STATEMENT]
        values = [v for row in chunk for v in (RequestLog.created_at.db_value(row[0]), *row[1:])]
        connection.execute(_insert(len(chunk)), values)


class Analytics:
    def __init__(self, store):
        self._store = store

    def record(self, rows, last_used):
        """Write a batch of request rows and last-used times in one transaction.

        `rows` are tuples in `REQUEST_COLUMNS` order (created_at a datetime);
        `last_used` maps key id to a datetime.
        """
        with write_transaction():
            # prepared multi-row INSERTs: peewee's insert_many builds the SQL text of every
            # row, which cost more than the requests being logged
            _insert_rows(database.connection(), rows)
            for key_id, moment in last_used.items():
                ApiKey.update(last_used_at=moment).where(ApiKey.id == key_id).execute()

    def prune(self, before):
        """Drop request rows older than `before`; returns how many went."""
        with write_transaction():
            return RequestLog.delete().where(RequestLog.created_at < before).execute()

    def report(self, *, start, end, endpoint=None, org_scope=None, by_hour=False):
        """Counts and timings for requests from `start` to `end` inclusive, optionally of one endpoint.

        A caller confined to `org_scope` sees only requests made with that organization's keys.
        """
        query = RequestLog.select().where(RequestLog.created_at >= start, RequestLog.created_at <= end)
        if endpoint is not None:
            query = query.where(RequestLog.endpoint == endpoint)
        if org_scope is not None:
            query = query.where(RequestLog.organization_id == org_scope)
        report = {
            "summary": _summary(query),
            "byEndpoint": _by_endpoint(query),
            "byDay": [{"date": d, "count": n} for d, n in _by_prefix(query, 10)],
        }
        if by_hour:
            report["byHour"] = [{"hour": f"{h}:00:00Z", "count": n} for h, n in _by_prefix(query, 13)]
        report["latencyPercentiles"] = _percentiles(query, report["summary"]["totalRequests"])
        report["byKey"] = _busiest_keys(query)
        return report


def _summary(query):
    total, successful, average = query.select(
        pw.fn.count(RequestLog.id),
        pw.fn.sum(pw.Case(None, [(RequestLog.status < 400, 1)], 0)),
        pw.fn.avg(RequestLog.duration_ms),
    ).tuples().get()
    successful = successful or 0
    return {
        "totalRequests": total,
        "successfulRequests": successful,
        "failedRequests": total - successful,
        "avgResponseTimeMs": _whole_ms(average),
        "avgResponseTimeMsExact": round(average or 0, 3),
        "successRate": round(100 * successful / total, 1) if total else 0.0,
    }


def _by_endpoint(query):
    count = pw.fn.count(RequestLog.id)
    rows = (query.select(RequestLog.endpoint, RequestLog.method, count,
                         pw.fn.avg(RequestLog.duration_ms))
            .group_by(RequestLog.endpoint, RequestLog.method)
            .order_by(count.desc(), RequestLog.endpoint, RequestLog.method)
            .tuples())
    return [{"endpoint": e, "method": m, "count": n, "avgMs": _whole_ms(avg),
             "avgMsExact": round(avg, 3)} for e, m, n, avg in rows]


def _whole_ms(average):
    """A mean in whole milliseconds, halves rounded up: the reference's figures are integers
    (`45`), and clients typed from them (Go `int`, zod `.int()`) refuse `3.7`; the finer
    figure goes out beside it as `...Exact`."""
    return math.floor((average or 0) + 0.5)


def _by_prefix(query, length):
    bucket = _timestamp_prefix(length)
    return list(query.select(bucket, pw.fn.count(RequestLog.id)).group_by(bucket)
                .order_by(bucket).tuples())


PERCENTILES = (50, 90, 95, 99)
BUSIEST_KEYS = 10


def _percentiles(query, total):
    """Response-time percentiles by the nearest-rank method ({"p50": ms, …}; 0 with no
    requests). The mean hides a slow tail; these show it. One indexed-range sort each:
    SQLite has no percentile aggregate."""
    found = {}
    for p in PERCENTILES:
        if not total:
            found[f"p{p}"] = 0.0
            continue
        rank = max(1, -(-p * total // 100))  # ceil(p% of total), 1-based
        value = (query.select(RequestLog.duration_ms).order_by(RequestLog.duration_ms)
                 .limit(1).offset(rank - 1).scalar())
        found[f"p{p}"] = round(value, 1)
    return found


def _busiest_keys(query):
    """The keys that made the most requests, busiest first, with their name and prefix (a
    deleted key's name and prefix are null). Only ids the caller's scope already saw."""
    count = pw.fn.count(RequestLog.id)
    rows = (query.select(RequestLog.api_key_id, count, ApiKey.name, ApiKey.key_prefix)
            .join(ApiKey, pw.JOIN.LEFT_OUTER, on=(ApiKey.id == RequestLog.api_key_id))
            .group_by(RequestLog.api_key_id)
            .order_by(count.desc(), RequestLog.api_key_id)
            .limit(BUSIEST_KEYS).tuples())
    return [{"apiKeyId": key_id, "name": name, "keyPrefix": prefix, "count": n}
            for key_id, n, name, prefix in rows]
