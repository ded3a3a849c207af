"""Form validators shared by every domain's forms."""

import uuid

from wtforms.validators import Optional

# For select fields: an empty choice is allowed, anything else must be one of the
# choices. Plain Optional() would also let whitespace through, and it clears the
# field's "not a valid choice" error, so " " would reach the view as a value.
CHOICE_OR_EMPTY = Optional(strip_whitespace=False)


def coerce_uuid(value):
    """A select's value as a UUID: None when empty or not an id (the field then says why)."""
    if value is None or value == "" or isinstance(value, uuid.UUID):
        return value or None
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None
