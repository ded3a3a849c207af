"""Home panels: a committee member's own committee; the committee overview for admins."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.committees import policy, service
from referral.dates import format_date
from referral.db import utcnow
from referral.home.service import Panel, register_panel


@register_panel(30, Permission.COMMITTEE_EDIT_OWN)
def own_committee_panel(user: User) -> Panel | None:
    committees = service.committees_of(user)
    if not committees:
        return Panel(
            title=_("Your committee"),
            note=_("You are not a member of a committee yet. Ask the administrator."),
            items=[(_("Committees and pathways"), "→", url_for("committees.index"))],
        )
    committee = committees[0]
    pathway = service.pathway_of(committee)
    version = service.published_version(pathway)
    today = utcnow().date()
    items = [
        (committee.name, "→", url_for("committees.detail", committee_id=committee.id)),
        (
            _("Pathway last published"),
            format_date(version.published_at) if version else _("not yet"),
            url_for("committees.pathway", pathway_id=pathway.id),
        ),
        (
            _("Activities this quarter"),
            service.activities_since(committee, service.quarter_start(today)),
            url_for("committees.detail", committee_id=committee.id),
        ),
    ]
    if policy.coordinates(user, committee):
        draft = service.draft_version(pathway)
        items.append(
            (
                _("Edit the pathway"),
                _("draft open") if draft else "→",
                url_for("committees.draft", pathway_id=pathway.id),
            )
        )
        items.append(
            (
                _("Log an activity"),
                "+",
                url_for("committees.new_activity", committee_id=committee.id),
            )
        )
    return Panel(
        title=_("Your committee"),
        note=_("You coordinate this committee.") if policy.coordinates(user, committee) else None,
        items=items,
    )


@register_panel(85, Permission.COMMITTEE_MANAGE)
def committees_admin_panel(user: User) -> Panel:
    committees = service.list_committees()
    published = service.published_versions_by_committee()
    without_pathway = sum(1 for c in committees if c.id not in published)
    return Panel(
        title=_("Committees and pathways"),
        items=[
            (_("Committees"), len(committees), url_for("committees.index")),
            (_("Without a published pathway"), without_pathway, url_for("committees.index")),
            (
                _("National default pathway"),
                "→",
                url_for("committees.pathway", pathway_id=service.national_pathway().id),
            ),
            (_("Create a committee"), "+", url_for("committees.new")),
        ],
    )
