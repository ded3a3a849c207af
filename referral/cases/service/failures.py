"""Failed decryptions: audited with ids and a reason code only."""

from __future__ import annotations

from referral.audit import service as audit
from referral.crypto.envelope import DecryptionError, KeyDestroyedError


def report_decrypt_failure(exc: DecryptionError | KeyDestroyedError) -> None:
    """Audit a failed decryption (ids and a reason code only). The caller commits."""
    detail = {"reason": getattr(exc, "reason", "destroyed")}
    if getattr(exc, "table", ""):
        detail["table"] = exc.table
    if getattr(exc, "column", ""):
        detail["column"] = exc.column
    audit.record(
        "crypt_decrypt_fail",
        target_type="case",
        target_id=exc.case_id,
        outcome="failure",
        detail=detail,
    )
