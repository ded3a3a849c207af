"""Public information pages under /find/rights (the finder's layout: no cookie, quick
exit) and their editing by administrators under /info/."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from referral.auth.access import public, require
from referral.auth.permissions import Permission
from referral.extensions import db
from referral.info import service
from referral.info.forms import InfoPageForm, ReviewForm
from referral.info.models import LANGS

rights_bp = Blueprint("rights", __name__, url_prefix="/find/rights")
bp = Blueprint("info", __name__, url_prefix="/info")
EDIT = Permission.INFO_EDIT


def _lang() -> str:
    return str(get_locale())


@rights_bp.get("/")
@public
def index():
    lang = _lang()
    pages = [(page, page.text(lang)[0]) for page in service.list_pages()]
    return render_template("info/public_index.html", pages=pages)


@rights_bp.get("/<slug>")
@public
def page(slug: str):
    found = service.get_by_slug(slug)
    if found is None:
        abort(404)
    title, body, shown = found.text(_lang())
    return render_template(
        "info/public_page.html",
        page=found,
        title=title,
        blocks=service.blocks(body),
        shown_lang=shown,
        sources=service.sources(found),
    )


@bp.get("/")
@require(EDIT)
def pages():
    return render_template("info/pages.html", pages=service.list_pages())


def _values(form: InfoPageForm) -> dict:
    values = {
        f"{part}_{lang}": (getattr(form, f"{part}_{lang}").data or "").strip()
        for lang in LANGS
        for part in ("title", "body")
    }
    values["slug"] = form.slug.data.strip()
    values["position"] = form.position.data or 0
    values["sources"] = (form.sources.data or "").strip()
    return values


def _edit(found):
    form = InfoPageForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            saved, changed, review_reset = service.save(found, _values(form), current_user)
        except service.InfoError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [exc.message]
        else:
            db.session.commit()
            if review_reset:
                flash(
                    _(
                        "Saved. The page is marked “not yet reviewed by a lawyer” until a "
                        "lawyer confirms the new text."
                    ),
                    "success",
                )
            else:
                flash(_("Saved.") if changed or found is None else _("Nothing changed."), "success")
            return redirect(url_for("info.edit", slug=saved.slug))
    status = 422 if request.method == "POST" else 200
    missing = [
        lang
        for lang in LANGS
        if found is not None
        and not (getattr(found, f"title_{lang}") and getattr(found, f"body_{lang}"))
    ]
    return render_template(
        "info/page_form.html", form=form, page=found, missing=missing, review_form=ReviewForm()
    ), status


@bp.route("/new", methods=["GET", "POST"])
@require(EDIT)
def new():
    return _edit(None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@require(EDIT)
def edit(slug: str):
    found = service.get_by_slug(slug)
    if found is None:
        abort(404)
    return _edit(found)


@bp.post("/<slug>/review")
@require(EDIT)
def review(slug: str):
    found = service.get_by_slug(slug)
    if found is None:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Give the name of the lawyer who reviewed the text."), "error")
        return render_template(
            "info/page_form.html",
            form=InfoPageForm(obj=found),
            page=found,
            missing=[],
            review_form=form,
        ), 422
    service.confirm_review(found, form.reviewer.data.strip(), current_user)
    db.session.commit()
    flash(_("The review is recorded."), "success")
    return redirect(url_for("info.edit", slug=found.slug))


@bp.get("/<slug>/history")
@require(EDIT)
def history(slug: str):
    found = service.get_by_slug(slug)
    if found is None:
        abort(404)
    earlier = service.history(found)
    names = service.editor_names([found.updated_by_id, *(v.saved_by_id for v in earlier)])
    return render_template("info/history.html", page=found, earlier=earlier, names=names)


@bp.get("/<slug>/history/<int:number>")
@require(EDIT)
def version(slug: str, number: int):
    found = service.get_by_slug(slug)
    kept = service.get_version(found, number) if found is not None else None
    if kept is None:
        abort(404)
    # What the edit that replaced this text changed: against the next kept text, or the
    # page itself when this was the text just before the current one.
    following = service.get_version(found, number + 1) or found
    return render_template(
        "info/version.html",
        page=found,
        kept=kept,
        following=following,
        following_number=number + 1,
        changes=service.changes(kept, following),
        names=service.editor_names([kept.saved_by_id]),
        labels=_field_labels(),
    )


def _field_labels() -> dict[str, str]:
    form = InfoPageForm(formdata=None)
    return {name: str(getattr(form, name).label.text) for name in (*service.TEXT_FIELDS, "sources")}
