"""Blind indexes for exact-match search over encrypted fields.

value = first L bits of HMAC-SHA-256(index key, normalised input), where the index key is
HKDF-SHA-256(blind-index root key, info = "referral.bidx.v1" | table | column | index).
Truncation is deliberate: many values share each index value, so a leaked index (even
with its key) points to thousands of phone numbers, not one. The lookup decrypts the few
candidates and drops the false positives (see docs/encryption.md for the sizing).

Normalisation decides what "the same" means, and a false negative is a safety risk (a
missed duplicate case), so it is tested as carefully as the cryptography.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# --- planner --------------------------------------------------------------------------


def safe_bits(expected_rows: int) -> range:
    """Bit lengths L with 2 <= R / 2^L <= sqrt(R) (CipherSweet's planner rule, equal to
    AWS's sqrt(X) < 2^N < X/2): enough collisions to hide, few enough to decrypt."""
    if expected_rows < 4:
        raise ValueError("too few rows to plan an index")
    low = math.ceil(math.log2(expected_rows) / 2)  # R / 2^L <= sqrt(R)
    high = math.floor(math.log2(expected_rows / 2))  # R / 2^L >= 2
    return range(low, high + 1)


def expected_candidates(rows: int, bits: int) -> float:
    return rows / 2**bits


# --- keys and values ------------------------------------------------------------------

_KEY_CACHE: dict[tuple[bytes, str], bytes] = {}
_key_lock = threading.Lock()


def index_key(root: bytes, table: str, column: str, index_name: str) -> bytes:
    info = "|".join(("referral.bidx.v1", table, column, index_name)).encode()
    cache_key = (hashlib.sha256(root).digest(), info.decode())
    with _key_lock:
        key = _KEY_CACHE.get(cache_key)
    if key is None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)
        with _key_lock:
            _KEY_CACHE[cache_key] = key
    return key


def index_value(key: bytes, normalised: str, bits: int) -> int:
    """The first `bits` bits of the HMAC as a non-negative integer (fits a 32-bit column)."""
    if not 1 <= bits <= 31:
        raise ValueError("blind-index bits must be between 1 and 31")
    digest = hmac.new(key, normalised.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - bits)


# --- phone numbers --------------------------------------------------------------------

KG_CODE = "996"
KG_NATIONAL_DIGITS = 9


