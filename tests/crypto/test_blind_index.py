"""Normalisation and sizing of blind indexes: what staff type must find the case."""

import pytest

from referral.crypto import blind_index
from referral.crypto.blind_index import name_keys, normalise_name, normalise_phone, safe_bits

pytestmark = pytest.mark.no_db

# (as typed in Cyrillic, as typed in Latin): each pair must give the same index input.
NAME_PAIRS = [
    ("Айгүл Токтогулова", "Aigul Toktogulova"),
    ("Айгүл Токтогулова", "Aygul Toktogulova"),
    ("Айгүл Токтогулова", "Aigül Toktogulova"),
    ("Токтогулова Айгүл", "Aigul Toktogulova"),
    ("Жылдыз Асанова", "Jyldyz Asanova"),
    ("Жылдыз Асанова", "Zhyldyz Asanova"),
    ("Жылдыз Асанова", "Djyldyz Asanova"),
    ("Гүлнара Бекова", "Gulnara Bekova"),
    ("Нургүл Маматова", "Nurgul Mamatova"),
    ("Чолпон Ибраимова", "Cholpon Ibraimova"),
    ("Чынара Абдыкадырова", "Chynara Abdykadyrova"),
    ("Чынара Абдыкадырова", "Chinara Abdikadirova"),
    ("Айжан Кадырова", "Aizhan Kadyrova"),
    ("Айжан Кадырова", "Ayjan Kadyrova"),
    ("Бүбүсара Өмүрбекова", "Bubusara Omurbekova"),
    ("Бүбүсара Өмүрбекова", "Bübüsara Ömürbekova"),
    ("Бүбүсара Өмүрбекова", "BÜBÜSARA ÖMÜRBEKOVA"),
    ("Эльмира Жумабаева", "Elmira Zhumabaeva"),
    ("Эльмира Жумабаева", "Elmira Jumabaeva"),
    ("Асел Сыдыкова", "Asel Sydykova"),
    ("Асель Сыдыкова", "Asel Sidikova"),
    ("Мээрим Токтосунова", "Meerim Toktosunova"),
    ("Мээрим Токтосунова", "Merim Toktosunova"),
    ("Айперi Усенова".replace("i", "и"), "Aiperi Usenova"),
    ("Каныкей Сатыбалдиева", "Kanykei Satybaldieva"),
    ("Каныкей Сатыбалдиева", "Kanykey Satybaldiyeva"),
    ("Бегимай Осмонова", "Begimai Osmonova"),
    ("Нуриза Ташиева", "Nuriza Tashieva"),
    ("Салтанат Кулова", "Saltanat Kulova"),
    ("Алия Мамбетова", "Aliya Mambetova"),
    ("Алия Мамбетова", "Alia Mambetova"),
    ("Жанара Сооронбаева", "Zhanara Sooronbaeva"),
    ("Жанара Сооронбаева", "Janara Soronbaeva"),
    ("Таңсык Абдраева", "Tangsyk Abdraeva"),
    ("Таңсык Абдраева", "Tañsyk Abdraeva"),
    ("Таңсык Абдраева", "Tansyk Abdraeva"),
    ("Бакыт Асан уулу", "Bakyt Asan uulu"),
    ("Бакыт Асан уулу", "Bakyt Asan"),
    ("Айзада Эркин кызы", "Aizada Erkin kyzy"),
    ("Айзада Эркин кызы", "Aizada Erkin"),
    ("Елена Иванова", "Elena Ivanova"),
    ("Елена Иванова", "Yelena Ivanova"),
    ("Наталья Ким", "Natalya Kim"),
    ("Наталья Ким", "Natalia Kim"),
    ("Юлия Цой", "Yuliya Tsoy"),
    ("Юлия Цой", "Yulia Tsoi"),
    ("Ольга Хасанова", "Olga Khasanova"),
    ("Ольга Хасанова", "Olga Hasanova"),
    ("Зарина Шаршеева", "Zarina Sharsheeva"),
    ("Гүлзат Мукашева", "Gulzat Mukasheva"),
    ("Мухаммед Алиев", "Mukhammed Aliev"),
    ("Мухаммед Алиев", "Muhammed Aliyev"),
    ("Сергей Андреев", "Sergei Andreev"),
    ("Сергей Андреев", "Sergey Andreyev"),
    ("Динара Кенжебаева", "Dinara Kenzhebaeva"),
    ("Айнура Нурланова-Бекова", "Ainura Nurlanova Bekova"),
    ("Кыял Мырзакматова", "Kyial Myrzakmatova"),
    ("Уулжан Дөөлөтова", "Uuljan Doolotova"),
    ("Уулжан Дөөлөтова", "Uulzhan Dööl\u00f6tova"),
    ("АЙГҮЛ  ТОКТОГУЛОВА", "aigul toktogulova"),
    ("Айгу\u0308л Токтогулова", "Aigul Toktogulova"),  # ү typed as у + combining diaeresis
    # ё is usually typed as е, and written yo / io / e in Latin: all one name.
    ("Семёнова Алёна", "Семенова Алена"),
    ("Семёнова Алёна", "Semenova Alena"),
    ("Семёнова Алёна", "Semyonova Alyona"),
    ("Семёнова Алёна", "Semionova Aliona"),
    ("Семенова Алена", "Semyonova Alyona"),
    ("Фёдорова", "Федорова"),
    ("Фёдорова", "Fedorova"),
    ("Фёдорова", "Fyodorova"),
    ("Фёдорова", "Fiodorova"),
    ("Федорова", "Fyodorova"),
    ("Фёдорова", "Fëdorova"),
    ("Пётр", "Петр"),
    ("Пётр", "Petr"),
    ("Пётр", "Pyotr"),
    ("Петр", "Piotr"),
    ("Артём Королёв", "Artyom Korolyov"),
    ("Артём Королёв", "Artem Korolev"),
    ("Соловьёва", "Solovyova"),
    ("Ёдгор Ёкубов", "Yodgor Yoqubov"),
    ("Ёдгор", "Едгор"),
    ("Зиёда Мирзиёева", "Ziyoda Mirziyoyeva"),
    # The folding must not split the io that is not ё.
    ("Родион Ларионов", "Rodion Larionov"),
    ("Виолетта Илларионова", "Violetta Illarionova"),
    ("Иосиф", "Iosif"),
    ("Майорова", "Mayorova"),
]


