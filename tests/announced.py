"""What a screen reader user is told about a refused field: the field says it is invalid
and points (aria-describedby) at an element read out at once (role=alert) that holds the
message. Shared by the view tests of every form."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, dict] = {}  # by name
        self.alerts: dict[str, list[str]] = {}  # id -> text inside
        self._open: list[str] = []  # ids of the alerts being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self.fields.setdefault(attrs["name"], attrs)
        if attrs.get("role") == "alert" and attrs.get("id"):
            self.alerts[attrs["id"]] = []
            self._open.append(attrs["id"])
        elif self._open and tag not in ("br", "img", "input"):
            self._open.append("")

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for alert in self._open:
            if alert:
                self.alerts[alert].append(data)


def announced_error(html: str, name: str) -> str:
    """The text of the alert the field `name` is described by; AssertionError when the
    field is not marked invalid or not linked to an alert."""
    page = _Elements()
    page.feed(html)
    field = page.fields.get(name)
    assert field is not None, f"no field named {name}"
    assert field.get("aria-invalid") == "true", f"{name} is not marked invalid"
    linked = [i for i in (field.get("aria-describedby") or "").split() if i in page.alerts]
    assert linked, f"{name} is not described by an element with role=alert"
    return re.sub(r"\s+", " ", " ".join("".join(page.alerts[i]) for i in linked)).strip()
