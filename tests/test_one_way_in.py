"""One way in: only the case and referral domains' policy and service modules query the
case, referral, consent and incident tables. Any other module reaching them would be a
second path around `visible_*` / `get_*_for`, so an AST scan of referral/ names every
such query by module and line; the few legitimate ones are listed with their reason."""

from __future__ import annotations

import ast
from pathlib import Path

import referral

ROOT = Path(referral.__file__).parent
PROTECTED = {"Case", "Referral", "Consent", "Incident"}
MODEL_MODULES = ("referral.cases.models", "referral.referrals.models")
# Calls that make a query touch a table named among their arguments.
QUERY_CALLS = {"select", "select_from", "join", "outerjoin", "delete", "update", "exists"}
# session.get(Model, id) and friends: the model is the first argument.
LOADERS = {"get", "get_one", "merge"}
RAW_SQL = ("cases", "referrals", "case_consents", "incidents")

# The domains' own ways in.
WAYS_IN = (
    "cases/policy.py",
    "cases/service/",
    "referrals/policy.py",
    "referrals/service/",
)
# Modules outside them that may query these tables, and why.
ALLOWED = {
    "stats/live.py": "the statistics rule over the live tables: grouped counts of plain "
    "columns, never a row or an encrypted column; starts from a stats.policy Scope",
    "stats/facts.py": "keeps the statistics facts current from the services' own "
    "transactions: plain codes and dates of counted cases, no identifying column",
    "cases/indexing.py": "blind-index rotation (a key-rotation CLI job): decrypts through "
    "cases.policy.reindex_grant, lists case ids only",
    "ops/backup.py": "`flask backup create` and its manifest: counts of cases and of erased "
    "cases, no rows",
    "cases/keys.py": "key status for the key-rotation CLI: counts of cases, no rows",
    "cases/demo.py": "`flask demo` seeding of a development database",
    "referrals/demo.py": "`flask demo` seeding of a development database",
}


def _protected_names(tree: ast.Module) -> set[str]:
    """Local names bound to the protected models (imports may rename them)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(MODEL_MODULES):
            for alias in node.names:
                if alias.name in PROTECTED:
                    names.add(alias.asname or alias.name)
    return names


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id in names)
        or (isinstance(n, ast.Attribute) and n.attr in PROTECTED)
        for n in ast.walk(node)
    )


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def queries(source: str) -> list[tuple[int, str]]:
    """(line, what) for every query of a protected table in one module's source."""
    tree = ast.parse(source)
    names = _protected_names(tree) | PROTECTED
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in QUERY_CALLS and any(_mentions(a, names) for a in node.args):
                found.append((node.lineno, f"{name}(...)"))
            elif (
                name in LOADERS
                and isinstance(node.func, ast.Attribute)
                and len(node.args) >= 2
                and _mentions(node.args[0], names)
            ):
                found.append((node.lineno, f"session.{name}(Model, ...)"))
        elif isinstance(node, ast.Attribute) and node.attr in ("query", "__table__"):
            if isinstance(node.value, ast.Name) and node.value.id in names:
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = " ".join(node.value.lower().split())
            if any(f"{verb} {table}" in text for verb in ("from", "join") for table in RAW_SQL):
                found.append((node.lineno, "SQL text"))
    return sorted(set(found))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_only_the_domains_policy_and_service_query_case_tables():
    offenders, ways_in = [], 0
    for path in sorted(ROOT.rglob("*.py")):
        module = _relative(path)
        found = queries(path.read_text(encoding="utf-8"))
        if module.startswith(WAYS_IN):
            ways_in += len(found)
            continue
        if module in ALLOWED:
            continue
        offenders += [f"referral/{module}:{line}: {what}" for line, what in found]
    assert offenders == [], "queries of case tables outside the policy and service modules"
    assert ways_in > 20  # the scan sees the domains' own queries: it is looking
    print(f"\n[security] one way in: {ways_in} case-table queries in policy/service, 0 elsewhere")


def test_every_allowed_module_still_needs_its_exception():
    """An exception that no longer matches a query is removed, not kept "just in case"."""
    for module in ALLOWED:
        assert queries((ROOT / module).read_text(encoding="utf-8")), module


def test_the_scan_sees_every_way_of_querying():
    source = """
from sqlalchemy import select
from referral.cases.models import Case as C
from referral.referrals.models import Referral

def a(session, i):
    session.get(C, i)
    select(C.id).where(C.id == i)
    Referral.query.all()
    session.execute(text("SELECT id FROM case_consents"))
    select(User).join(Referral, Referral.from_user_id == User.id)
"""
    lines = [line for line, _ in queries(source)]
    assert lines == [7, 8, 9, 10, 11]
    assert queries("from sqlalchemy import select\nselect(User).where(User.id == 1)\n") == []
