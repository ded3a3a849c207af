"""Case business rules, one module per step of the case file (PRODUCT.md §4).

`from referral.cases import service` gives the intake and erasure functions most callers
use; the steps live in `service.consent`, `service.assessment`, `service.plan`,
`service.closure`, `service.attachments`.
"""

from referral.cases.service.common import (  # noqa: F401
    CaseClosedError,
    CaseErasedError,
    CaseError,
    StaleError,
    record_event,
)
from referral.cases.service.erasure import erase_case, shred  # noqa: F401
from referral.cases.service.failures import report_decrypt_failure  # noqa: F401
from referral.cases.service.intake import (  # noqa: F401
    PAGE_SIZE,
    CaseDetail,
    CaseFilters,
    CaseInput,
    CasePage,
    CaseSummary,
    PossibleDuplicates,
    SearchResult,
    assign_case,
    assignable_caseworkers,
    count_open_cases,
    list_cases,
    new_case_code,
    open_case,
    possible_duplicates,
    read_case,
    search_cases,
    summaries,
    update_case,
)
