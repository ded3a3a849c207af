"""Names and descriptions are stored in Kyrgyz, Russian and English, one column each."""

from __future__ import annotations

from flask_babel import get_locale


def current_language() -> str:
    """The request's language among those names are stored in (ru when another is asked;
    en outside a request, as the CLI and exports read)."""
    try:
        lang = str(get_locale() or "ru")[:2]
    except RuntimeError:  # outside a request
        lang = "en"
    return lang if lang in ("ky", "ru", "en") else "ru"


def localised(obj, prefix: str = "name") -> str:
    """The object's name in the request's language, falling back to ru, ky, en."""
    lang = current_language()
    for code in (lang, "ru", "ky", "en"):
        value = getattr(obj, f"{prefix}_{code}", None)
        if value:
            return value
    return ""
