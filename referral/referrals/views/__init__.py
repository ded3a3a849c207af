"""Referral screens, one module per part (the caseworker's, the provider's inbox,
notifications), all on one blueprint; every module of this package is imported."""

import importlib
import pkgutil

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "common":
        importlib.import_module(f"{__name__}.{_module.name}")
