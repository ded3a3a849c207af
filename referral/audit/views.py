"""The audit trail for auditors (read and verify) and admins (metadata only).

Events hold identifiers and codes only, so both roles see the same columns; neither
gets any path to case content from here.
"""

from flask import Blueprint, render_template, request

from referral.audit import service
from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.auth.permissions import Permission
from referral.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")
MAX_SEQ = 2**63 - 1  # BIGINT: a larger number would overflow the query, not find anything


@bp.get("/")
@require(Permission.AUDIT_READ, Permission.AUDIT_METADATA)
def index():
    before = request.args.get("before", type=int)
    if before is not None and not 1 <= before <= MAX_SEQ:
        before = None  # out of any chain's range: show the newest events
    events = service.recent_events(limit=100, before_id=before)
    return render_template("audit/index.html", events=events)


@bp.route("/verify", methods=["GET", "POST"])
@require(Permission.AUDIT_VERIFY)
def verify():
    form = EmptyForm()
    result = None
    if form.validate_on_submit():
        result = service.verify_chain()
        service.record(
            "audit_verify",
            outcome="success" if result.ok else "failure",
            detail={"checked": result.checked, "first_bad_seq": result.first_bad_seq},
        )
        db.session.commit()
    return render_template("audit/verify.html", form=form, result=result)
