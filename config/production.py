"""Production: PostgreSQL, gunicorn, Redis; secrets and keys from mounted files.

Set REFERRAL_SQLALCHEMY_DATABASE_URI (or its _FILE), SECRET_KEY_FILE,
REFERRAL_KEYS_DIR and REFERRAL_RATELIMIT_STORAGE_URI=redis://...
"""

ENV_NAME = "production"
SESSION_COOKIE_NAME = "__Host-session"
SESSION_COOKIE_SECURE = True
ENFORCE_KEY_FILE_MODE = True
KEYS_FROM_ENV = False
KEYS_DIR = "/run/secrets/referral-keys"
PROXY_FIX_X_FOR = 1
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}
