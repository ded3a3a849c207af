"""Every model of every domain, imported in one place for migrations and tests."""

from referral.audit.models import AuditEvent, AuditHead
from referral.auth.models import RecoveryCode, SecondFactor, User, UserSession

# The package imports every step's models (consent, assessment, plan, closure, ...).
from referral.cases.models import Case, CaseAssignment, CaseEvent, CaseKey, CaseSearchIndex
from referral.committees.models import (
    Committee,
    CommitteeActivity,
    CommitteeMember,
    Pathway,
    PathwayStep,
    PathwayStepProvider,
    PathwayVersion,
)
from referral.crypto.models import BlindIndexVersion
from referral.directory.models import (
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceLanguage,
    Site,
)
from referral.info.models import InfoPage, InfoPageVersion
from referral.notifications.models import Notification
from referral.referrals.models import Referral, ReferralEvent
from referral.stats.models import StatsCase, StatsIncident, StatsReferral

__all__ = [
    "AuditEvent",
    "AuditHead",
    "BlindIndexVersion",
    "Case",
    "CaseAssignment",
    "CaseEvent",
    "CaseKey",
    "CaseSearchIndex",
    "Committee",
    "CommitteeActivity",
    "CommitteeMember",
    "InfoPage",
    "InfoPageVersion",
    "Location",
    "Notification",
    "Organisation",
    "Pathway",
    "PathwayStep",
    "PathwayStepProvider",
    "PathwayVersion",
    "Phone",
    "RecoveryCode",
    "Referral",
    "ReferralEvent",
    "Schedule",
    "SecondFactor",
    "Service",
    "ServiceArea",
    "ServiceAtSite",
    "ServiceLanguage",
    "Site",
    "StatsCase",
    "StatsIncident",
    "StatsReferral",
    "User",
    "UserSession",
]
