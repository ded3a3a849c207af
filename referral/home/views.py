from flask import Blueprint, render_template
from flask_login import current_user

from referral.auth.access import require
from referral.auth.permissions import Permission
from referral.home import service

bp = Blueprint("home", __name__)


@bp.get("/")
@require(Permission.ACCOUNT)
def index():
    return render_template("home/index.html", panels=service.panels_for(current_user))
