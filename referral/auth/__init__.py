"""Users, roles, permissions, sign-in and server-side sessions."""
