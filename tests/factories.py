"""factory-boy factories for every model."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from referral.auth.models import User, UserSession
from referral.auth.permissions import Role
from referral.auth.service import hash_password
from referral.directory.models import Location, LocationLevel, Organisation, OrganisationType
from referral.extensions import db

TEST_PASSWORD = "correct horse battery staple"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class LocationFactory(Base):
    class Meta:
        model = Location

    code = factory.Sequence(lambda n: f"4179{n:010d}")
    level = LocationLevel.RAYON
    name_en = factory.Sequence(lambda n: f"Rayon {n}")
    name_ru = factory.Sequence(lambda n: f"Район {n}")
    name_ky = factory.Sequence(lambda n: f"{n} району")


# The organisation type each role belongs to by default.
ROLE_ORG_TYPE = {
    Role.CASEWORKER: OrganisationType.CRISIS_CENTRE,
    Role.SUPERVISOR: OrganisationType.CRISIS_CENTRE,
    Role.PROVIDER: OrganisationType.POLICE,
    Role.COMMITTEE_MEMBER: OrganisationType.COMMITTEE,
    Role.ADMIN: OrganisationType.ADMINISTRATION,
    Role.AUDITOR: OrganisationType.ADMINISTRATION,
}


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    org_type = OrganisationType.CRISIS_CENTRE
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    name_ru = factory.Sequence(lambda n: f"Организация {n}")
    name_ky = factory.Sequence(lambda n: f"Уюм {n}")


_HASHES: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Staff Member {n}")
    role = Role.CASEWORKER
    organisation = factory.LazyAttribute(
        lambda o: OrganisationFactory(org_type=ROLE_ORG_TYPE[Role(o.role)])
    )
    password_hash = factory.LazyFunction(lambda: _password_hash(TEST_PASSWORD))
    is_active_account = True

    @factory.post_generation
    def second_factor(user, create, extracted, **kwargs):
        """Enrolled (a TOTP secret, sealed) when the role requires it, unless
        `second_factor=False`; `second_factor=True` enrols any role. The code of the
        moment: `referral.auth.second_factor.code_now(user)`."""
        from referral.auth import second_factor

        wanted = second_factor.is_required(user) if extracted is None else extracted
        if create and wanted:
            second_factor.enrol_with_secret(user)


class UserSessionFactory(Base):
    class Meta:
        model = UserSession

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


# Each domain's factories live beside its tests; imported here so `factories.X` finds them.
from tests.cases.factories import *  # noqa: E402, F403
from tests.committees.factories import *  # noqa: E402, F403
from tests.directory.factories import *  # noqa: E402, F403
