"""Rebuild common-passwords.txt: `python referral/auth/data/build_common_passwords.py`.

Written from public knowledge of what people choose (no breach corpus was available
offline): keyboard walks on Latin and Cyrillic layouts, "password" and its Russian and
Kyrgyz words with digits and years, common first names and places with years and digit
runs, repeated characters and digit sequences. Only what could pass the 12-character
minimum is worth listing. The app reads only the .txt file; this script is not imported.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

MIN_LENGTH = 12

WORDS = """
password passw0rd p@ssw0rd p@ssword qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm
iloveyou letmein welcome monkey dragon master sunshine princess football baseball
superman batman trustno1 shadow michael jennifer computer internet freedom whatever
admin administrator login access secret changeme default system manager user test
parol parolparol parol123 moyparol mojparol parolь kyrgyzstan kyrgyz kirgizia kyrgyzia
bishkek frunze osh jalalabad karakol naryn talas batken tokmok issykkul chuy cholponata
manas aitmatov ala-too alatoo tengri kumys sabak mektep bala kyz jigit ata apa ene
kochkor mama papa babushka dedushka lubov lyubov privet solnce solnyshko zaika kotik
kotenok lapochka lisichka angel angelina nastya natasha natalia tatyana svetlana olga
elena irina marina anna maria dasha masha sasha alexander aleksandr aleksey andrey
dmitriy dima sergey sergei vladimir ivan nikolay maksim artem denis roman pavel igor
aigul aizada aida aisuluu ainura asel aselya bermet gulnara gulzat jyldyz kanykei
nurgul cholpon dinara elmira zarina saltanat meerim begimai altynai nazira kalys
azamat bakyt kanat nurlan talant ulan almaz daniyar erlan timur ruslan marat emil
bektur aibek nurbek adilet maksat mirlan chyngyz sultan askar zhanybek ermek bolot
football spartak zenit dordoi barcelona realmadrid chelsea arsenal liverpool
juventus messi ronaldo mercedes toyota lexus samsung iphone apple google yandex
mail gmail facebook instagram vkontakte odnoklassniki whatsapp telegram
crisis center centre referral police militsiya doctor vrach health bolnica
"""

CYRILLIC_WORDS = """
пароль парольпароль мойпароль йцукен йцукенгшщз фывапролдж ячсмить любовь привет
солнышко зайка котик котенок ангел наташа настя наталья татьяна светлана ольга елена
ирина марина анна мария даша маша саша александр алексей андрей дмитрий сергей
владимир иван николай максим артем денис роман павел игорь кыргызстан бишкек ош
манас айгуль айзада асель бермет гульнара жылдыз нургуль чолпон динара эльмира азамат
бакыт канат нурлан талант улан алмаз данияр эрлан тимур руслан марат сыр сырсөз
сырсоз купуясөз купуя мама папа бабушка спартак зенит компьютер интернет админ
"""

KEYBOARD_WALKS = [
    "qwertyuiop",
    "qwertyuiop[]",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc",
    "1qaz2wsx",
    "qazwsxedc",
    "qazwsxedcrfv",
    "qweasdzxc",
    "qweasdzxcvbn",
    "1q2w3e4r5t6y",
    "1q2w3e4r",
    "q1w2e3r4t5y6",
    "zaq12wsx",
    "zaq1xsw2cde3",
    "!qaz@wsx",
    "qwerty123456",
    "asdf1234",
    "asdfqwer",
    "qwerasdfzxcv",
    "poiuytrewq",
    "lkjhgfdsa",
    "mnbvcxz",
    "0987654321",
    "1234567890",
    "0123456789",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
    "ё1й2ц3у4к5е6",
    "1й2ц3у4к5е6н",
    "qwertyqwerty",
    "asdasdasd",
    "qweqweqwe",
    "zxczxczxc",
    "123qweasdzxc",
]

SUFFIXES = [
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "!",
    "1!",
    "123!",
    "!!",
    "01",
    "007",
    "777",
    "111",
    "000",
    "69",
    "99",
    "88",
    "2000",
    "12345678",
]
YEARS = [str(y) for y in range(1970, 2027)]


def candidates():
    words = WORDS.split() + CYRILLIC_WORDS.split()
    for word in words:
        for base in (word, word + word):
            for suffix in SUFFIXES:
                yield base + suffix
        for year in YEARS:
            yield word + year
            yield word + year + "!"
            yield word + "_" + year
    for walk in KEYBOARD_WALKS:
        for suffix in SUFFIXES:
            yield walk + suffix
        yield walk + walk
    for length in range(MIN_LENGTH, 21):
        for ch in "0123456789abcdefghijklmnopqrstuvwxyz!*.-йцукенаыпо":
            yield ch * length
        yield ("1234567890" * 3)[:length]
        yield ("0987654321" * 3)[:length]
        yield ("abcdefghijklmnopqrstuvwxyz")[:length]
        for pair in ("12", "ab", "qw", "01", "10", "69", "123", "abc", "xo"):
            yield (pair * 20)[:length]
    for a, b in product(["123", "1234", "12345", "123456", "111", "000", "777", "555"], repeat=2):
        yield a + b + a + b
    for word in ["password", "parol", "qwerty", "admin", "welcome", "пароль", "kyrgyzstan"]:
        for n in range(0, 1000, 7):
            yield f"{word}{n:03d}{n:03d}"


def main() -> None:
    seen: set[str] = set()
    rows = []
    for value in candidates():
        folded = value.casefold()
        if len(folded) >= MIN_LENGTH and folded not in seen:
            seen.add(folded)
            rows.append(folded)
    rows.sort()
    out = Path(__file__).with_name("common-passwords.txt")
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows)} passwords written to {out}")


if __name__ == "__main__":
    main()
