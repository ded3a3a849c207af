"""What an import assumes when a plain HSDS file (from another system, without our profile's
fields) leaves something the directory needs unsaid. Each assumption is reported per record.
"""

from __future__ import annotations

import re

from referral.directory.models import LegalStatus, OrganisationType, ServiceType

_KYRGYZ_LETTERS = set("ңөүҢӨҮ")


def text_language(text: str) -> str:
    """The language a plain HSDS text is most likely in: HSDS has one name per object and
    no language for it. Latin script is taken as English, Cyrillic as Russian unless it
    has letters only Kyrgyz uses (ң, ө, ү)."""
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
    if not letters or cyrillic * 2 < len(letters):
        return "en"
    return "ky" if _KYRGYZ_LETTERS & set(text) else "ru"


# Free-text legal statuses that name one of ours (lower case, punctuation removed).
_LEGAL_WORDS = {
    LegalStatus.STATE: ("state", "government", "governmental", "public body", "государственн"),
    LegalStatus.MUNICIPAL: ("municipal", "local government", "муниципальн"),
    LegalStatus.NGO: (
        "ngo",
        "non profit",
        "nonprofit",
        "not for profit",
        "non governmental",
        "charity",
        "foundation",
        "public association",
        "нко",
        "некоммерческ",
        "общественн",
        "фонд",
    ),
    LegalStatus.INTERNATIONAL: ("international", "un agency", "международн"),
    LegalStatus.COMMUNITY: ("community", "community based", "жамаат", "сообществ"),
}


def legal_status(text: str) -> LegalStatus | None:
    """Our legal status for a free-text one, or None when it names none of ours."""
    value = re.sub(r"[^\w ]+", " ", text.lower()).strip()
    if value in LegalStatus._value2member_map_:
        return LegalStatus(value)
    for status, words in _LEGAL_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}", value) for w in words):
            return status
    return None


_ORG_TYPE_OF_SERVICE = {
    OrganisationType.POLICE: (
        ServiceType.POLICE_INTERNAL_AFFAIRS,
        ServiceType.POLICE_DISTRICT_INSPECTOR,
        ServiceType.PROTECTION_ORDER_ISSUING,
    ),
    OrganisationType.HEALTH: (
        ServiceType.FORENSIC_MEDICAL_EXAMINATION,
        ServiceType.HEALTH_PRIMARY_CARE,
        ServiceType.HEALTH_HOSPITAL,
        ServiceType.HEALTH_SEXUAL_REPRODUCTIVE,
        ServiceType.MENTAL_HEALTH,
    ),
    OrganisationType.PSYCHOSOCIAL: (ServiceType.PSYCHOLOGIST_COUNSELLING,),
    OrganisationType.CRISIS_CENTRE: (ServiceType.CRISIS_CENTRE,),
    OrganisationType.SHELTER: (ServiceType.SHELTER_SAFE_ACCOMMODATION,),
    OrganisationType.LEGAL_AID: (ServiceType.LEGAL_AID_STATE, ServiceType.LEGAL_AID_NGO),
    OrganisationType.SOCIAL_PROTECTION: (
        ServiceType.SOCIAL_PROTECTION_DEPARTMENT,
        ServiceType.CHILD_PROTECTION_FAMILY_SUPPORT,
        ServiceType.SINGLE_WINDOW_CENTRE,
    ),
    OrganisationType.COMMITTEE: (
        ServiceType.LOCAL_SELF_GOVERNMENT,
        ServiceType.PREVENTION_COMMITTEE,
        ServiceType.AKSAKAL_COURT,
    ),
}


def organisation_type(service_types: list[str]) -> OrganisationType:
    """The organisation type its services suggest (the first that names one), else
    administration: the type that gives no one a pathway role by mistake."""
    for value in service_types:
        for org_type, kinds in _ORG_TYPE_OF_SERVICE.items():
            if value in kinds:
                return org_type
    return OrganisationType.ADMINISTRATION


LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")  # ISO 639-1 (two letters) or 639-2/3 (three)
