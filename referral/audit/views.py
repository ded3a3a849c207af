"""The audit trail for auditors (read, filter, verify), admins (metadata only), and, for
one case, its caseworkers and supervisors (who looked at it).

Events hold identifiers and codes only, so auditors and admins see the same columns;
neither gets any path to case content from here.
"""

import re
import uuid

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from referral.audit import browse, exports, service
from referral.audit.forms import TrailFilterForm
from referral.audit.vocabulary import (
    ACTION_LABELS,
    action_label,
    detail_label,
    role_label,
    units_label,
)
from referral.auth import service as accounts
from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.auth.permissions import Permission
from referral.cases import policy as case_policy
from referral.cases import service as cases
from referral.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.context_processor
def _labels():
    return {
        "action_label": action_label,
        "detail_label": detail_label,
        "role_label": role_label,
        "units_label": units_label,
    }


# An export holds at most this many of the newest matching entries; narrower filters
# reach older ones. Big enough for a month of a centre's trail, small enough for memory.
EXPORT_LIMIT = 20_000
MAX_SEQ = 2**63 - 1  # BIGINT: a larger number would overflow the query, not find anything
CASE_CODE = re.compile(r"^KG-\d{4}-[A-Z0-9]{5}$", re.IGNORECASE)

BREAKS = {
    "missing": _l("Entry %(seq)s is missing or out of order."),
    "broken_link": _l("Entry %(seq)s does not link to the entry before it."),
    "altered": _l("Entry %(seq)s was altered."),
    "unknown_key": _l("Entry %(seq)s is sealed with a key this server does not hold."),
    "head_missing": _l("The chain's head record is missing."),
    "head_mismatch": _l("The chain ends at entry %(last)s, but its head record says otherwise."),
    "truncated": _l(
        "Entries were cut off after entry %(last)s: checkpoint %(checkpoint)s names a later one."
    ),
    "rewritten": _l("Entry %(seq)s differs from checkpoint %(checkpoint)s."),
    "checkpoint_invalid": _l(
        "Line %(line)s of the checkpoint file is unreadable or not signed with our key."
    ),
    "unsealed": _l("%(unsealed)s entries older than a minute were never sealed."),
}


def _before() -> int | None:
    before = request.args.get("before", type=int)
    if before is not None and not 1 <= before <= MAX_SEQ:
        return None  # out of any trail's range: show the newest events
    return before


def _filters(form: TrailFilterForm) -> browse.TrailFilters | None:
    """The filters the form asks for, or None with the errors on the form."""
    actor_id = target = None
    if form.actor.data:
        user = accounts.get_user_by_username(form.actor.data)
        if user is None:
            form.actor.errors.append(_("No account has this user name."))
            return None
        actor_id = user.id
    if form.target.data:
        target = form.target.data
        try:
            target = str(uuid.UUID(target))
        except ValueError:
            if CASE_CODE.match(target):
                case_id = cases.case_id_for_code(target)
                if case_id is None:
                    form.target.errors.append(_("No case has this code."))
                    return None
                target = str(case_id)
    return browse.TrailFilters(
        actor_id=actor_id,
        action=form.action.data or None,
        target_id=target,
        since=form.since.data,
        until=form.until.data,
    )


def _filter_form() -> TrailFilterForm:
    form = TrailFilterForm(request.args)
    form.action.choices = [("", _("Any event"))] + [
        (code, action_label(code)) for code in browse.actions_present()
    ]
    return form


@bp.get("/")
@require(Permission.AUDIT_READ, Permission.AUDIT_METADATA)
def index():
    form = _filter_form()
    filters = _filters(form) if form.validate() else None
    if filters is None:
        return render_template("audit/index.html", form=form, page=None, args={}), 422
    page = browse.trail_page(filters, before=_before())
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("audit/index.html", form=form, page=page, args=args)


def _identifier(target: str | None) -> str | None:
    """The object filter as the entry may hold it: an id; any other text typed in the
    box (it found nothing) is not copied into the trail."""
    if target is None:
        return None
    try:
        return str(uuid.UUID(target))
    except ValueError:
        return "other"


def _code(action: str | None) -> str | None:
    if action is None:
        return None
    return action if action in ACTION_LABELS else "other"


@bp.get("/export.csv")
@require(Permission.AUDIT_READ)
def export_csv():
    """The entries the console shows for the same filters, newest first, as CSV. The
    export is itself an entry of the trail, naming the filters it used."""
    form = _filter_form()
    filters = _filters(form) if form.validate() else None
    if filters is None:
        return render_template("audit/index.html", form=form, page=None, args={}), 422
    page = browse.trail_page(filters, limit=EXPORT_LIMIT)
    body = exports.to_csv(page.rows, truncated=page.next_before is not None)
    detail = {
        "rows": len(page.rows),
        "actor": filters.actor_id,
        "action": _code(filters.action),
        "target": _identifier(filters.target_id),
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
    }
    service.record(
        "audit_exported",
        target_type="audit",
        detail={k: v for k, v in detail.items() if v is not None},
    )
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit-trail.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/verify", methods=["GET", "POST"])
@require(Permission.AUDIT_VERIFY)
def verify():
    form = EmptyForm()
    result = problem = None
    if form.validate_on_submit():
        result = service.verify_chain()
        service.record(
            "audit_verify",
            outcome="success" if result.ok else "failure",
            detail={"checked": result.checked, "first_bad_seq": result.first_bad_seq},
        )
        db.session.commit()
        if not result.ok:
            detail = result.detail or {}
            problem = BREAKS[result.reason] % {
                "seq": result.first_bad_seq,
                "last": result.checked,
                "checkpoint": detail.get("checkpoint_seq"),
                "line": detail.get("line"),
                "unsealed": result.unsealed,
            }
    return render_template("audit/verify.html", form=form, result=result, problem=problem)


@bp.get("/cases/<uuid:case_id>")
@require(Permission.AUDIT_OWN_CASES, Permission.AUDIT_ORG)
def case_reads(case_id: uuid.UUID):
    """Who has read identifying fields of this case, when, and which field groups."""
    case = case_policy.get_case_for(current_user, case_id)
    if case is None:
        abort(404)
    page = browse.case_reads(case.id, before=_before())
    # Looking at who read a case is itself a fact of the trail (it is not a read of
    # the case's fields, so it is not listed on this page).
    service.record("audit_case_reads_viewed", target_type="case", target_id=case.id)
    db.session.commit()
    return render_template("audit/case_reads.html", case=case, page=page)
