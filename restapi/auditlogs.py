"""/api/v1/audit-logs: reading the audit log, exporting it, and applications' own events.

Entries are written by the store, never here (store/audit/); these resources read them
(scope `audit_logs:read`; an organization-scoped key its organization's only) and let an
application declare actions and record events against them (`audit_logs:write`).
"""
import csv
import io
import json

from goldenrecord.store.events import EVENT_TYPES

from . import schemas
from .errors import ApiError
from .inputs import Body, Choice, DateTime, Integer, Metadata, OpaqueId, Query, Text, Uuid, invalid
from .operations import operation
from .resource import Resource
from .responses import DEFAULT_LIMIT, MAX_LIMIT, created, ok

_LIST = "audit-logs"
ACTION_NAME = r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+"
# Names the service's own entries use: an application may not pass for the service.
RESERVED = frozenset({*(t.split(".")[0] for t in EVENT_TYPES), "api_key", "webhook", "role",
                      "permission", "audit_action", "dashboard"})
FILTERS = dict(
    actor=OpaqueId(description="Only entries by this API key (its id)"),
    action=Text(max_length=200, description="Only entries of this action",
                example="organization.updated"),
    targetType=Text(max_length=100, description="Only entries about this kind of thing"),
    targetId=Text(max_length=200, description="Only entries about this target (its id)"),
    organizationId=Uuid(description="Only entries concerning this organization"),
    rangeStart=DateTime(description="Only entries at or after this time"),
    rangeEnd=DateTime(description="Only entries before this time"))
LIST = Query(limit=Integer(minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT,
                           description="Entries per page"),
             cursor=Text(max_length=200, description="The previous page's `meta.nextCursor`"),
             **FILTERS)
EXPORT = Query(format=Choice("csv", "ndjson", required=True, description="The file format"),
               **FILTERS)
DECLARE = Body(
    name=Text(required=True, max_length=100, pattern=ACTION_NAME, example="invoice.paid",
              description="The action, dotted lower-case words (`invoice.paid`)"),
    description=Text(max_length=500, description="What it means"),
    schema=Metadata(required=True, example={"type": "object", "required": ["amount"]},
                    description="The JSON Schema (2020-12) its events' metadata must meet"))
RECORD = Body(
    action=Text(required=True, max_length=100, example="invoice.paid",
                description="A declared action"),
    targetType=Text(max_length=100, description="What the event is about", example="invoice"),
    targetId=Text(max_length=200, description="Its id", example="inv_42"),
    organizationId=Uuid(description="The organization concerned"),
    metadata=Metadata(required=True, example={"amount": 42},
                      description="Checked against the action's schema"))
CSV_COLUMNS = ("id", "sequence", "occurredAt", "action", "actorType", "actorId", "actorName",
               "targetType", "targetId", "organizationId", "changes", "metadata",
               "clientAddress", "requestId", "hash", "previousHash")


def entry_record(row):
    """An audit entry as the API shows it."""
    return {"id": row["id"], "sequence": row["seq"], "action": row["action"],
            "occurredAt": row["created_at"][:19] + "Z",
            "actor": {"type": row["actor_type"], "id": row["actor_id"], "name": row["actor_name"]},
            "target": {"type": row["target_type"], "id": row["target_id"]},
            "organizationId": row["organization_id"], "changes": json.loads(row["changes"]),
            "metadata": json.loads(row["metadata"]),
            "context": {"clientAddress": row["client_address"], "requestId": row["request_id"]},
            "hash": row["hash"], "previousHash": row["prev_hash"]}


# A cell a spreadsheet would run as a formula begins with one of these (OWASP's CSV
# injection list); such a cell is written with a leading apostrophe, as the dashboard's
# own exports do, since key names and applications' target ids are anyone's text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """`value` as a CSV cell that a spreadsheet shows as text, never evaluates."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_row(record):
    """The CSV cells of an entry, in CSV_COLUMNS order, formulas neutralised."""
    flat = {**record, "actorType": record["actor"]["type"], "actorId": record["actor"]["id"],
            "actorName": record["actor"]["name"], "targetType": record["target"]["type"],
            "targetId": record["target"]["id"], "changes": json.dumps(record["changes"]),
            "metadata": json.dumps(record["metadata"]),
            "clientAddress": record["context"]["clientAddress"],
            "requestId": record["context"]["requestId"]}
    return [_cell(flat[name]) for name in CSV_COLUMNS]


