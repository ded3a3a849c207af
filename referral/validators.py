"""Form validators shared by every domain's forms."""

from wtforms.validators import Optional

# For select fields: an empty choice is allowed, anything else must be one of the
# choices. Plain Optional() would also let whitespace through, and it clears the
# field's "not a valid choice" error, so " " would reach the view as a value.
CHOICE_OR_EMPTY = Optional(strip_whitespace=False)
