"""Case-file models, one module per step of the case (PRODUCT.md §4). Import them from
here: `from referral.cases.models import Case, Incident`."""

from referral.cases.models.assessment import (  # noqa: F401
    NEED_AREAS,
    AbductionType,
    GBVType,
    Incident,
    LegalCategory,
    MarriageRegistration,
    NeedPriority,
    NeedsAssessment,
    Perpetrator,
    PerpetratorCount,
    PerpetratorRelationship,
    PlaceType,
    ReportingDelay,
    RiskAssessment,
    RiskFactor,
    TimeOfDay,
)
from referral.cases.models.case import (  # noqa: F401
    ERASURE_LABELS,
    STATUS_LABELS,
    AgeBand,
    Case,
    CaseAssignment,
    CaseChild,
    CaseEvent,
    CaseKey,
    CaseSearchIndex,
    CaseStatus,
    ContactMethod,
    Disability,
    Displacement,
    ErasureReason,
    MaritalStatus,
    ReferralSource,
    RiskLevel,
    Sex,
    case_child_models,
)
from referral.cases.models.consent import (  # noqa: F401
    ChildAssent,
    Consent,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
)
from referral.cases.models.plan import (  # noqa: F401
    ActionPlanItem,
    CaseNote,
    FollowUp,
    ProtectionOrder,
    ProtectionOrderViolation,
)
