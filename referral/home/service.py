"""Gather the home-page panels for a user's role.

Each domain contributes panels through `register_panel`; the home page shows those
whose permission the user holds. Later domains (cases, referrals, statistics) add
theirs without this module knowing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from referral.auth.models import User
from referral.auth.permissions import Permission


@dataclass
class Panel:
    title: str
    items: list[tuple[str, str | int, str | None]] = field(default_factory=list)
    # (label, value, link) rows; value is a count or short text
    note: str | None = None


PanelBuilder = Callable[[User], Panel | None]
_PANELS: list[tuple[int, Permission, PanelBuilder]] = []


def register_panel(order: int, permission: Permission) -> Callable[[PanelBuilder], PanelBuilder]:
    def add(builder: PanelBuilder) -> PanelBuilder:
        _PANELS.append((order, permission, builder))
        _PANELS.sort(key=lambda entry: entry[0])
        return builder

    return add


def panels_for(user: User) -> list[Panel]:
    panels = []
    for _order, permission, builder in _PANELS:
        if user.can(permission):
            panel = builder(user)
            if panel is not None:
                panels.append(panel)
    return panels
