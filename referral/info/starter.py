"""The pages a fresh instance starts with: plain facts from the Kyrgyz law and the
national referral pathway, to be reviewed by a lawyer before launch (they ship
unreviewed). Pure data, so that the migration can insert them too.

Where the reference marks a fact "[verify]" (durations after the 2020/2024/2025
amendments, the 117 hours), the text says so or stays general."""

LAW_63 = (
    "Law of the Kyrgyz Republic No. 63 of 27 April 2017 "
    "«On safeguarding and protection from family violence» (amended 2020, 2024, 2025)"
)
DECREE_390 = (
    "Government Decree No. 390 of 1 August 2019 "
    "«On the procedure for safeguarding and protection from family violence»"
)
PATHWAY = "National referral pathway for survivors of gender-based violence (Kyrgyz Republic)"
WHO = "WHO clinical guidance on care after sexual violence"

PAGES = [
    {
        "slug": "protection-order",
        "title_ky": "Коргоо ордери деген эмне жана аны кантип алса болот",
        "body_ky": (
            "Коргоо ордери — зомбулук көрсөткөн адамга сизге зомбулук кылууга жана сиз менен "
            "түз же кыйыр байланышууга тыюу салган документ. Аны милиция берет (№ 63 Мыйзам).\n\n"
            "Кантип алса болот:\n\n"
            "- Милицияга кайрылыңыз: 102 же 112 номерине чалыңыз,"
            " же участкалык инспекторго барыңыз.\n"
            "- Арызды сиз гана эмес, каалаган адам бере алат.\n"
            "- Милиция ордерди 24 сааттын ичинде бериши керек.\n"
            "- Ордер жок дегенде 3 күнгө берилет; сиздин өтүнүчүңүз боюнча узартылышы мүмкүн.\n\n"
            "Сот да чектөөлөрдү белгилей алат (мисалы, байланышууга тыюу), электрондук көзөмөл "
            "менен 3 айга чейин.\n\n"
            "Мөөнөттөр мыйзамдын өзгөртүүлөрүнөн кийин башка болушу мүмкүн: кризистик борбордон "
            "же юристтен тактап алыңыз. Бул жардам акысыз."
        ),
        "title_ru": "Что такое охранный ордер и как его получить",
        "body_ru": (
            "Охранный ордер — документ, который запрещает лицу, совершившему насилие, применять "
            "к вам насилие и связываться с вами прямо или через других людей. Его выдаёт милиция "
            "(Закон № 63).\n\n"
            "Как получить:\n\n"
            "- Обратитесь в милицию: позвоните 102 или 112 или придите к участковому инспектору.\n"
            "- Сообщить о насилии может любой человек, не только вы.\n"
            "- Милиция должна выдать ордер в течение 24 часов.\n"
            "- Ордер выдаётся не менее чем на 3 дня; по вашей просьбе его могут продлить.\n\n"
            "Суд тоже может установить ограничения (например, запрет на контакт), с электронным "
            "надзором до 3 месяцев.\n\n"
            "После изменений закона сроки могут быть другими: уточните в кризисном центре или у "
            "юриста. Эта помощь бесплатна."
        ),
        "title_en": "What a protection order is and how to get one",
        "body_en": (
            "A protection order forbids the person who used violence from hurting you again and "
            "from contacting you directly or through others. The police issue it (law No. 63).\n\n"
            "How to get one:\n\n"
            "- Go to the police: call 102 or 112, or go to the district inspector.\n"
            "- Anyone can report the violence, not only you.\n"
            "- The police must issue the order within 24 hours.\n"
            "- The order lasts at least 3 days; it can be extended if you ask.\n\n"
            "A court can also set restrictions (for example no contact), with electronic "
            "monitoring for up to 3 months.\n\n"
            "The durations may have changed with amendments to the law: check with a crisis "
            "centre or a lawyer. This help is free."
        ),
        "sources": f"{LAW_63}\n{DECREE_390}",
    },
    {
        "slug": "police",
        "title_ky": "Милицияда эмне болот",
        "body_ky": (
            "Милиция сиздин арызыңызды каттоого милдеттүү. Арызды каалаган адам бере алат.\n\n"
            "- Милиция коргоо ордерин берет жана зомбулук көрсөткөн адамды түзөтүү программасына "
            "жибере алат.\n"
            "- Сиз макул болсоңуз, соттук-медициналык экспертизага жиберет.\n"
            "- Сиз сурасаңыз, сизди ооруканага же коопсуз жайга алып барат.\n"
            "- Милиция социалдык коргоо бөлүмүнө, ал эми сиз 18 жашка чыга элек болсоңуз, балдарды "
            "коргоо органына кабарлайт.\n\n"
            "Жаныңызга ишенген адамды ээрчитип барсаңыз болот. Медициналык жардам милициянын "
            "арызын күтпөйт."
        ),
        "title_ru": "Что происходит в милиции",
        "body_ru": (
            "Милиция обязана зарегистрировать ваше заявление. Сообщить о насилии может любой "
            "человек.\n\n"
            "- Милиция выдаёт охранный ордер и может направить лицо, совершившее насилие, на "
            "коррекционную программу.\n"
            "- Если вы согласны, направляет на судебно-медицинскую экспертизу.\n"
            "- Если вы просите, отвозит вас в медицинское учреждение или в безопасное место.\n"
            "- Милиция сообщает в отдел социальной защиты, а если вам нет 18 лет, — в органы "
            "защиты детей.\n\n"
            "Вы можете прийти с человеком, которому доверяете. Медицинская помощь не ждёт "
            "заявления в милицию."
        ),
        "title_en": "What happens at the police",
        "body_en": (
            "The police must register your report. Anyone can report family violence.\n\n"
            "- The police issue a protection order and can send the person who used violence to a "
            "correctional programme.\n"
            "- If you agree, they refer you for a forensic medical examination.\n"
            "- If you ask, they take you to a health facility or a safe place.\n"
            "- The police inform the social protection department and, if you are under 18, child "
            "protection.\n\n"
            "You can bring someone you trust. Medical care never waits for a police report."
        ),
        "sources": f"{LAW_63}\n{PATHWAY}",
    },
    {
        "slug": "health-facility",
        "title_ky": "Ооруканада эмне болот",
        "body_ky": (
            "Дарыгер сизге жардам берет, милицияга арыз жазбасаңыз да.\n\n"
            "- Зордуктоодон кийин мүмкүн болушунча эртерээк келиңиз: ВИЧтин контакттан кийинки "
            "профилактикасы 72 сааттын ичинде, шашылыш контрацепция 120 сааттын ичинде берилет.\n"
            "- Дарыгер жаракаттарды карап, дарылайт жана жазып коёт.\n"
            "- Соттук-медициналык экспертиза кийин сотто далил боло алат; ал сиздин макулдугуңуз "
            "менен гана жүргүзүлөт.\n\n"
            "Сизден эмне сурашарын жана эмне кылышарын түшүндүрүп беришүүгө тийиш. Сиз баш "
            "тартсаңыз болот."
        ),
        "title_ru": "Что происходит в медицинском учреждении",
        "body_ru": (
            "Врач окажет вам помощь, даже если вы не обращались в милицию.\n\n"
            "- После изнасилования приходите как можно скорее: постконтактная профилактика ВИЧ "
            "(ПКП) — в течение 72 часов, экстренная контрацепция — в течение 120 часов.\n"
            "- Врач осмотрит и вылечит травмы и запишет их.\n"
            "- Судебно-медицинская экспертиза может потом стать доказательством в суде; её "
            "проводят только с вашего согласия.\n\n"
            "Вам должны объяснить, что спросят и что будут делать. Вы можете отказаться."
        ),
        "title_en": "What happens at a health facility",
        "body_en": (
            "A doctor will help you even if you have not gone to the police.\n\n"
            "- After rape, come as soon as you can: HIV post-exposure prophylaxis (PEP) works "
            "within 72 hours, emergency contraception within 120 hours.\n"
            "- The doctor examines and treats injuries and writes them down.\n"
            "- A forensic medical examination can later be evidence in court; it is done only "
            "with your consent.\n\n"
            "They should explain what they will ask and do. You can say no."
        ),
        "sources": f"{WHO}\n{PATHWAY}",
    },
    {
        "slug": "legal-aid",
        "title_ky": "Акысыз юридикалык жардам",
        "body_ky": (
            "Мамлекет кепилдеген юридикалык жардам жана бейөкмөт уюмдардын юристтери акысыз "
            "кеңеш берет: коргоо ордери, ажырашуу, алимент, балдар, документтер боюнча.\n\n"
            "- 117 — үй-бүлөлүк зомбулуктан жабыр тарткан адамдар үчүн маалымат жана жолдомо "
            "линиясы, акысыз.\n"
            "- 111 — ишеним телефону, акысыз, күнү-түнү; чоңдордун да чалуусун кабыл алат.\n"
            "- Кризистик борбор сизди юристке жолдомо менен жибере алат.\n\n"
            "Жакын жердеги юридикалык жардамды табуу үчүн издөөдө «Юридикалык кеңеш» дегенди "
            "тандаңыз."
        ),
        "title_ru": "Бесплатная юридическая помощь",
        "body_ru": (
            "Гарантированная государством юридическая помощь и юристы общественных организаций "
            "бесплатно консультируют: об охранном ордере, разводе, алиментах, детях, "
            "документах.\n\n"
            "- 117 — линия информации и перенаправления для пострадавших от семейного насилия, "
            "бесплатно.\n"
            "- 111 — телефон доверия, бесплатно, круглосуточно; принимает и звонки взрослых.\n"
            "- Кризисный центр может перенаправить вас к юристу.\n\n"
            "Чтобы найти юридическую помощь рядом, выберите в поиске «Юридическая консультация»."
        ),
        "title_en": "Free legal aid",
        "body_en": (
            "State-guaranteed legal aid and NGO lawyers give free advice: on protection orders, "
            "divorce, child support, children and documents.\n\n"
            "- 117: information and referral line for survivors of family violence, free.\n"
            "- 111: helpline, free, round the clock; it also takes adults' calls.\n"
            "- A crisis centre can refer you to a lawyer.\n\n"
            "To find legal aid near you, choose “Legal advice” in the finder."
        ),
        "sources": (
            "Ministry of Labour, Social Security and Migration: line 117 (opened February 2021)"
            " | https://24.kg/english/180944_\n"
            "Helpline 111 (since 2015) | https://knews.kg/2017/11/02/\n"
            f"{PATHWAY}"
        ),
    },
    {
        "slug": "crisis-centre",
        "title_ky": "Кризистик борбор эмне кылат",
        "body_ky": (
            "Кризистик борбор — үй-бүлөлүк зомбулуктан жабыр тарткан адамдарга социалдык-"
            "психологиялык, юридикалык жана медициналык жардам берген уюм (№ 63 Мыйзам).\n\n"
            "- Сизди угуп, коопсуздук планын түзүүгө жардам берет.\n"
            "- Психолог жана юрист менен кеңешүүгө болот.\n"
            "- Кээ бир борборлордо баш калкалоочу жай бар.\n"
            "- Сиздин макулдугуңуз менен милицияга, ооруканага жана башка кызматтарга жолдомо "
            "берет жана коштоп барат.\n\n"
            "Эмне кылууну сиз өзүңүз чечесиз."
        ),
        "title_ru": "Что делает кризисный центр",
        "body_ru": (
            "Кризисный центр — организация, которая оказывает пострадавшим от семейного насилия "
            "социально-психологическую, юридическую и медицинскую помощь (Закон № 63).\n\n"
            "- Вас выслушают и помогут составить план безопасности.\n"
            "- Можно получить консультацию психолога и юриста.\n"
            "- В некоторых центрах есть приют.\n"
            "- С вашего согласия центр перенаправляет вас в милицию, медицинское учреждение и "
            "другие службы и сопровождает вас.\n\n"
            "Что делать дальше, решаете вы."
        ),
        "title_en": "What a crisis centre does",
        "body_en": (
            "A crisis centre is an organisation that gives survivors of family violence "
            "social, psychological, legal and medical help (law No. 63).\n\n"
            "- They listen and help you make a safety plan.\n"
            "- You can see a psychologist and a lawyer.\n"
            "- Some centres have a shelter.\n"
            "- With your consent, the centre refers you to the police, a health facility and "
            "other services, and goes with you.\n\n"
            "You decide what happens next."
        ),
        "sources": f"{LAW_63}\n{PATHWAY}",
    },
    {
        "slug": "free-and-confidential",
        "title_ky": "Жардам акысыз жана купуя",
        "body_ky": (
            "Кризистик борбордун, ишеним телефонунун жана мамлекеттик юридикалык жардамдын "
            "кызматтары акысыз.\n\n"
            "Сиз жөнүндө маалымат купуя сакталат. Аны башка кызматка сиздин макулдугуңуз менен "
            "гана беришет. Бир гана учур бар: мыйзам милдеттендирген учурда (мисалы, бала "
            "коркунучта болсо) адис милдеттүү түрдө кабарлайт; ал сизге муну алдын ала "
            "айтышы керек.\n\n"
            "Сиз макулдугуңузду каалаган убакта кайтарып алсаңыз болот."
        ),
        "title_ru": "Помощь бесплатна и конфиденциальна",
        "body_ru": (
            "Услуги кризисных центров, телефонов доверия и государственной юридической помощи "
            "бесплатны.\n\n"
            "Сведения о вас хранятся конфиденциально. Их передают другой службе только с "
            "вашего согласия. Исключение одно: когда закон обязывает (например, если ребёнок в "
            "опасности), специалист обязан сообщить; он должен сказать вам об этом заранее.\n\n"
            "Вы можете отозвать своё согласие в любое время."
        ),
        "title_en": "Help is free and confidential",
        "body_en": (
            "The services of crisis centres, helplines and state legal aid are free.\n\n"
            "What you tell them is kept confidential. It is passed to another service only "
            "with your consent. There is one exception: where the law requires it (for example "
            "when a child is in danger), the worker must report; they should tell you this "
            "beforehand.\n\n"
            "You can withdraw your consent at any time."
        ),
        "sources": f"{LAW_63}\n{PATHWAY}",
    },
]
