"""The signed-in home page: what needs this user's attention now."""