def normalise_phone(raw: str | None) -> str | None:
    """E.164, e.g. '+996555123456'. Kyrgyz numbers may be typed with spaces, dashes,
    brackets, a trunk 0, 996, +996 or 00996, also both at once (+996 (0) 555 ...); other
    countries need + or 00. None when it is not a phone number, including a +996 number
    without 9 national digits (it would be stored and never match)."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text or re.search(r"[^\d\s()+.\-/]", text):
        return None
    international = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if digits.startswith("00"):
        digits, international = digits[2:], True
    kg_length = len(KG_CODE) + KG_NATIONAL_DIGITS
    if digits.startswith(KG_CODE + "0") and len(digits) == kg_length + 1:
        digits = KG_CODE + digits[len(KG_CODE) + 1 :]  # +996 (0) 555 ...: a trunk 0 kept
    if digits.startswith(KG_CODE) and len(digits) == kg_length:
        national = digits[len(KG_CODE) :]
    elif international and digits.startswith(KG_CODE):
        return None
    elif international:
        return "+" + digits if 8 <= len(digits) <= 15 else None
    elif digits.startswith("0") and len(digits) == KG_NATIONAL_DIGITS + 1:
        national = digits[1:]
    elif len(digits) == KG_NATIONAL_DIGITS:
        national = digits
    else:
        return None
    if national.startswith("0"):
        return None
    return "+" + KG_CODE + national


def looks_like_phone(term: str) -> bool:
    return normalise_phone(term) is not None


# --- names ----------------------------------------------------------------------------

# Kyrgyz and Russian Cyrillic to one Latin skeleton. Ambiguous sounds land on one letter:
# й, ы, и -> i; ж -> j (Kyrgyz Latin writes Jyldyz, Russian-style Zhyldyz); х -> h;
# ң -> n; ө -> o; ү -> u; ё -> e (most people type Семенова for Семёнова).
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "n",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
    "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i",
    "ь": "", "э": "e", "ю": "iu", "я": "ia", "і": "i", "ә": "a", "ғ": "g", "қ": "k",
    "ұ": "u", "һ": "h",
}  # fmt: skip

# Latin spellings of the same sounds, applied in this order to the skeleton.
LATIN_RULES = [
    ("shch", "sh"),
    ("sch", "sh"),
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("ch", "\x01"),  # protect ch from the c rule
    ("ts", "\x02"),
    ("c", "\x02"),
    ("\x01", "ch"),
    ("\x02", "ts"),
    ("x", "ks"),
    ("w", "v"),
    ("q", "k"),
    ("y", "i"),
    ("ng", "n"),
]
# After doubled letters collapse: Yelena / Elena, Andreyev / Andreev, Aliyev / Aliev.
# The Latin spellings of ё (Fyodorova, Fiodorova, Semyonova, Alyona, Pyotr, Yodgor) are
# yo / io, which y -> i has made io: at the start of a word or after a consonant it is
# ё, folded to e like the Cyrillic letter (Fedorova). After a vowel it is not (Maiorova,
# the Latin of Майорова). Cyrillic ио follows the same rule (Родион -> roden in both
# scripts), so a pair can never split; the cost is a few merges of rare names with
# common ones (Дионис / Денис, Лиона / Лена), which the search shows side by side.
_IO = re.compile(r"(?:^|(?<=[^aeiou]))io")
LATE_RULES = [(_IO, "e"), ("ie", "e")]
LATIN_LETTERS = {"ü": "u", "ö": "o", "ñ": "n", "ı": "i", "ş": "sh", "ç": "ch", "ğ": "g"}
# Look-alikes typed for Kyrgyz letters on keyboards without them (у + diaeresis, etc.).
LOOKALIKES = {"ӱ": "u", "ӧ": "o", "ӈ": "n", "ұ": "u"}
# Compared after the skeleton: уулу/uulu -> "ulu", кызы/kyzy -> "kizi".
PATRONYMIC_MARKERS = frozenset({"ulu", "uli", "kizi"})
_DOUBLE = re.compile(r"(.)\1+")


def _letter(ch: str) -> str:
    if ch in CYRILLIC:
        return CYRILLIC[ch]
    if ch in LATIN_LETTERS:
        return LATIN_LETTERS[ch]
    if ch in LOOKALIKES:
        return LOOKALIKES[ch]
    if ch.isascii():
        return ch if ch.isalpha() else ""
    # Other accented letters: drop the marks and map what is left.
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base == ch:
        return ""
    return "".join(_letter(c) for c in base)


def _skeleton(word: str) -> str:
    text = "".join(_letter(ch) for ch in word)
    for old, new in LATIN_RULES:
        text = text.replace(old, new)
    text = _DOUBLE.sub(r"\1", text)
    for old, new in LATE_RULES:
        text = old.sub(new, text) if isinstance(old, re.Pattern) else text.replace(old, new)
    return _DOUBLE.sub(r"\1", text)


def normalise_name(raw: str | None) -> str | None:
    """One canonical form for a person's name however it was typed: NFKC, case-folded,
    Cyrillic and Latin spellings mapped to one skeleton, patronymic markers (уулу, кызы)
    dropped, word order ignored. None when nothing is left."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).casefold()
    words = [_skeleton(w) for w in re.split(r"[\s\-‐‑–—'’ʼ`.,]+", text)]
    words = sorted(w for w in words if w and w not in PATRONYMIC_MARKERS)
    return " ".join(words) or None


def clean_display_name(raw: str) -> str:
    """What is stored (encrypted) and shown: NFC, single spaces."""
    return " ".join(unicodedata.normalize("NFC", raw).split())
