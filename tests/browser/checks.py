"""What every page a journey visits must pass: nothing scrolls sideways on a phone, axe-core
finds no serious or critical violation, and the page with all its assets stays light.
The figures are gathered in `FIGURES` and printed by the journeys' last test."""

from __future__ import annotations

import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python

ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS") or Path(tempfile.gettempdir(), "referral-browser")
)
# The axe-core build the package ships, injected with page.evaluate: a script run through
# the DevTools protocol is not a page script, so the app's Content-Security-Policy stays
# as it is in production (no bypass_csp).
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): "
      + v.nodes.slice(0, 2).map(n => n.target.join(" ")).join(", "));
}"""
# The page and every asset it used, as sent over the wire (encodedBodySize is the
# compressed size where the server compresses, and is known for cached assets too).
WEIGHT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return (nav ? nav.encodedBodySize : 0) + performance.getEntriesByType("resource")
    .reduce((sum, r) => sum + r.encodedBodySize, 0);
}"""
# The innermost elements that reach past the screen's right edge: what to fix.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))"""
AXE_EVERY_VIEW = os.environ.get("BROWSER_FULL") == "1"
PUBLIC_LIMIT = 50_000
SIGNED_IN_LIMIT = 150_000


@dataclass
class Figures:
    pages: int = 0
    violations: dict[str, list[str]] = field(default_factory=dict)
    wide: dict[str, int] = field(default_factory=dict)
    heaviest: dict[str, tuple[int, str]] = field(default_factory=dict)
    pdf_pages: dict[str, int] = field(default_factory=dict)
    # A <select multiple> wants Ctrl-click, which a phone has not: checkboxes instead.
    multiple: set[str] = field(default_factory=set)
    axed: set[tuple[str, str, int]] = field(default_factory=set)
    seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))


FIGURES = Figures()


def _key(url: str) -> str:
    """The page's path with its ids folded, so that a page is one entry whatever case."""
    path = urlsplit(url).path
    return re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}|/\d+(?=/|$)", "/<id>", path) or "/"


def check(page, *, public: bool = False, shot: str | None = None) -> None:
    """Run the checks on the page as it stands; failures are collected and asserted by
    `assert_clean`, so one journey reports every page that fails, not only the first."""
    page.wait_for_load_state()
    key = _key(page.url)
    FIGURES.pages += 1
    FIGURES.seen[key] += 1
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if width <= 360 and scroll > width:
        FIGURES.wide[f"{key} {page.evaluate(WIDEST)}"] = scroll
    if page.locator("select[multiple]").count():
        FIGURES.multiple.add(key)
    # axe takes most of a journey's time: once per page (the same page for another case,
    # language or width is built by the same template, and the colours, names and roles
    # axe looks at do not change with them); in every language and width only for
    # BROWSER_FULL=1.
    lang = page.evaluate("document.documentElement.lang")
    axed = (key, lang, width) if AXE_EVERY_VIEW else (key, "", 0)
    if axed not in FIGURES.axed:
        FIGURES.axed.add(axed)
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE_SOURCE)
        found = page.evaluate(AXE_RUN)
        if found:
            FIGURES.violations[f"{key} ({lang}, {width} px)"] = found
    weight = page.evaluate(WEIGHT)
    kind = "public" if public else "signed-in"
    if weight > FIGURES.heaviest.get(kind, (0, ""))[0]:
        FIGURES.heaviest[kind] = (weight, key)
    if shot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{shot}-{lang}-{width}.png"), full_page=True)


def pdf_pages(page, name: str) -> int:
    """Print the current page as Chromium would (A4) and count its pages."""
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    count = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    FIGURES.pdf_pages[name] = count
    return count


def report() -> list[str]:
    lines = [
        f"[a11y] journeys: {FIGURES.pages} page views ({len(FIGURES.seen)} distinct pages, "
        f"{len(FIGURES.axed)} axe-core runs, one per page"
        f"{', language and width' if AXE_EVERY_VIEW else ''}), "
        f"{sum(len(v) for v in FIGURES.violations.values())} serious or critical axe violations",
        f"[a11y] journeys at 360 px: {len(FIGURES.wide)} pages wider than the screen",
    ]
    for kind, limit in (("public", PUBLIC_LIMIT), ("signed-in", SIGNED_IN_LIMIT)):
        if kind in FIGURES.heaviest:
            weight, key = FIGURES.heaviest[kind]
            lines.append(
                f"[weight] heaviest {kind} page: {weight / 1000:.1f} KB with its assets "
                f"({key}; limit {limit // 1000} KB)"
            )
    for name, count in FIGURES.pdf_pages.items():
        lines.append(f"[print] {name}: {count} A4 page{'s' if count != 1 else ''}")
    return lines
