"""Case business rules, one module per step of the case file (PRODUCT.md §4).

`from referral.cases import service` gives the intake and erasure functions most callers
use; the steps live in `service.consent`, `service.assessment`, `service.plan`,
`service.closure`, `service.attachments`.
"""

from referral.cases.service.assignment import (  # noqa: F401
    assign_case,
    assignable_caseworkers,
    case_teams,
    staff_of,
)
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
    CaseDetail,
    CaseInput,
    PossibleDuplicates,
    case_id_for_code,
    new_case_code,
    open_case,
    possible_duplicates,
    read_case,
    update_case,
)
from referral.cases.service.lists import (  # noqa: F401
    PAGE_SIZE,
    CaseFilters,
    CasePage,
    CaseSummary,
    SearchResult,
    count_open_cases,
    list_cases,
    search_cases,
    summaries,
)