def _filters(req):
    """The checked filters, an organization-scoped key held to its organization."""
    fields = {k: v for k, v in req.context.input.items() if k not in ("limit", "cursor", "format")}
    org_scope = req.context.caller.org_scope
    if org_scope is not None and fields.get("organization_id") not in (None, org_scope):
        raise ApiError("GR_ORG_SCOPE_VIOLATION", field="organizationId")
    return fields, org_scope


class AuditLogsResource(Resource):
    @operation("The audit log", name="listAuditLogs", scope="audit_logs:read",
               response={"type": "array", "items": schemas.AUDIT_ENTRY}, query=LIST,
               meta=schemas.AUDIT_META, description=(
                   "Who changed what, when, from where: every change made through Golden "
                   "Record, sign-ins and refused keys, and applications' own events, oldest "
                   "first. An organization-scoped key sees its organization's entries only."))
    def on_get(self, req, resp):
        fields, org_scope = _filters(req)
        limit = req.context.input["limit"]
        token = req.context.input.get("cursor")
        after = int(self.cursors.load(_LIST, token)[0]) if token else 0
        rows, more = self.store.audit.list(limit=limit, after=after, org_scope=org_scope,
                                           **fields)
        cursor = self.cursors.dump(_LIST, (str(rows[-1]["seq"]), "seq")) if more else None
        ok(req, resp, [entry_record(row) for row in rows],
           meta={"limit": limit, "hasMore": more, "nextCursor": cursor})


class AuditExportResource(Resource):
    @operation("Export the audit log (CSV or NDJSON, streamed)", name="exportAuditLogs",
               scope="audit_logs:read", response={"type": "string"}, query=EXPORT,
               media_type="text/csv", other_media_types=("application/x-ndjson",),
               envelope=False, description=(
                   "Every entry the filters select, oldest first, streamed as it is read: "
                   "`format=ndjson` (one entry per line, as the list shows it) or `csv` (one "
                   "row per entry, `changes` and `metadata` as JSON). Memory stays the same "
                   "whatever the size of the export."))
    def on_get(self, req, resp):
        fields, org_scope = _filters(req)
        rows = self.store.audit.iterate(org_scope=org_scope, **fields)
        if req.context.input["format"] == "csv":
            resp.content_type = "text/csv; charset=utf-8"
            resp.stream = _csv_lines(rows)
        else:
            resp.content_type = "application/x-ndjson"
            resp.stream = (json.dumps(entry_record(row), ensure_ascii=False).encode() + b"\n"
                           for row in rows)
        resp.set_header("Content-Disposition",
                        f'attachment; filename="audit-log.{req.context.input["format"]}"')


def _csv_lines(rows):
    """CSV lines, one encoded line at a time (a header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values):
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    yield line(CSV_COLUMNS)
    for row in rows:
        yield line(csv_row(entry_record(row)))


class AuditActionsResource(Resource):
    @operation("Declare an application action and its metadata's JSON Schema",
               name="declareAuditAction", scope="audit_logs:write",
               response=schemas.AUDIT_ACTION, status=201, body=DECLARE, every_organization=True,
               description=(
                   "Declares (or redeclares) an action applications record events of, with the "
                   "JSON Schema (2020-12) their `metadata` must meet; an invalid schema is 400 "
                   "naming `schema`. Names of the service's own entries (`organization.*`, "
                   "`api_key.*`, …) are refused. Global keys only: actions are shared."))
    def on_post(self, req, resp):
        fields = req.context.input
        if fields["name"].split(".")[0] in RESERVED:
            raise invalid("name", "This name is the service's own; choose another prefix")
        created(req, resp, self.store.audit.declare(fields["name"], fields.get("description"),
                                                    fields["schema"]))


class AuditEventsResource(Resource):
    @operation("Record an application's audit event", name="createAuditEvent",
               scope="audit_logs:write", response=schemas.AUDIT_ENTRY, status=201, body=RECORD,
               errors=("GR_ORG_SCOPE_VIOLATION", "GR_ORG_NOT_FOUND"), description=(
                   "Records an event of a declared action, by the calling key; `metadata` must "
                   "meet the action's schema (400 naming the field, `metadata.amount`). Send an "
                   "`Idempotency-Key` to retry safely. An organization-scoped key records "
                   "events of its own organization."))
    def on_post(self, req, resp):
        fields = dict(req.context.input)
        org_scope = req.context.caller.org_scope
        if org_scope is not None:
            if fields.get("organization_id") not in (None, org_scope):
                raise ApiError("GR_ORG_SCOPE_VIOLATION", field="organizationId")
            fields["organization_id"] = org_scope
        elif fields.get("organization_id") is not None:
            self.store.organizations.get(fields["organization_id"], field="organizationId")
        created(req, resp, entry_record(self.store.audit.record_application_event(**fields)))
