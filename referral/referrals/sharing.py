"""What of a case a referral may carry to a provider (PRODUCT.md §3).

A *share item* is one thing a provider can be told: the survivor's name, her age, the
incident's type, the perpetrator's relationship to her... Each item names the encrypted
field units it needs (none for the plain ones). A provider type's *profile* is the
items it may receive; the caseworker can narrow a referral's items, never widen them,
and the server keeps only the profile's items whatever is posted.

Never an item: the crisis centre's case notes, the full incident narrative, other
providers' referrals and feedback.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from referral.crypto import grants as U
from referral.directory.models import OrganisationType


@dataclass(frozen=True)
class ShareItem:
    code: str
    label: object
    units: frozenset[str]  # encrypted units it decrypts (empty: plain data only)


ITEMS: dict[str, ShareItem] = {
    item.code: item
    for item in (
        ShareItem("name", _l("Name"), frozenset({U.NAME})),
        ShareItem("age", _l("Age"), frozenset({U.AGE})),
        ShareItem("sex", _l("Sex"), frozenset()),
        ShareItem("safe_contact", _l("Safe contact"), frozenset({U.CONTACT})),
        ShareItem("address", _l("Address"), frozenset({U.ADDRESS})),
        ShareItem("children", _l("Accompanying children"), frozenset({U.CHILDREN})),
        ShareItem("incident_type", _l("Type of incident"), frozenset()),
        ShareItem("incident_date", _l("Date of the incident"), frozenset()),
        ShareItem("incident_place", _l("Place and rayon of the incident"), frozenset()),
        ShareItem(
            "incident_time_windows",
            _l("Date and time of the incident, hours since, PEP and contraception windows"),
            frozenset(),
        ),
        ShareItem("perpetrator_name", _l("Perpetrator's name"), frozenset({U.PERPETRATOR_NAME})),
        ShareItem("perpetrator_relationship", _l("Perpetrator's relationship to her"), frozenset()),
        ShareItem("risk", _l("Risk level and immediate danger"), frozenset()),
        ShareItem(
            "psychosocial_needs", _l("Psychosocial needs"), frozenset({U.NEEDS_PSYCHOSOCIAL})
        ),
        ShareItem("material_needs", _l("Material needs"), frozenset({U.NEEDS_MATERIAL})),
        ShareItem("protection_order_status", _l("Protection-order status"), frozenset()),
        ShareItem("summary", _l("Referral summary"), frozenset({U.REFERRAL_SUMMARY})),
    )
}

_T = OrganisationType
PROFILES: dict[OrganisationType, tuple[str, ...]] = {
    _T.POLICE: (
        "name",
        "safe_contact",
        "address",
        "incident_type",
        "incident_date",
        "incident_place",
        "perpetrator_name",
        "perpetrator_relationship",
        "risk",
        "summary",
    ),
    _T.HEALTH: ("name", "age", "sex", "incident_type", "incident_time_windows", "risk", "summary"),
    _T.PSYCHOSOCIAL: (
        "name",
        "age",
        "safe_contact",
        "incident_type",
        "risk",
        "psychosocial_needs",
        "summary",
    ),
    _T.LEGAL_AID: (
        "name",
        "safe_contact",
        "incident_type",
        "incident_date",
        "perpetrator_relationship",
        "protection_order_status",
        "summary",
    ),
    _T.SHELTER: ("name", "age", "sex", "children", "risk", "summary"),
    _T.SOCIAL_PROTECTION: (
        "name",
        "safe_contact",
        "address",
        "children",
        "material_needs",
        "summary",
    ),
    # A case transferred to another crisis centre: what it needs to take the case over
    # is the whole case, which the transfer gives it on acceptance, not through sharing.
    _T.CRISIS_CENTRE: ("name", "age", "sex", "safe_contact", "risk", "summary"),
}


def profile_for(org_type: OrganisationType | str | None) -> tuple[str, ...]:
    """The items a provider of this type may receive; none for an unknown type."""
    try:
        return PROFILES.get(OrganisationType(org_type), ())
    except ValueError:
        return ()


def allowed_items(org_type, wanted) -> tuple[str, ...]:
    """`wanted` narrowed to the profile, in the profile's order: posting an item outside
    it never widens what is shared. The summary always goes (tell the story once)."""
    profile = profile_for(org_type)
    wanted = set(wanted or ()) | {"summary"}
    return tuple(code for code in profile if code in wanted)


def units_of(items) -> frozenset[str]:
    return frozenset().union(*(ITEMS[c].units for c in items if c in ITEMS))