@pytest.mark.parametrize("cyrillic,latin", NAME_PAIRS)
def test_cross_script_name_pairs_match(cyrillic, latin):
    assert normalise_name(cyrillic) == normalise_name(latin)


def test_the_name_table_is_large_enough_and_all_match():
    matched = sum(normalise_name(c) == normalise_name(lat) for c, lat in NAME_PAIRS)
    print(f"[security] cross-script names: {matched}/{len(NAME_PAIRS)} pairs match")
    assert len(NAME_PAIRS) >= 50
    assert matched == len(NAME_PAIRS)


@pytest.mark.parametrize(
    "a,b",
    [
        ("Aigul Toktogulova", "Aigul Toktobaeva"),
        ("Жылдыз Асанова", "Жылдыз Асанов"),
        ("Бакыт Асан уулу", "Бакыт Усен уулу"),
        ("Айгүл", "Айгүл Токтогулова"),
        ("Алёна Иванова", "Алина Иванова"),
        ("Семёнова", "Симонова"),
        ("Фёдорова", "Федотова"),
        ("Майорова", "Маерова"),
        ("Пётр", "Пётрова"),
        ("Иосиф", "Осип"),
    ],
)
def test_different_people_stay_different(a, b):
    assert normalise_name(a) != normalise_name(b)


