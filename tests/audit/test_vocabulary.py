"""Every action code the code writes has a plain-word label in ky, ru and en.

The codes are found in the source, not in a list kept by hand: an AST scan of referral/
collects the first argument of every `record(...)` of the audit service and, where that
argument is a parameter of the enclosing function (`audit_case(action, ...)`), what
every caller passes for it. An argument the scan cannot read fails the test: the code
would be unseen, and its label could be missing."""

from __future__ import annotations

import ast
from pathlib import Path

from flask_babel import force_locale

import referral
from referral.audit import vocabulary
from referral.cases.models import ConsentDecision
from referral.referrals.service.lifecycle import TRANSITIONS

ROOT = Path(referral.__file__).parent
# Codes built from an enum's value: what each such expression can be. A new f-string
# code fails the scan until it is added here.
FORMATTED = {
    "f'consent_{row.decision.value}'": {f"consent_{d.value}" for d in ConsentDecision},
    "f'referral_{to.value}'": {f"referral_{to.value}" for _from, to in TRANSITIONS},
}


def _constants(node: ast.AST) -> list[str] | None:
    """The strings an expression can be, or None when the scan cannot tell."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr) and ast.unparse(node) in FORMATTED:
        return sorted(FORMATTED[ast.unparse(node)])
    if isinstance(node, ast.IfExp):
        body, orelse = _constants(node.body), _constants(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _is_audit_record(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and isinstance(func.value, ast.Name)
        and func.value.id in ("audit", "service")
    )


def action_codes() -> tuple[set[str], list[str]]:
    """(every code found, what could not be read)."""
    modules = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))}
    codes: set[str] = set()
    unreadable: list[str] = []
    # (function name, parameter name, position): calls of it pass an action code.
    forwarders: set[tuple[str, str, int]] = set()

    def take(node, where, enclosing):
        values = _constants(node)
        if values is not None:
            codes.update(values)
            return
        if isinstance(node, ast.Name) and enclosing is not None:
            params = [a.arg for a in enclosing.args.args]
            if node.id in params:
                forwarders.add((enclosing.name, node.id, params.index(node.id)))
                defaults = enclosing.args.defaults
                offset = len(params) - len(defaults)
                index = params.index(node.id)
                if index >= offset:
                    take(defaults[index - offset], where, None)
                return
        unreadable.append(f"{where}: {ast.unparse(node)}")

    for path, tree in modules.items():
        for function in _functions(tree):
            for call in ast.walk(function):
                if isinstance(call, ast.Call) and _is_audit_record(call):
                    arg = call.args[0] if call.args else None
                    arg = arg or next((k.value for k in call.keywords if k.arg == "action"), None)
                    take(arg, f"{path.relative_to(ROOT)}:{call.lineno}", function)
    done: set[tuple[str, str, int]] = set()
    while forwarders - done:
        name, param, position = (forwarders - done).pop()
        done.add((name, param, position))
        for path, tree in modules.items():
            for function in _functions(tree):
                for call in ast.walk(function):
                    if not isinstance(call, ast.Call):
                        continue
                    func = call.func
                    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                    if called != name:
                        continue
                    where = f"{path.relative_to(ROOT)}:{call.lineno}"
                    if len(call.args) > position:
                        take(call.args[position], where, function)
                    for keyword in call.keywords:
                        if keyword.arg == param:
                            take(keyword.value, where, function)
    return codes, unreadable


def test_the_scan_reads_every_action_code():
    codes, unreadable = action_codes()
    assert unreadable == []
    # What the scan must see, through a forwarder, a default and a keyword.
    assert {"sensitive_read", "case_search", "case_duplicate_check", "authz_fail"} <= codes


def test_every_action_code_has_a_label_in_every_language(app):
    codes, _ = action_codes()
    missing = sorted(codes - set(vocabulary.ACTION_LABELS))
    assert missing == [], "action codes without a plain-word label"
    for locale in ("ky", "ru", "en"):
        with app.test_request_context(), force_locale(locale):
            raw = [code for code in sorted(codes) if vocabulary.action_label(code) == code]
            assert raw == [], f"shown as raw codes in {locale}"
    with app.test_request_context(), force_locale("en"):
        english = vocabulary.action_label("consent_withdrawn")
    with app.test_request_context(), force_locale("ru"):
        assert vocabulary.action_label("consent_withdrawn") not in (english, "consent_withdrawn")
    print(f"\n[security] audit vocabulary: {len(codes)} action codes, 0 without a label")
