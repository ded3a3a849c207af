"""Mass assignment: the POST forms that change a case, a consent, an incident, a
referral, a user account and an organisation, submitted as the page offers them plus
fields the form does not have (owner, organisation, role, status, case and referral ids,
shared fields, activity flags), change nothing beyond what the form allows.

Each test loads the page, submits its form with every value as shown, one allowed
change and the extra fields, then compares every column of the stored rows before and
after: only the listed columns may differ."""

from __future__ import annotations

import re
import uuid
from datetime import date
from html.parser import HTMLParser

import sqlalchemy as sa
from sqlalchemy import select

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import Case, Consent
from referral.cases.service import incidents
from referral.cases.service.common import today
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
from tests.access.referrals import send

OTHER_ID = str(uuid.uuid4())


def extras(world_ids: dict) -> dict:
    """Fields no form of this app offers, each aimed at an object the user must not
    reach or a state the form must not set."""
    return {
        "owner_id": world_ids["user"],
        "organisation_id": world_ids["org"],
        "to_org_id": world_ids["org"],
        "from_org_id": world_ids["org"],
        "role": "admin",
        "status": "completed",
        "case_id": world_ids["case"],
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
        "created_by_id": world_ids["user"],
        "recorded_by_id": world_ids["user"],
        "id": OTHER_ID,
        "org_type": "police",
    }


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


def submit(browser, url: str, data: dict, extra: dict):
    """Post the form with the extra fields the form does not have."""
    added = {k: v for k, v in extra.items() if k not in data}
    assert added, "every extra field is a field of this form"
    response = browser.post(url, {**data, **added})
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert response.status_code == 302, (response.status_code, errors)
    return response


def columns(row) -> dict:
    db.session.expire_all()
    row = db.session.get(type(row), row.id)
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(type(row)).column_attrs}


def changed(before: dict, after: dict) -> set[str]:
    return {key for key in before if before[key] != after[key]}


def _world():
    crisis = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    other = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=crisis)
    stranger = factories.UserFactory(role=Role.CASEWORKER, organisation=other)
    theirs = cases.open_case(stranger, cases.CaseInput(full_name="Other Case"))
    db.session.flush()
    ids = {"user": str(stranger.id), "org": str(other.id), "case": str(theirs.id)}
    return worker, theirs, ids


def _case(worker):
    case = cases.open_case(worker, cases.CaseInput(full_name="Aigul Toktogulova", phone=""))
    db.session.flush()
    return case


CIPHERTEXT = {attr.key for attr in sa.inspect(Case).column_attrs if attr.key.endswith("_ct")}


def _plain(user, case) -> dict:
    db.session.expire_all()
    detail = cases.read_case(user, db.session.get(Case, case.id))
    return {k: v for k, v in vars(detail).items() if not k.startswith("_")}


def test_editing_a_case_changes_only_its_fields(make_browser):
    worker, theirs, ids = _world()
    case = _case(worker)
    browser = make_browser()
    browser.sign_in(worker)
    url = f"/cases/{case.id}/edit"
    data = form_of(browser, url)
    data["full_name"] = ["Aigul Changed"]
    before, other_before, shown = columns(case), columns(theirs), _plain(worker, case)
    submit(browser, url, data, extras(ids))
    after = columns(case)
    # A save seals every field anew (fresh nonces): the ciphertexts all differ, so the
    # values are compared decrypted.
    assert changed(before, after) - CIPHERTEXT <= {"lock_version", "updated_at"}
    assert changed(shown, _plain(worker, case)) - {"lock_version", "updated_at"} == {"full_name"}
    assert changed(other_before, columns(theirs)) == set()


def test_recording_consent_writes_one_row_of_this_case_by_this_user(make_browser):
    worker, _theirs, ids = _world()
    case = _case(worker)
    browser = make_browser()
    browser.sign_in(worker)
    url = f"/cases/{case.id}/consent/new"
    data = form_of(browser, url)
    data.update(kind=["services"], decision=["given"], given_by=["survivor"], method=["verbal"])
    data["mandatory_reporting_explained"] = ["y"]
    data["given_on"] = [today().isoformat()]
    before = columns(case)
    submit(browser, url, data, extras(ids))
    rows = db.session.execute(select(Consent)).scalars().all()
    assert [(r.case_id, r.recorded_by_id, r.kind.value, r.decision.value) for r in rows] == [
        (case.id, worker.id, "services", "given")
    ]
    assert str(rows[0].id) != OTHER_ID
    assert changed(before, columns(case)) <= {"lock_version", "updated_at"}


def test_editing_an_incident_keeps_it_on_its_case(make_browser):
    worker, _theirs, ids = _world()
    case = _case(worker)
    incident = incidents.add_incident(
        worker,
        case,
        incidents.IncidentInput(incident_date=date(2026, 1, 5), q_penetration=True),
    )
    db.session.flush()
    browser = make_browser()
    browser.sign_in(worker)
    url = f"/cases/{case.id}/incidents/{incident.id}/edit"
    data = form_of(browser, url)
    data["previous_incidents"] = ["y"]
    before = columns(incident)
    submit(browser, url, data, extras(ids))
    assert changed(before, columns(incident)) <= {
        "previous_incidents",
        "narrative_ct",  # sealed anew on every save, like every encrypted field
        "lock_version",
        "updated_at",
    }
    assert columns(incident)["case_id"] == case.id


def test_a_providers_step_sets_only_that_step(make_browser):
    from tests.access.matrix import World

    world = World.build()
    referral = send(world, world.orgs["police"])
    _worker, _theirs, ids = _world()
    officer = world.users["provider"]
    browser = make_browser()
    browser.sign_in(officer)
    page = f"/referrals/{referral.id}"
    action = f"/referrals/{referral.id}/provider/decline"
    data = form_of(browser, page, action)
    data["decline_reason"] = [data.get("decline_reason", [""])[0] or "service_unavailable"]
    before = columns(referral)
    submit(browser, action, data, extras(ids))
    after = columns(referral)
    assert after["status"].value == "declined"
    assert changed(before, after) <= {
        "status",
        "decline_reason",
        "responded_at",
        "closed_at",
        "feedback_ct",
        "lock_version",
        "updated_at",
    }
    assert after["shared_items"] == before["shared_items"]


def test_editing_an_account_changes_only_what_the_form_shows(make_browser):
    admin = factories.UserFactory(role=Role.ADMIN)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    _worker, _theirs, ids = _world()
    browser = make_browser()
    browser.sign_in(admin)
    url = f"/admin/users/{officer.id}"
    data = form_of(browser, url)
    data["full_name"] = ["Officer Renamed"]
    before = columns(officer)
    submit(browser, url, data, extras(ids))
    assert changed(before, columns(officer)) <= {"full_name", "updated_at"}
    assert "full_name" in changed(before, columns(officer))


def test_a_provider_editing_their_organisation_changes_only_its_entry(make_browser):
    police = factories.OrganisationFactory(
        org_type=OrganisationType.POLICE, location_id=factories.LocationFactory().id
    )
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    _worker, _theirs, ids = _world()
    browser = make_browser()
    browser.sign_in(officer)
    url = f"/directory/organisations/{police.id}/edit"
    data = form_of(browser, url)
    data["website"] = ["https://police.example.kg"]
    before = columns(police)
    submit(browser, url, data, extras(ids))
    assert changed(before, columns(police)) <= {"website", "updated_at"}
    assert columns(police)["website"] == "https://police.example.kg"
