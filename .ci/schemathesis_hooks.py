"""Schemathesis hooks for .ci/schemathesis: what a schema cannot say about the seeded database.

- Authentication: the seeded token on every operation that needs one, except
  `DELETE auth/token`, which revokes the token it is called with: it gets a fresh token of
  its own each time (issued by `POST auth/token`), so the rest of the run stays authenticated.
- Existing references in positive cases: a valid-looking UUID in `person_id` (and the other
  references), `labels` or `user_owner_id` that names no row is rightly 422 ("The selected
  person id is invalid."), but "exists" is not something a JSON schema can express. So in a
  case generated to be valid, such values are swapped for ids of seeded rows, and the path's
  `{uuid}` mostly for a live lead (some stay random: 404 is an acceptable answer to a valid
  request), also when only the body is invalid, so that updates are validated on real leads.
- Credentials: wrong ones are a 422 by contract, so a well-formed email and password are
  swapped for the seeded user's in every case, valid or not (see before_call).
- Header values HTTP cannot carry (control characters, leading or trailing white space:
  RFC 9110 field-value) are dropped before sending: the client library refuses to send
  them, so such a case would end as the runner's own network error, never reaching leadsd.
- A body of JSON white space only (say `\r`) is not generated: it is an empty body, which
  counts as `{}` (contract §5, and what Laravel does with it), so a write that accepts it is
  right; the document says so. Every other malformed body still is generated and must be 400.

The seed (ids, credentials, base URL) comes from the JSON file named by
LEADSD_SCHEMATHESIS_SEED, written by .ci/schemathesis.
"""

import json
import os
import re
import threading
import zlib

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

with open(os.environ["LEADSD_SCHEMATHESIS_SEED"], encoding="utf-8") as seed_file:
    SEED = json.load(seed_file)

UUID = re.compile(r"^[ \t\n\r\x0b\x00]*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}[ \t\n\r\x0b\x00]*$")
REFERENCES = {
    "person_id": "persons",
    "organization_id": "organizations",
    "lead_source_id": "lead_sources",
    "pipeline_stage_id": "pipeline_stages",
}

# What `POST auth/token` trims: Unicode White_Space and NUL.
LOGIN_SPACE = "\x00\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def _is_email_address(text):
    """The server's test of an address (LoginRequest.isEmailAddress)."""
    parts = text.split("@")
    if len(text.encode("utf-8")) > 254 or len(parts) != 2 or not parts[0] or not parts[1]:
        return False
    if len(parts[0].encode("utf-8")) > 64:
        return False
    for part in parts:
        if any(ord(c) < 0x20 or ord(c) == 0x7F or c in ' \t\r\n<>()[],;:\\"' for c in part):
            return False
        if part.startswith(".") or part.endswith(".") or ".." in part:
            return False
    return True


# Live leads: the seeded ones, plus those the run creates, minus those it deletes.
_leads_lock = threading.Lock()
_live_leads = list(SEED["leads"])


def _pick(choices, value):
    """A choice derived from the generated value (no random state of our own), so a replayed
    seed picks the same rows as far as the set of live leads allows."""
    return choices[zlib.crc32(repr(value).encode("utf-8")) % len(choices)]


def _is_positive(case, location):
    meta = case.meta
    return meta is not None and not meta.is_negative_at(location)


@schemathesis.auth(refresh_interval=None).apply_to(method="DELETE", path="/auth/token")
class FreshTokenToRevoke:
    """A token of its own for each `DELETE auth/token`."""

    def get(self, case, context):
        response = requests.post(
            SEED["base_url"] + "/auth/token",
            json={"email": SEED["email"], "password": SEED["password"], "device_name": "schemathesis revoke"},
            verify=False,
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.auth().skip_for(operation_id=["issueToken", "openAPIDocument"])
class SeededToken:
    """The token `leadsd token issue` printed for the seeded user (abilities `*`)."""

    def get(self, case, context):
        return SEED["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _existing_references(body):
    for field, kind in REFERENCES.items():
        value = body.get(field)
        if isinstance(value, str) and UUID.match(value):
            body[field] = _pick(SEED[kind], value)
    labels = body.get("labels")
    if isinstance(labels, list):
        body["labels"] = [
            _pick(SEED["labels"], item) if isinstance(item, str) and UUID.match(item) else item for item in labels
        ]
    owner = body.get("user_owner_id")
    if isinstance(owner, bool):
        pass
    elif isinstance(owner, int):
        body["user_owner_id"] = _pick(SEED["users"], owner)
    elif isinstance(owner, float) and owner.is_integer():
        # 2693.0 is an integer to JSON Schema and to the server alike.
        body["user_owner_id"] = float(_pick(SEED["users"], owner))
    elif isinstance(owner, str) and owner.strip(" \t\n\r\x0b\x00"):
        body["user_owner_id"] = str(_pick(SEED["users"], owner))


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = case.operation
    method, path = operation.method.upper(), operation.path
    if path == "/leads/{uuid}" and _is_positive(case, ParameterLocation.PATH):
        value = (case.path_parameters or {}).get("uuid")
        with _leads_lock:
            live = list(_live_leads)
        # One in four stays as generated: an unknown lead is a 404, also an answer to check.
        if live and zlib.crc32(repr(value).encode("utf-8")) % 4 != 0:
            case.path_parameters = {**case.path_parameters, "uuid": _pick(live, value)}
    if not isinstance(case.body, dict):
        return
    if path.startswith("/leads") and method in ("POST", "PUT", "PATCH"):
        if _is_positive(case, ParameterLocation.BODY):
            _existing_references(case.body)
    elif path == "/auth/token" and method == "POST":
        # Negative cases too: with the right credentials a bad device_name must still be
        # refused (422), not reach the database. An email or password that breaks the rules
        # stays as generated, so those refusals are still tested.
        email = case.body.get("email")
        if isinstance(email, str) and _is_email_address(email.strip(LOGIN_SPACE)):
            case.body["email"] = SEED["email"]
        password = case.body.get("password")
        if isinstance(password, str) and password.strip(LOGIN_SPACE):
            case.body["password"] = SEED["password"]


@schemathesis.hook
def after_call(context, case, response):
    operation = case.operation
    method, path = operation.method.upper(), operation.path
    if method == "POST" and path == "/leads" and response.status_code == 201:
        with _leads_lock:
            _live_leads.append(response.json()["data"]["id"])
    elif method == "DELETE" and path == "/leads/{uuid}" and response.status_code == 204:
        with _leads_lock:
            uuid = (case.path_parameters or {}).get("uuid")
            if uuid in _live_leads and len(_live_leads) > 1:
                _live_leads.remove(uuid)


# RFC 9110 field-value: visible characters and obs-text, with spaces and tabs inside only.
FIELD_VALUE = re.compile(r"^(?:[\x21-\x7e\x80-\xff](?:[\x20\x09\x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$")


@schemathesis.hook
def filter_headers(context, headers):
    return headers is None or all(FIELD_VALUE.match(str(value)) for value in headers.values())



JSON_WHITE_SPACE = frozenset(b" \t\n\r")


@schemathesis.hook
def filter_body(context, body):
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if isinstance(raw, (bytes, bytearray)) and raw and all(byte in JSON_WHITE_SPACE for byte in raw):
        return False
    return True
