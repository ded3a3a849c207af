"""The auditor's export of the trail: auditors only (AUDIT_READ); administrators, who
see the console's metadata, do not take the trail away; every other role 403."""

from tests.access.matrix import OK, Entry, only

ENTRIES = [
    Entry("audit.export_csv", "/audit/export.csv", only({"auditor": OK})),
    Entry(
        "audit.export_csv",
        "/audit/export.csv?action=sensitive_read&since=2026-01-01",
        only({"auditor": OK}),
        scope="filtered",
    ),
    Entry(
        "audit.export_csv",
        "/audit/export.csv?actor=nobody-at-all",
        only({"auditor": 422}),
        scope="bad-filter",
    ),
]
