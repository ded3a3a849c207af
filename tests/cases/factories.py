"""Factories for cases. A case is made through `service.open_case`, the only way its
data key, ciphertext and blind indexes come into being together; CaseKey and
CaseSearchIndex rows exist only as parts of a case."""

from __future__ import annotations

import factory

from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Case
from referral.crypto.models import BlindIndexVersion, IndexState
from tests.factories import Base, UserFactory

__all__ = ["BlindIndexVersionFactory", "CaseFactory"]


class CaseFactory(factory.Factory):
    """CaseFactory(owner=user, full_name=..., phone=..., birth_date=..., note=...)."""

    class Meta:
        model = Case

    owner = factory.LazyFunction(lambda: UserFactory(role=Role.CASEWORKER))
    full_name = factory.Sequence(lambda n: f"Aigul Survivor{n}ova")
    birth_date = None
    phone = factory.Sequence(lambda n: f"+996 555 {n % 1000000:06d}")
    note = "Intake note"

    @classmethod
    def _create(cls, model_class, owner, full_name, birth_date, phone, note):
        return service.open_case(
            owner,
            service.CaseInput(full_name=full_name, birth_date=birth_date, phone=phone, note=note),
        )

    _build = _create


class BlindIndexVersionFactory(Base):
    class Meta:
        model = BlindIndexVersion

    key_id = factory.Sequence(lambda n: f"bidx-{n + 100}")
    bits = 14
    state = IndexState.RETIRED
