"""Declarative base, naming convention and column helpers shared by every domain."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Named constraints so that migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite too (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), uuid.UUID: Uuid()},
    )


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


class UUIDPrimaryKey:
    """Client-generated UUIDs: the row id is known before flush (encryption binds to it)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)

    def __init__(self, **kwargs):
        kwargs.setdefault("id", new_uuid())
        super().__init__(**kwargs)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def str_enum(enum_cls, length: int = 30) -> SAEnum:
    """Store a StrEnum by value as VARCHAR, read it back as the enum member."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class LabelledEnum(StrEnum):
    """A StrEnum whose members have translated labels: set `Cls.LABELS = {member: _l(..)}`
    right after the class. Forms build their choices from `choices()`."""

    @property
    def label(self) -> str:
        from referral.i18n import text_of  # Flask-Babel is set up after the models load

        return text_of(type(self).LABELS[self])

    @classmethod
    def choices(cls, blank=None) -> list[tuple[str, str]]:
        items = [(m.value, type(m).LABELS[m]) for m in cls]
        return ([("", blank)] if blank is not None else []) + items
