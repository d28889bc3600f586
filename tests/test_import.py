"""`goldenrecord import` (cli/importing.py): records checked by the API's rules, written a
batch per transaction, every bad line named by number and field."""
import io
import json
import subprocess
import sys

import pytest

from goldenrecord.cli import importing
from process import ROOT
from support import assert_envelope


def _ndjson(*records):
    return io.StringIO("".join(json.dumps(record) + "\n" for record in records))


def _import(store, kind, text, file_format="ndjson", **options):
    return importing.import_records(store, kind, importing.records(text, file_format), **options)


def _listed(client, admin, path, **params):
    result = client.simulate_get(path, headers=admin, params={"limit": 100, **params})
    return assert_envelope(result, 200), result.json["meta"]["total"]


def test_imported_organizations_are_what_the_api_creates(store, client, admin):
    outcome = _import(store, "organizations", _ndjson(
        {"name": "Acme Corporation", "slug": "acme", "domain": "acme.com", "metadata": {"t": 1}},
        {"name": "Beta", "slug": "beta"}))
    assert (outcome.written, outcome.refused_batches, outcome.errors) == (2, 0, [])
    items, total = _listed(client, admin, "/api/v1/organizations", includeStaging="true")
    assert total == 2
    assert {(o["slug"], o["domain"], o["isVerified"]) for o in items} == {
        ("acme", "acme.com", False), ("beta", None, False)}
    found, _ = _listed(client, admin, "/api/v1/organizations", search="acme corp",
                       includeStaging="true")
    assert [o["slug"] for o in found] == ["acme"]  # indexed for search like an API create
    events = store.db.execute_sql(
        "SELECT count(*) FROM event WHERE type = 'organization.created'").fetchone()[0]
    assert events == 2


def test_a_batch_with_a_bad_line_is_not_written_and_each_bad_line_is_named(store, client, admin):
    outcome = _import(store, "organizations", _ndjson(
        {"name": "One", "slug": "one"},          # line 1, batch 1: fine
        {"name": "Two", "slug": "Not A Slug"},   # line 2, batch 1: bad slug
        {"name": "Three", "slug": "three"},      # line 3, batch 2: fine
        {"name": "Four", "slug": "four"},        # line 4, batch 2: fine
        {"slug": "five"},                        # line 5, batch 3: no name
        {"name": "Six", "slug": "six", "colour": "red"}), batch_size=2)  # line 6: unknown field
    assert outcome.written == 2
    assert outcome.refused_batches == 2
    assert [(e.line, e.field) for e in outcome.errors] == [(2, "slug"), (5, "name"), (6, "colour")]
    assert str(outcome.errors[0]) == "line 2: slug: slug is not valid"
    _, total = _listed(client, admin, "/api/v1/organizations", includeStaging="true")
    assert total == 2
    slugs = {row[0] for row in store.db.execute_sql("SELECT slug FROM organization")}
    assert slugs == {"three", "four"}


def test_a_duplicate_rolls_back_the_records_before_it_in_its_batch(store, client, admin):
    _import(store, "users", _ndjson({"email": "taken@example.com"}))
    outcome = _import(store, "users", _ndjson(
        {"email": "new@example.com", "firstName": "New"},
        {"email": "TAKEN@example.com"},
        {"email": "new@example.com"}))
    assert outcome.written == 0
    assert [(e.line, e.field) for e in outcome.errors] == [(2, "email")]
    items, total = _listed(client, admin, "/api/v1/users")
    assert total == 1 and items[0]["email"] == "taken@example.com"
    assert store.db.execute_sql(
        "SELECT count(*) FROM event WHERE type = 'user.created'").fetchone()[0] == 1


def test_memberships_from_csv(store, client, admin, make):
    org, user = make.org(), make.user()
    text = io.StringIO("organizationId,userId,roleId,isOwner\n"
                       f"{org['id']},{user['id']},role_admin,true\n"
                       f"{org['id']},00000000-0000-4000-8000-000000000000,,\n")
    outcome = _import(store, "memberships", text, "csv", batch_size=1)
    assert outcome.written == 1
    assert [(e.line, e.field) for e in outcome.errors] == [(3, "userId")]
    items, total = _listed(client, admin, "/api/v1/memberships", organizationId=org["id"])
    assert total == 1
    assert (items[0]["roleId"], items[0]["isOwner"]) == ("role_admin", True)


def test_csv_and_ndjson_lines_that_cannot_be_read_are_named(store):
    csv_outcome = _import(store, "organizations", io.StringIO(
        'name,slug,metadata\nA,a,"{not json"\n'), "csv")
    assert [(e.line, e.field) for e in csv_outcome.errors] == [(2, "metadata")]
    json_outcome = _import(store, "organizations", io.StringIO('{"name": "A", "slug": "a"}\n[1\n'))
    assert [(e.line, e.field) for e in json_outcome.errors] == [(2, None)]
    assert json_outcome.written == 0


@pytest.mark.slow
def test_the_import_command_reports_lines_and_exits_1_on_a_refused_batch(tmp_path):
    source = tmp_path / "orgs.csv"
    source.write_text("name,slug\nAcme,acme\nBad,Bad Slug\n")
    command = [sys.executable, str(ROOT / "goldenrecord.py"), "import", str(source),
               "--kind", "organizations", "--db", str(tmp_path / "i.db")]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1, refused.stderr
    assert f"{source}: line 3: slug: slug is not valid" in refused.stderr
    assert json.loads(refused.stdout) == {"written": 0, "refusedBatches": 1, "errors": 1}
    source.write_text("name,slug\nAcme,acme\n")
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"written": 1, "refusedBatches": 0, "errors": 0}
