"""Local development and the demo: SQLite under instance/, keys generated there."""

ENV_NAME = "development"
DEBUG = False  # the Werkzeug debugger shows frames with decrypted values; keep it off
SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105
KEYS_FROM_ENV = True
