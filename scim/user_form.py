"""A SCIM User's representation (RFC 7643 §4.1): a member as SCIM shows them, and what a
SCIM User sent means for the store.

`userName` is the IdP's own name for the person (an employee number, a login, often an
email), kept apart from the email and unique, without regard to case, among the
organization's SCIM users. The user's email comes from `emails` (the primary one, else
the work one, else the first), or from userName when it is an email; a User with neither
is refused (400 naming `emails`): a Golden Record user has an email. `emails` is shown as
the IdP sent it, the chosen entry showing the email Golden Record keeps.
"""
from goldenrecord.restapi.external import external_id_field
from goldenrecord.store.records import timestamp
from goldenrecord.store.rules import USER_PROFILE, Email, Text

from .errors import invalid
from .responses import versioned

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
MAX_EMAILS = 20

_USER_NAME = Text(max_length=254)
_EMAIL = Email()
_TYPE = Text(max_length=50, nullable=True)
_DISPLAY = Text(max_length=254, nullable=True)
_EXTERNAL_ID = external_id_field("user")
_FIRST, _LAST = USER_PROFILE["firstName"], USER_PROFILE["lastName"]


def user_document(membership, base):
    """The SCIM User a membership (its user and SCIM row loaded) is."""
    user, row = membership.user, getattr(membership, "scim", None)
    if row is not None and row.user_name is None:
        row = None  # the outer join found no SCIM row
    name = {key: value for key, value in (("givenName", user.first_name),
                                          ("familyName", user.last_name)) if value is not None}
    formatted = " ".join(part for part in (user.first_name, user.last_name) if part)
    user_name = user.email if row is None else row.user_name
    document = {
        "schemas": [USER_SCHEMA],
        "id": user.id,
        "userName": user_name,
        "displayName": formatted or user_name,
        "emails": _shown_emails(None if row is None else row.emails, user.email),
        "active": membership.status == "active" and user.is_active,
        "meta": {"resourceType": "User", "created": timestamp(membership.created_at),
                 "lastModified": timestamp(max(user.updated_at, membership.updated_at)),
                 "location": f"{base}/Users/{user.id}"},
    }
    if name:
        document["name"] = name
    if user.external_id is not None:
        document["externalId"] = user.external_id
    return versioned(document)


def _shown_emails(emails, email):
    """The IdP's `emails`, the chosen one showing `email` (the one Golden Record keeps,
    which the API may have changed since); none sent: `email` as the primary work one."""
    if not emails:
        return [{"value": email, "type": "work", "primary": True}]
    shown = [dict(entry) for entry in emails]
    shown[_chosen(shown)]["value"] = email
    return shown


def _chosen(emails):
    """The position of the email a user keeps: the primary, else the work one, else the
    first (RFC 7643 §4.1.2: `primary` marks the preferred one)."""
    for wanted in (lambda e: e.get("primary") is True, lambda e: e.get("type") == "work"):
        for position, entry in enumerate(emails):
            if wanted(entry):
                return position
    return 0


def user_fields(document):
    """(user model fields, userName, emails as kept, active) from a SCIM User. Attributes
    Golden Record does not keep are ignored, as RFC 7644 lets a service provider do."""
    document = {key.lower(): value for key, value in document.items()}
    user_name = _USER_NAME.clean(document.get("username"), "userName")
    emails = _emails(document.get("emails"))
    if emails:
        email = emails[_chosen(emails)]["value"]
    elif _EMAIL.regex.match(user_name):
        email = _EMAIL.clean(user_name, "userName")
    else:
        raise invalid("invalidValue", "emails: a user needs an email: send `emails`, or a "
                      "userName that is an email address", "emails")
    fields = {"email": email}
    name = document.get("name") or {}
    if not isinstance(name, dict):
        raise invalid("invalidValue", "name must be an object", "name")
    name = {key.lower(): value for key, value in name.items()}
    fields["first_name"] = _FIRST.clean(name.get("givenname"), "name.givenName")
    fields["last_name"] = _LAST.clean(name.get("familyname"), "name.familyName")
    fields["external_id"] = _EXTERNAL_ID.clean(document.get("externalid"), "externalId")
    if emails == _shown_emails(None, email):
        emails = []  # what is shown when none are kept: nothing to keep
    return fields, user_name, emails or None, _boolean(document.get("active", True), "active")


def _emails(emails):
    """`emails` as kept: each entry's value (an email address), type, primary and display;
    [] for none."""
    if emails is None:
        return []
    if not isinstance(emails, list) or len(emails) > MAX_EMAILS:
        raise invalid("invalidValue", f"emails must be a list of at most {MAX_EMAILS}",
                      "emails")
    kept = []
    for position, entry in enumerate(emails):
        where = f"emails[{position}]"
        if not isinstance(entry, dict):
            raise invalid("invalidValue", f"{where} must be an object", where)
        entry = {key.lower(): value for key, value in entry.items()}
        item = {"value": _EMAIL.clean(entry.get("value"), f"{where}.value")}
        for key, rule in (("type", _TYPE), ("display", _DISPLAY)):
            value = rule.clean(entry.get(key), f"{where}.{key}")
            if value is not None:
                item[key] = value
        if entry.get("primary") is not None:
            item["primary"] = _boolean(entry["primary"], f"{where}.primary")
        kept.append(item)
    return kept


def _boolean(value, field):
    """A SCIM boolean; Entra ID has sent "True"/"False" as strings, taken as meant."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise invalid("invalidValue", f"{field} must be a boolean", field)
    return value
