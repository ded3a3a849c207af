"""Phone numbers of an organisation or of one of its services, kept as an ordered list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from referral.directory.models import Organisation, Phone, PhoneType, Service
from referral.directory.service.rules import check_phones
from referral.extensions import db


@dataclass
class PhoneInput:
    number: str
    phone_type: PhoneType = PhoneType.VOICE
    description: str = ""


def sync_phones(org: Organisation, service: Service | None, wanted: list[PhoneInput]) -> bool:
    """Make the phones of an organisation (service None) or service equal `wanted`,
    reusing rows in order so that ids stay stable for exchange partners. Raises
    DirectoryError on a number nobody could call."""
    check_phones([item.number for item in wanted])
    query = select(Phone).where(Phone.organisation_id == org.id)
    query = query.where(
        Phone.service_id == service.id if service else Phone.service_id.is_(None)
    ).order_by(Phone.position)
    current = list(db.session.execute(query).scalars())
    changed = len(current) != len(wanted)
    for position, item in enumerate(wanted):
        phone = current[position] if position < len(current) else None
        if phone is None:
            phone = Phone(organisation_id=org.id, service_id=service.id if service else None)
            db.session.add(phone)
        values = {
            "number": item.number,
            "phone_type": item.phone_type,
            "description": item.description,
            "position": position,
        }
        for name, value in values.items():
            if getattr(phone, name) != value:
                setattr(phone, name, value)
                changed = True
    for phone in current[len(wanted) :]:
        db.session.delete(phone)
    db.session.flush()
    if service is not None:
        db.session.expire(service, ["phones"])
    return changed
