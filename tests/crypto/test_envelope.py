"""The field wire format: round trip, tamper at every byte, swaps, nonce uniqueness."""

import time
import uuid

import pytest

from referral.crypto import envelope
from referral.crypto.envelope import DecryptionError, FieldContext

pytestmark = pytest.mark.no_db


def ctx(**changes):
    base = {
        "table": "cases",
        "column": "full_name_ct",
        "row_id": uuid.UUID(int=1),
        "case_id": uuid.UUID(int=1),
        "generation": 1,
    }
    base.update(changes)
    return FieldContext(**base)


def test_round_trip_and_self_describing_header():
    dek = envelope.new_dek()
    blob = envelope.encrypt(dek, "Айгүл Токтогулова".encode(), ctx())
    assert blob[0] == envelope.FORMAT_V1
    assert blob[1] == envelope.ALG_AES_256_GCM
    assert blob[2:4] == b"\x00\x01"  # DEK generation
    assert len(blob) == 4 + 12 + len("Айгүл Токтогулова".encode()) + 16
    assert envelope.decrypt(dek, blob, ctx()).decode() == "Айгүл Токтогулова"


def test_a_flipped_bit_at_every_byte_position_is_rejected():
    dek = envelope.new_dek()
    blob = envelope.encrypt(dek, b"+996555123456", ctx())
    rejected = 0
    for position in range(len(blob)):
        for bit in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[position] ^= bit
            with pytest.raises(DecryptionError):
                envelope.decrypt(dek, bytes(tampered), ctx())
            rejected += 1
    print(f"[security] tamper: {rejected}/{2 * len(blob)} single-bit flips rejected")
    assert rejected == 2 * len(blob)


def test_truncated_and_empty_values_are_rejected():
    dek = envelope.new_dek()
    blob = envelope.encrypt(dek, b"x", ctx())
    for cut in range(len(blob)):
        with pytest.raises(DecryptionError):
            envelope.decrypt(dek, blob[:cut], ctx())
    with pytest.raises(DecryptionError):
        envelope.decrypt(dek, None, ctx())


@pytest.mark.parametrize(
    "other",
    [
        {"row_id": uuid.UUID(int=2)},
        {"column": "phone_ct"},
        {"table": "referrals"},
        {"case_id": uuid.UUID(int=3)},
    ],
    ids=["row swap", "column swap", "table swap", "case swap"],
)
def test_a_value_moved_elsewhere_fails_authentication(other):
    dek = envelope.new_dek()
    blob = envelope.encrypt(dek, b"secret", ctx())
    with pytest.raises(DecryptionError) as info:
        envelope.decrypt(dek, blob, ctx(**other))
    assert info.value.reason == "tag"


def test_a_value_under_another_key_generation_is_refused():
    dek = envelope.new_dek()
    blob = envelope.encrypt(dek, b"secret", ctx(generation=2))
    with pytest.raises(DecryptionError) as info:
        envelope.decrypt(dek, blob, ctx(generation=1))
    assert info.value.reason == "generation"


def test_associated_data_is_mandatory():
    with pytest.raises(TypeError):
        envelope.encrypt(envelope.new_dek(), b"x")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        ctx(table="")


def test_nonces_are_unique_over_100000_writes_and_equal_plaintexts_never_match():
    dek = envelope.new_dek()
    start = time.perf_counter()
    blobs = [envelope.encrypt(dek, b"same value", ctx()) for _ in range(100_000)]
    elapsed = time.perf_counter() - start
    nonces = {b[4:16] for b in blobs}
    print(
        f"[security] nonce uniqueness: {len(nonces)} distinct nonces and "
        f"{len(set(blobs))} distinct ciphertexts over 100000 writes ({elapsed:.1f} s)"
    )
    assert len(nonces) == 100_000
    assert len(set(blobs)) == 100_000


def test_wrapped_key_round_trip_and_case_binding():
    kek, dek = envelope.new_dek(), envelope.new_dek()
    case_a, case_b = uuid.uuid4(), uuid.uuid4()
    wrapped = envelope.wrap_dek(kek, dek)
    check = envelope.key_check(dek, case_a)
    assert envelope.unwrap_dek(kek, wrapped, check, case_a) == dek
    with pytest.raises(DecryptionError) as info:
        envelope.unwrap_dek(kek, wrapped, check, case_b)  # the key row moved to case B
    assert info.value.reason == "check"
    with pytest.raises(DecryptionError) as info:
        envelope.unwrap_dek(envelope.new_dek(), wrapped, check, case_a)  # wrong KEK
    assert info.value.reason == "unwrap"
    tampered = bytearray(wrapped)
    tampered[5] ^= 1
    with pytest.raises(DecryptionError):
        envelope.unwrap_dek(kek, bytes(tampered), check, case_a)


def test_errors_carry_codes_never_values():
    dek = envelope.new_dek()
    blob = envelope.encrypt(dek, b"Aigul Toktogulova", ctx())
    with pytest.raises(DecryptionError) as info:
        envelope.decrypt(envelope.new_dek(), blob, ctx())
    assert "Aigul" not in str(info.value)
    assert "Aigul" not in repr(info.value.args)
