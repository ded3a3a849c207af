import pytest

from referral.directory import service


@pytest.fixture
def kg(session):
    """Kyrgyzstan's shipped locations, by COATE code."""
    service.load_locations()
    return lambda code: service.location_by_code(code)


# COATE codes used across the directory tests.
BISHKEK = "41711000000000"
OKTYABR = "41711202000000"
CHUY = "41708000000000"
SOKULUK = "41708222000000"
NARYN_OBLAST = "41704000000000"
NARYN_RAYON = "41704245000000"
AITMATOV = "41707215000000"
