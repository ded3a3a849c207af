"""Case times in Asia/Bishkek: what staff type and read is local time, what is stored is
UTC. Kyrgyzstan keeps UTC+6 all year (no daylight saving since 2005)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

BISHKEK = ZoneInfo("Asia/Bishkek")


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(BISHKEK)


def to_utc(local_date: date, local_time: time | None = None) -> datetime:
    """A date and time typed in Bishkek as an aware UTC datetime (noon when no time)."""
    naive = datetime.combine(local_date, local_time or time(12, 0))
    return naive.replace(tzinfo=BISHKEK).astimezone(UTC)


def to_local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(BISHKEK)


def hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600
