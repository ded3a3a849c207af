"""The audit trail pages."""

import pytest


@pytest.mark.parametrize("before", ["99999999999999999999", "-5", "0", "abc"])
def test_paging_with_any_number_shows_the_trail(login_as, before):
    auditor = login_as("auditor")
    response = auditor.get(f"/audit/?before={before}")
    assert response.status_code == 200
    assert "Audit trail" in response.get_data(as_text=True)


def test_auditor_verifies_the_chain_in_the_browser(login_as):
    auditor = login_as("auditor")
    page = auditor.post("/audit/verify").get_data(as_text=True)
    assert "The chain is intact" in page
