"""/api/v1/organizations/bulk and /api/v1/users/bulk: many creates, all or nothing, with a
dry run that lists every problem first.

The dashboard's CSV import previews a file before writing it; the CLI's `goldenrecord
import` needs shell access to the host. Each record is what the one-record create takes,
checked by the same rules (that create's Body) and written by the same store bulk create
(`create_many`: one write transaction, the same rows, search entries and events), so a
bulk create makes exactly what the creates one by one would have, or nothing.
"""
from goldenrecord.store import OutOfScope, StoreError, records

from . import organizations, users
from .errors import ApiError
from .inputs import Body, Bool, Field, invalid
from .operations import operation
from .resource import Resource
from .responses import ok
from . import schemas

MAX_RECORDS = 1000


class Records(Field):
    """A non-empty array of records of `body`, checked row by row by the responder, so that
    one answer names every bad row rather than the first."""

    type_name = "array"

    def __init__(self, body, **kw):
        super().__init__(**kw)
        self.body = body

    def check(self, value, name):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_RECORDS:
            raise invalid(name, f"{name} must be an array of 1 to {MAX_RECORDS} records",
                          minItems=1, maxItems=MAX_RECORDS)
        return value

    def own_schema(self):
        return {"type": "array", "items": self.body.schema(), "minItems": 1, "maxItems": MAX_RECORDS}

    def readable_rule(self):
        return f"1–{MAX_RECORDS} records, each as the one-record create takes it"


def bulk_body(create, what):
    return Body(records=Records(create, required=True, description=f"The {what} to create"),
                dryRun=Bool(description=(
                    "True: check everything, write nothing (a preview); absent: false"), example=True))


def _result(schema_name):
    return schemas.closed(
        dryRun=schemas.described(schemas.BOOL, "Whether this was a preview"),
        count=schemas.described(schemas.INT, "How many records were checked (and, unless a "
                                              "dry run, created)"),
        created=schemas.described({"type": "array", "items": schemas.ref(schema_name)},
                                  "What was created, in the order given (empty in a dry run)"))


def _row_problems(create, collaborator, rows):
    """The checked rows, and every problem as {index, field, message}: each row's first
    broken rule, then every uniqueness conflict among the rows that passed."""
    checked, problems = [], []
    for index, row in enumerate(rows):
        try:
            if not isinstance(row, dict):
                raise invalid(None, "A record must be a JSON object")
            checked.append((index, create.parse(row)))
        except StoreError as error:
            problems.append({"index": index, "field": getattr(error, "field", None),
                             "message": str(error)})
    for position, conflict in collaborator.refusals([values for _, values in checked]):
        problems.append({"index": checked[position][0], "field": conflict.field,
                         "message": str(conflict)})
    return [values for _, values in checked], sorted(problems, key=lambda p: p["index"])


_REFUSED = ("Nothing is written when any record is refused: 400 `GR_VALIDATION_ERROR`, field "
            "`records`, with `details.rows` listing every problem as `{index, field, message}` "
            "(index from 0). With `dryRun: true` the same checks run and nothing is written "
            "either way: a preview. ")


class _BulkResource(Resource):
    create_body = None
    noun = ""
    serialize = None

    def bulk(self, req, resp, org_scope_allowed):
        caller_scope = req.context.caller.org_scope
        params = req.context.input
        collaborator = getattr(self.store, self.noun)
        values, problems = _row_problems(self.create_body, collaborator, params["records"])
        if problems:
            raise ApiError("GR_VALIDATION_ERROR",
                           f"{len(problems)} problem(s) in {len(params['records'])} records: "
                           "nothing was written", field="records", details={"rows": problems})
        answer = {"dryRun": params.get("dry_run", False), "count": len(values), "created": []}
        if params.get("dry_run", False):
            ok(req, resp, answer)
            return
        extra = {"org_scope": caller_scope} if org_scope_allowed else {}
        try:
            made = collaborator.create_many(values, **extra)
        except StoreError as error:  # a record written by someone else since the check
            position = getattr(error, "position", None)
            raise ApiError("GR_VALIDATION_ERROR", f"Nothing was written: {error}", field="records",
                           details={"rows": [{"index": position, "field": getattr(error, "field", None),
                                              "message": str(error)}]})
        # 200 either way (a dry run creates nothing), so the document states one answer
        ok(req, resp, {**answer, "created": [type(self).serialize(row) for row in made]})


ORGANIZATIONS = bulk_body(organizations.CREATE, "organizations")
USERS = bulk_body(users.CREATE, "users")


class OrganizationsBulkResource(_BulkResource):
    create_body = organizations.CREATE
    noun = "organizations"
    serialize = records.organization

    @operation("Create many organizations, all or nothing (or preview them)",
               name="bulkCreateOrganizations", scope="organizations:create",
               response=_result("Organization"), body=ORGANIZATIONS,
               errors=("GR_ORG_SCOPE_VIOLATION",), description=(
                   _REFUSED + "Answers 200 with the organizations created (in staging, like "
                   "any new one), none in a dry run. An organization-scoped key cannot create "
                   "organizations (403 `GR_ORG_SCOPE_VIOLATION`). Emits "
                   "`organization.created` for each."))
    def on_post(self, req, resp):
        if req.context.caller.org_scope is not None:
            raise OutOfScope("An organization-scoped API key cannot create organizations")
        self.bulk(req, resp, org_scope_allowed=False)


class UsersBulkResource(_BulkResource):
    create_body = users.CREATE
    noun = "users"
    serialize = records.user

    @operation("Create many users, all or nothing (or preview them)", name="bulkCreateUsers",
               scope="users:create", response=_result("User"), body=USERS,
               description=(
                   _REFUSED + "Answers 200 with the users created, none in a dry run. With an "
                   "organization-scoped key each new user joins that organization as a "
                   "member, as with one create. Emits `user.created` for each."))
    def on_post(self, req, resp):
        self.bulk(req, resp, org_scope_allowed=True)