# Spellings a search must also find, beyond the everyday ones above: a match is a reading
# in common (name_keys). Cyrillic as the case holds it; each spelling as someone types it.
SPELLINGS = {
    # ISO 9 (GOST 7.79 A), with its diacritics and primes
    "Юлия Яковлева": ["Ûliâ Âkovleva", "Julija Jakovleva", "Julia Jakowlewa", "Yuliya Yakovleva"],
    "Чынара Шаршеева": ["Čynara Šaršeeva", "Chynara Sharsheeva", "Tschynara Scharschejewa"],
    "Жыпаргүл Жумабаева": ["Žypargül Žumabaeva", "Jypargul Jumabaeva", "Zhypargul Zhumabaeva"],
    "Щукина Элеонора": ["Ŝukina Èleonora", "Shchukina Eleonora", "Szczukina Eleonora"],
    "Фёдорова Алёна": ["Fëdorova Alëna", "Fjodorova Aljona", "Fyodorova Alyona"],
    "Таңсык Өмүрбекова": ["Taŋsyk Ömürbekova", "Taṇsyk Ômùrbekova", "Tansyk Omurbekova"],
    "Хасанова Зульфия": ["Xasanova Zul'fija", "Khasanova Zulfiya", "Hasanova Zulfia"],
    "Ксения Максимова": ["Kseniya Maksimova", "Ksenija Maximova", "Xenia Maximova"],
    # J for й, ю, я (German, Polish, Czech passport spellings; scholarly Latin)
    "Ярослава Юсупова": ["Jaroslava Jusupova", "Yaroslava Yusupova", "Iaroslava Iusupova"],
    "Майя Николаева": ["Maja Nikolajeva", "Maya Nikolaeva", "Maiia Nikolaeva"],
    "Дарья Сергеевна": ["Darja Sergejevna", "Darya Sergeevna", "Daria Sergeyevna"],
    "Николай Андрей": ["Nikolaj Andrej", "Nikolay Andrey", "Nikolai Andrei"],
    "Евгения Юрьева": ["Jevgenija Jurjeva", "Yevgeniya Yuryeva", "Evgenia Iureva"],
    "Ирина Яковенко": ["Irina Jakovenko", "Iryna Yakovenko"],
    # and J for ж stays right in Kyrgyz spellings
    "Жылдыз Жээнбекова": ["Jyldyz Jeenbekova", "Zhyldyz Zheenbekova", "Djyldyz Dzheenbekova"],
    "Жанара Кенжебаева": ["Janara Kenjebaeva", "Zhanara Kenzhebaeva"],
    "Айжан Жусупова": ["Aijan Jusupova", "Ayzhan Zhusupova"],
    "Гүлжан Жакыпова": ["Guljan Jakypova", "Gulzhan Zhakypova"],
    # apostrophes and primes for the soft and hard signs
    "Васильева Наталья": ["Vasil'eva Natal'ja", "Vasil’eva Natal’ya", "Vasilʹeva Natalʹâ"],
    "Ольга Подъячева": ["Ol'ga Pod\"jačeva", "Olga Podyacheva", "Olʹga Podʺâčeva"],
    "Анастасия Ильина": ["Anastasija Il'jina", "Anastasiya Ilyina", "Anastasia Ilina"],
    "Татьяна Соловьёва": ["Tat'jana Solov'jova", "Tatyana Solovyova", "Tatiana Soloveva"],
}
SPELLING_PAIRS = [(c, latin) for c, spellings in SPELLINGS.items() for latin in spellings]
# Different women a search must never mix up, whichever way either name is typed.
DIFFERENT = [
    "Жанна Асанова", "Яна Асанова", "Юлия Асанова", "Жулдыз Асанова", "Жылдыз Асанова",
    "Алина Иванова", "Алёна Иванова", "Елена Иванова", "Илона Иванова", "Мария Иванова",
    "Марина Иванова", "Майя Иванова", "Дарья Иванова", "Дина Иванова", "Динара Иванова",
    "Жанара Иванова", "Жаңыл Иванова", "Жамиля Иванова", "Аида Иванова", "Айжан Иванова",
    "Айгүл Иванова", "Гүлжан Иванова", "Гүлнара Иванова", "Наталья Иванова",
"Ксения Иванова", "Оксана Иванова", "Зульфия Иванова",
    "Юлия Яковлева", "Юлия Яковенко", "Ярослава Яковлева", "Жылдыз Жумабаева",
    "Жылдыз Жумагулова", "Хасанова Зарина", "Касымова Зарина", "Асанова Зарина",
]  # fmt: skip


def _same(a: str, b: str) -> bool:
    return bool(set(name_keys(a)) & set(name_keys(b)))


@pytest.mark.parametrize("cyrillic,typed", SPELLING_PAIRS)
def test_transliteration_spellings_find_the_name(cyrillic, typed):
    assert _same(cyrillic, typed)


