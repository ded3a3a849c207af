"""The mass-assignment sweep's machinery: the forms it submits and how it compares what
two submissions wrote.

A form is submitted twice from the same world, each time in a savepoint rolled back
afterwards: once as a browser would send it, once with fields the form does not have
(owner, organisation, role, status, case and referral ids, shared fields, activity
flags, erasure, password hash) aimed at another organisation's objects. Every row of
every table is read before and after each submission; the two sets of changes must be
the same. Values that differ between any two runs by nature (fresh ids, nonces, the
time of the request) are compared by kind, so a changed value still shows."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from referral.auth.models import User
from referral.extensions import db
from tests.conftest import Browser

OTHER_ID = str(uuid.uuid4())

# The trail: every request writes to it, identifiers only (proved in tests/audit).
NOT_COMPARED = {"audit_events", "audit_head"}


def hostile_fields(user_id, org_id, case_id) -> dict[str, str]:
    """Fields no form of this app offers, each aimed at an object the user must not
    reach (another person, organisation and case) or a state the form must not set."""
    user_id, org_id, case_id = str(user_id), str(org_id), str(case_id)
    return {
        "owner_id": user_id,
        "organisation_id": org_id,
        "to_org_id": org_id,
        "from_org_id": org_id,
        "user_id": user_id,
        "role": "admin",
        "status": "completed",
        "case_id": case_id,
        "referral_id": OTHER_ID,
        "shared_items": "narrative",
        "shared_fields": "narrative",
        "units": "narrative",
        "is_active": "n",
        "is_active_account": "n",
        "must_change_password": "y",
        "password_hash": "x",
        "erased_at": "2020-01-01",
        "case_code": "KG-2000-AAAAA",
        "created_by_id": user_id,
        "recorded_by_id": user_id,
        "assigned_to_id": user_id,
        "id": OTHER_ID,
        "org_type": "police",
        "lock_version": "7",
    }


def extras(world) -> dict[str, str]:
    """`hostile_fields` aimed at the world's other centre, its caseworker and case."""
    return hostile_fields(
        world.users["other_caseworker"].id,
        world.orgs["other_crisis"].id,
        world.get("other_org_case").id,
    )


@dataclass
class Form:
    """One form submitted by one role: the URL it posts to, and the values (a function
    of the world, which may first bring the world to the state the form needs)."""

    endpoint: str
    role: str
    url: Callable
    data: Callable | dict = field(default_factory=dict)
    expected: int = 302
    # The page whose form is submitted (its values as shown), then `data` on top.
    page: Callable | None = None

    @property
    def id(self) -> str:
        return f"{self.endpoint}-{self.role}"


