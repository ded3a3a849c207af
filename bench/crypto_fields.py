"""Per-field encryption and decryption cost, key wrap/unwrap and blind-index cost.

python -m bench.crypto_fields
"""

from __future__ import annotations

import time
import uuid

from referral.crypto import blind_index, envelope

SIZES = {"phone (13 B)": 13, "name (40 B)": 40, "note (200 B)": 200, "note (2 KB)": 2000}


def _per_op(fn, n: int) -> float:
    fn()  # warm up
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main(n: int = 20_000) -> dict[str, float]:
    dek, kek = envelope.new_dek(), envelope.new_dek()
    case_id = uuid.uuid4()
    ctx = envelope.FieldContext("cases", "note_ct", case_id, case_id, 1)
    figures: dict[str, float] = {}
    for label, size in SIZES.items():
        plaintext = b"x" * size
        blob = envelope.encrypt(dek, plaintext, ctx)
        figures[f"encrypt {label}"] = _per_op(lambda p=plaintext: envelope.encrypt(dek, p, ctx), n)
        figures[f"decrypt {label}"] = _per_op(lambda b=blob: envelope.decrypt(dek, b, ctx), n)
    # A list page's way: the column's opener and the key's AES-GCM object made once.
    opener, aead = envelope.ColumnOpener("cases", "note_ct"), envelope.aead(dek)
    blob = envelope.encrypt(dek, b"x" * 40, ctx)
    figures["decrypt name (40 B), column opener"] = _per_op(
        lambda: opener.open(aead, blob, case_id, case_id, 1), n
    )
    raw = (blob[4:16], blob[16:], envelope.associated_data(ctx, 1, 1))
    figures["decrypt name (40 B), raw AES-GCM"] = _per_op(lambda: aead.decrypt(*raw), n)
    wrapped, check = envelope.wrap_dek(kek, dek), envelope.key_check(dek, case_id)
    figures["wrap data key (AES-KW)"] = _per_op(lambda: envelope.wrap_dek(kek, dek), n)
    figures["unwrap + check data key"] = _per_op(
        lambda: envelope.unwrap_dek(kek, wrapped, check, case_id), n
    )
    figures["new case: key + 4 fields"] = _per_op(
        lambda: (
            envelope.wrap_dek(kek, envelope.new_dek()),
            [envelope.encrypt(dek, b"x" * 40, ctx) for _ in range(4)],
        ),
        n // 4,
    )
    key = blind_index.index_key(b"\x01" * 32, "cases", "phone_ct", "phone")
    figures["blind index: normalise + HMAC (phone)"] = _per_op(
        lambda: blind_index.index_value(key, blind_index.normalise_phone("0555 12 34 56"), 14), n
    )
    figures["blind index: normalise + HMAC (name)"] = _per_op(
        lambda: blind_index.index_value(key, blind_index.normalise_name("Айгүл Токтогулова"), 14),
        n,
    )
    for label, micros in figures.items():
        print(f"{label:40} {micros:8.2f} µs")
    return figures


if __name__ == "__main__":
    main()
