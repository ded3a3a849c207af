"""Case screens, one module per step of the case file, all on one blueprint. Every
module of this package is imported, so a step's routes exist once its file does."""

import importlib
import pkgutil

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "common":
        importlib.import_module(f"{__name__}.{_module.name}")