class _Forms(HTMLParser):
    """The values a browser would submit for each form of a page, by action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._form: list | None = None
        self._select: tuple[str, list] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action") or "", [])
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._form.append(
                    (a["name"], a.get("value") or ("y" if kind == "checkbox" else ""))
                )
        elif tag == "select":
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea is not None and self._form:
            name, value = self._form[-1]
            self._form[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            self._form.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_of(browser, page: str, action: str | None = None) -> dict:
    """The form of `page` posting to `action` (default: the page itself), as a dict of
    lists (several values for a name stay several)."""
    parser = _Forms()
    response = browser.get(page)
    assert response.status_code == 200, page
    parser.feed(response.get_data(as_text=True))
    action = action or page
    matches = [values for url, values in parser.forms.items() if url in (action, "")]
    assert matches, f"no form posting to {action} on {page}"
    data: dict[str, list[str]] = {}
    for name, value in matches[0]:
        data.setdefault(name, []).append(value)
    data.pop("csrf_token", None)
    return data


def session_on(connection):
    # As tests/conftest.py: a view's commit releases a savepoint of the test's transaction.
    return scoped_session(
        sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    )


def snapshot() -> dict:
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_COMPARED:
            continue
        keys = [column.name for column in table.primary_key.columns]
        for row in db.session.execute(select(table)).mappings():
            rows[(table.name, tuple(str(row[k]) for k in keys))] = dict(row)
    return rows


def _kind(column: str, value, new_ids: set[str], now: datetime):
    """A value as compared across runs: what is fresh in every run by nature (ids of
    rows this run made, ciphertext and nonces, the time of the request) by its kind."""
    if value is None:
        return None
    if isinstance(value, bytes) or column.endswith("_ct"):
        # Sealed anew with a fresh nonce on every save; its length still tells a value
        # of another length apart.
        return f"<sealed, {len(value)}>"
    if column == "case_code" and str(value).startswith(f"KG-{now.year}-"):
        return "<fresh case code>"  # drawn at random for every new case
    if column == "storage_id" and re.fullmatch(r"[0-9a-f]{32}", str(value)):
        return "<fresh file name>"  # an attachment's file on disk, named at random
    if isinstance(value, str) and value.startswith("$argon2"):
        return "<fresh password hash>"  # salted anew for every password
    if isinstance(value, datetime):
        # Times the request took from its clock: now, or a deadline counted from now.
        hours = ((value if value.tzinfo else value.replace(tzinfo=UTC)) - now) / timedelta(hours=1)
        if abs(hours) < 1 / 6:
            return "<now>"
        if abs(hours) < 24 * 400:
            return f"<now {round(hours):+d}h>"
    if str(value) in new_ids:
        return "<new row>"
    if isinstance(value, str):
        for new_id in new_ids:
            value = value.replace(new_id, "<new row>")  # a link to a row just made
    if isinstance(value, date | datetime | uuid.UUID):
        return str(value)
    return value


def changes(before: dict, after: dict) -> dict:
    """What one submission wrote: changed columns of existing rows, rows removed, and
    the rows made (by table, as a sorted list, since their ids are fresh)."""
    now = datetime.now(UTC)
    made = after.keys() - before.keys()
    new_ids = {pk for _table, key in made for pk in key}
    result: dict = {"removed": sorted(before.keys() - after.keys())}
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        diff = {c: _kind(c, new[c], new_ids, now) for c in new if new[c] != old[c]}
        if diff:
            result[key] = diff
    for key in made:
        row = tuple(sorted((c, repr(_kind(c, v, new_ids, now))) for c, v in after[key].items()))
        result.setdefault(("made", key[0]), []).append(row)
    for key, value in result.items():
        if key[0] == "made":
            value.sort()
    return result


@dataclass(frozen=True)
class Upload:
    """A file field's value: a file name and its bytes."""

    name: str
    content: bytes


def submit(
    app, connection, user_id, url: str, data: dict, page: str | None = None, added=None
) -> tuple[int, dict, int]:
    """Post `data` to `url` as the user (on top of the form of `page` as shown, if
    given), plus the `added` fields, in a savepoint rolled back afterwards; the answer's
    status, what the request wrote and how many fields were added."""
    savepoint = connection.begin_nested()
    original = db.session
    db.session = session_on(connection)
    try:
        browser = Browser(app)
        browser.sign_in(db.session.get(User, user_id))
        if page is not None:
            data = {**form_of(browser, page, url), **data}
        added = {k: v for k, v in (added or {}).items() if k not in data}
        # A file is read by the request: each submission gets a stream of its own.
        data = {
            k: (io.BytesIO(v.content), v.name) if isinstance(v, Upload) else v
            for k, v in data.items()
        }
        before = snapshot()
        response = browser.post(url, {**data, **added})
        return response.status_code, changes(before, snapshot()), len(added)
    finally:
        db.session.remove()
        db.session = original
        savepoint.rollback()


def differences(plain: dict, tampered: dict) -> list[str]:
    keys = sorted(plain.keys() | tampered.keys(), key=str)
    return [
        f"{key}: {plain.get(key)!r} -> {tampered.get(key)!r}"
        for key in keys
        if plain.get(key) != tampered.get(key)
    ]
