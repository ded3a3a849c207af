"""The case page is built from sections, one per step of the case file (intake, consent,
assessment, plan, follow-up, closure, ...). Each step registers what it shows:

    @case_section(30, "cases/assessment/_section.html")
    def assessment_section(user, case, access) -> dict: ...

The case page calls each builder (which decrypts only what its section shows) and
includes each template with the dict it returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    order: int
    template: str
    build: Callable


SECTIONS: list[Section] = []


def case_section(order: int, template: str):
    def register(fn):
        SECTIONS.append(Section(order, template, fn))
        SECTIONS.sort(key=lambda s: s.order)
        return fn

    return register


def build_sections(user, case, access) -> list[tuple[str, dict]]:
    return [(s.template, s.build(user, case, access) or {}) for s in SECTIONS]