def test_every_spelling_finds_only_its_own_name():
    names = sorted(set(DIFFERENT) | set(SPELLINGS))
    wrong = [
        (typed, other)
        for cyrillic, typed in SPELLING_PAIRS + [(n, n) for n in names]
        for other in names
        if other != cyrillic and _same(typed, other)
    ]
    found = sum(_same(c, t) for c, t in SPELLING_PAIRS)
    print(
        f"[security] transliterations: {found}/{len(SPELLING_PAIRS)} found, "
        f"{len(wrong)} wrong names among {len(names)}"
    )
    assert len(SPELLING_PAIRS) >= 60
    assert wrong == []


def test_readings_are_bounded_and_the_first_is_the_canonical_form():
    keys = name_keys("Jaja Jojo Juju Jeje Xaxa")
    assert len(keys) <= blind_index.MAX_READINGS
    assert keys[0] == normalise_name("Jaja Jojo Juju Jeje Xaxa")
    assert name_keys("Юлия Яковлева") == ["iakovleva iulia"]


def test_empty_or_punctuation_only_names_are_not_searchable():
    assert normalise_name("") is None
    assert normalise_name(" - . ") is None
    assert normalise_name(None) is None


PHONE_VARIANTS = [
    "+996 555 123 456",
    "+996555123456",
    "996555123456",
    "996 555 12-34-56",
    "0555 123 456",
    "0555123456",
    "555123456",
    "555-12-34-56",
    "(0555) 12 34 56",
    "00996 555 123456",
    "+996-555-123-456",
    "８８５"[:0] + "0555 123456",
    "+９９６ ５５５ １２３ ４５６",  # full-width digits from a phone keyboard
    "+996 (0) 555 123 456",  # country code and trunk 0 at once
    "996 0555 123456",
    "00996 (0)555 12-34-56",
]


@pytest.mark.parametrize("variant", PHONE_VARIANTS)
def test_phone_variants_normalise_to_e164(variant):
    assert normalise_phone(variant) == "+996555123456"


def test_all_phone_variants_match():
    matched = sum(normalise_phone(v) == "+996555123456" for v in PHONE_VARIANTS)
    print(f"[security] phone variants: {matched}/{len(PHONE_VARIANTS)} match")
    assert matched == len(PHONE_VARIANTS)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("+7 912 345 67 89", "+79123456789"),  # migrants keep Russian numbers
        ("12345", None),
        ("0 555 12", None),
        ("Aigul", None),
        ("555 123 456 789", None),
        ("", None),
        ("0012345", None),
        ("+996 55512345", None),  # 8 national digits: stored, it would never match
        ("+996 0555 12345", None),
        ("+996 555 123 4567", None),
    ],
)
def test_other_numbers_and_non_numbers(raw, expected):
    assert normalise_phone(raw) == expected


def test_planner_rule_and_configured_bits_are_safe(app):
    assert list(safe_bits(100_000)) == list(range(9, 16))  # security.md §2.5 table
    assert list(safe_bits(10_000)) == list(range(7, 13))
    assert list(safe_bits(2_000)) == list(range(6, 10))
    rows, bits = app.config["BLIND_INDEX_EXPECTED_ROWS"], app.config["BLIND_INDEX_BITS"]
    candidates = blind_index.expected_candidates(rows, bits)
    print(
        f"[security] blind index: L={bits} bits for R={rows} rows, safe range "
        f"{safe_bits(rows).start}-{safe_bits(rows).stop - 1}, ~{candidates:.1f} candidates"
    )
    assert bits in safe_bits(rows)
    assert 2 <= candidates <= rows**0.5


def test_index_values_are_truncated_keyed_and_separate_per_index():
    root = b"\x01" * 32
    phone_key = blind_index.index_key(root, "cases", "phone_ct", "phone")
    name_key = blind_index.index_key(root, "cases", "full_name_ct", "name")
    other_root = blind_index.index_key(b"\x02" * 32, "cases", "phone_ct", "phone")
    assert len({phone_key, name_key, other_root}) == 3
    value = blind_index.index_value(phone_key, "+996555123456", 14)
    assert 0 <= value < 2**14
    assert value == blind_index.index_value(phone_key, "+996555123456", 14)
    # Truncation means collisions: 20,000 numbers fill at most 16,384 values.
    values = {blind_index.index_value(phone_key, f"+996555{n:06d}", 14) for n in range(20_000)}
    assert len(values) <= 2**14
