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
import itertools
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

# Latin letters typed for Cyrillic ones: scholarly and ISO 9 transliteration (č, š, ž,
# ŝ, û, â, è, ë), Kyrgyz Latin (ö, ü, ŋ, ṇ, ô, ù), Turkish-style letters. Each maps to
# the skeleton of its Cyrillic letter, so Čynara = Чынара and Ûlija = Юлия.
LATIN_LETTERS = {
    "ü": "u", "ö": "o", "ñ": "n", "ŋ": "n", "ṇ": "n", "ı": "i", "ş": "sh", "ç": "ch",
    "ğ": "g", "č": "ch", "š": "sh", "ž": "zh", "ŝ": "sh", "û": "iu", "â": "ia", "è": "e",
    "ë": "e", "ô": "o", "ù": "u",
}  # fmt: skip
# Look-alikes typed for Kyrgyz letters on keyboards without them (у + diaeresis, etc.).
LOOKALIKES = {"ӱ": "u", "ӧ": "o", "ӈ": "n", "ұ": "u"}
# A Latin j or x typed by the user is ambiguous, so it is marked and resolved into every
# reading (see _readings): j is ж in Kyrgyz and English-style spellings (Jyldyz, Janara,
# Kenjebaeva) but й in German, Polish, Czech and scholarly ones (Jakovleva, Julija,
# Natal'ja, Nikolaj); x is кс (Aleksandra) or, in scholarly spelling, х (Xasanova).
LATIN_J, LATIN_X = "\x03", "\x04"
READINGS = {LATIN_J: ("j", "i"), LATIN_X: ("ks", "h")}
# Latin spellings of the same sounds, applied in this order to the skeleton.
LATIN_RULES = [
    ("shch", "sh"),
    ("szcz", "sh"),  # Polish щ, ш, ч; German ч
    ("tsch", "ch"),
    ("sch", "sh"),
    ("sz", "sh"),
    ("cz", "ch"),
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("d" + LATIN_J, "j"),  # Djamila, Djyldyz: дж, never дй
    ("z" + LATIN_J, "j"),
    ("kh", "h"),
    ("ch", "\x01"),  # protect ch from the c rule
    ("ts", "\x02"),
    ("c", "\x02"),
    ("\x01", "ch"),
    ("\x02", "ts"),
    ("w", "v"),
    ("q", "k"),
    ("y", "i"),
    ("ng", "n"),
]
# A word that begins with j and i (Jyldyz, Jibek) begins with ж: no name begins with йы.
_J_BEFORE_I = re.compile("^" + LATIN_J + "(?=i)")
# After doubled letters collapse: Yelena / Elena, Andreyev / Andreev, Aliyev / Aliev.
# The Latin spellings of ё (Fyodorova, Fiodorova, Semyonova, Alyona, Pyotr, Yodgor) are
# yo / io, which y -> i has made io: at the start of a word or after a consonant it is
# ё, folded to e like the Cyrillic letter (Fedorova). After a vowel it is not (Maiorova,
# the Latin of Майорова). Cyrillic ио follows the same rule (Родион -> roden in both
# scripts), so a pair can never split; the cost is a few merges of rare names with
# common ones (Дионис / Денис, Лиона / Лена), which the search shows side by side.
_IO = re.compile(r"(?:^|(?<=[^aeiou]))io")
LATE_RULES = [(_IO, "e"), ("ie", "e")]
# Compared after the skeleton: уулу/uulu -> "ulu", кызы/kyzy -> "kizi".
PATRONYMIC_MARKERS = frozenset({"ulu", "uli", "kizi"})
_DOUBLE = re.compile(r"(.)\1+")
# Apostrophes and primes write the soft and hard signs (Vasil'eva, Natal'ja, ISO 9
# Vasilʹeva, Pod"jačeva): they belong to the word, like ь and ъ. Each becomes SIGN, which
# keeps the letters on its two sides apart while the spelling rules run (Pod"ja is дъя,
# not дж), and is then dropped.
_SIGNS = "'’ʼʹʺ′″`\""
SIGN = "\x05"
_WORD_BREAKS = re.compile(r"[\s\-‐‑–—.,]+")
# Each ambiguous letter doubles a word's readings; past this many, the later ones keep
# their first reading (a name with five Latin j's is not worth 32 index values).
MAX_AMBIGUOUS = 3
MAX_READINGS = 16


def _letter(ch: str) -> str:
    if ch in CYRILLIC:
        return CYRILLIC[ch]
    if ch in LATIN_LETTERS:
        return LATIN_LETTERS[ch]
    if ch in LOOKALIKES:
        return LOOKALIKES[ch]
    if ch == "j":
        return LATIN_J
    if ch == "x":
        return LATIN_X
    if ch == SIGN:
        return SIGN
    if ch.isascii():
        return ch if ch.isalpha() else ""
    # Other accented letters: drop the marks and map what is left.
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base == ch:
        return ""
    return "".join(_letter(c) for c in base)


def _finish(text: str) -> str:
    text = _DOUBLE.sub(r"\1", text)
    for old, new in LATE_RULES:
        text = old.sub(new, text) if isinstance(old, re.Pattern) else text.replace(old, new)
    return _DOUBLE.sub(r"\1", text)


def _readings(word: str) -> list[str]:
    """Every skeleton the word may stand for, its first reading first (j as ж, x as кс)."""
    text = "".join(_letter(ch) for ch in word)
    for old, new in LATIN_RULES:
        text = text.replace(old, new)
    text = _J_BEFORE_I.sub("j", text).replace(SIGN, "")
    parts = re.split(f"([{LATIN_J}{LATIN_X}])", text)
    marks = parts[1::2]
    choices = [READINGS[m] if i < MAX_AMBIGUOUS else READINGS[m][:1] for i, m in enumerate(marks)]
    seen: dict[str, None] = {}
    for combo in itertools.product(*choices):
        pieces = [parts[0]]
        for reading, rest in zip(combo, parts[2::2], strict=True):
            pieces += [reading, rest]
        seen.setdefault(_finish("".join(pieces)), None)
    return list(seen)


def _words(raw: str) -> list[list[str]]:
    text = unicodedata.normalize("NFKC", raw).casefold()
    text = text.translate({ord(c): SIGN for c in _SIGNS})
    words = [[r for r in _readings(w) if r] for w in _WORD_BREAKS.split(text)]
    return [w for w in words if w and w[0] not in PATRONYMIC_MARKERS]


def name_keys(raw: str | None) -> list[str]:
    """Every canonical form of a person's name, the first one first: what the index
    stores and what a search looks up (a match is any form in common). One form for a
    name in Cyrillic; a Latin j or x gives one per reading. Empty when nothing is left."""
    if raw is None:
        return []
    words = _words(raw)
    if not words:
        return []
    keys: dict[str, None] = {}
    for combo in itertools.product(*words):
        keys.setdefault(" ".join(sorted(combo)), None)
        if len(keys) >= MAX_READINGS:
            break
    return list(keys)


def normalise_name(raw: str | None) -> str | None:
    """One canonical form for a person's name however it was typed: NFKC, case-folded,
    Cyrillic and Latin spellings mapped to one skeleton, patronymic markers (уулу, кызы)
    dropped, word order ignored. None when nothing is left. A Latin spelling may have
    other readings too: name_keys gives them all."""
    keys = name_keys(raw)
    return keys[0] if keys else None


def clean_display_name(raw: str) -> str:
    """What is stored (encrypted) and shown: NFC, single spaces."""
    return " ".join(unicodedata.normalize("NFC", raw).split())
