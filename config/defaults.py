"""Settings shared by every environment. Secrets are never set here."""

from datetime import timedelta

ENV_NAME = "defaults"
DEBUG = False
TESTING = False

# A placeholder the production checks refuse; development overrides it.
SECRET_KEY = "insecure-default-secret-key"  # noqa: S105

SQLALCHEMY_DATABASE_URI = "sqlite:///referral.sqlite3"  # relative to instance/
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
ALLOW_SQLITE_IN_PRODUCTION = False

# Keys live in files, one per key, never in the database or the repository.
KEYS_DIR = "keys"  # relative to instance/ unless absolute
KEYS_FROM_ENV = False  # development only: REFERRAL_KEY_<ID> variables
ENFORCE_KEY_FILE_MODE = False  # production: refuse keys readable by group or others
# Blind indexes: bit length inside the planner's safe range for the expected number of
# cases (2 <= R / 2^L <= sqrt(R); docs/encryption.md). A new value applies to the next
# `flask keys rotate-index`.
BLIND_INDEX_EXPECTED_ROWS = 100_000
BLIND_INDEX_BITS = 14

# Sessions: server-side records; the cookie carries only a random token.
SESSION_COOKIE_NAME = "session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
SESSION_IDLE_MINUTES = 30
# A session between the password and the end of sign-in (second factor, password
# change, second-factor enrolment) expires sooner when left idle.
SESSION_PARTIAL_IDLE_MINUTES = 5
SESSION_ABSOLUTE_HOURS = 10
PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_ABSOLUTE_HOURS)
REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = 8 * 3600
# Flask-WTF's "strict" HTTPS check wants a Referer from this host on every POST, and our
# Referrer-Policy: no-referrer means browsers send none: every form would answer 400
# behind TLS (found by the deployment smoke test). The session-bound token and the
# SameSite cookie are the CSRF defence; the Referer check added nothing browsers keep.
WTF_CSRF_SSL_STRICT = False

# Languages: every UI string exists in all three.
LANGUAGES = ("ky", "ru", "en")
BABEL_DEFAULT_LOCALE = "ru"
BABEL_DEFAULT_TIMEZONE = "Asia/Bishkek"

# Argon2id: argon2-cffi's RFC 9106 low-memory profile, above the OWASP floor.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST = 65536
ARGON2_PARALLELISM = 4
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128

RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_ENABLED = True
# Redis away (production keeps the limits there): each process counts in its own memory
# until Redis answers again, rather than every sign-in failing. Guessing stays bounded:
# the per-account limit holds in each process, and the account's lockout below lives in
# the database, not in Redis. Staff who cannot sign in cannot reach a survivor's case.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# Failed sign-ins only (a success is never counted). Per address: loose enough for an
# office of many staff behind one public address mistyping at 9:00. Per account: tight,
# from any address, since that is where guessing a password happens.
LOGIN_RATE_LIMIT = "30 per minute;200 per hour"
LOGIN_ACCOUNT_RATE_LIMIT = "5 per minute;20 per hour"
# Progressive lockout of an account (password or code failures in a row, from any
# address): from the 5th, locked 1 minute, then 2, 4, 8 ... up to an hour. Lifted by
# time, by a complete sign-in, or by whoever manages the account (Users page).
LOCKOUT_THRESHOLD = 5
LOCKOUT_BASE_SECONDS = 60
LOCKOUT_MAX_SECONDS = 3600
RATELIMIT_HEADERS_ENABLED = False

# Trusted reverse proxies in front of the app (for client IP in logs and limits).
PROXY_FIX_X_FOR = 0

# --- Protection orders (plan step of the case file) -------------------------------------
# Durations under law No. 63 "On safeguarding and protection from family violence", used
# as the default "valid until" of a new order (domain.md §3.1). [verify] every value
# against the current consolidated text: the 2020, 2024 and 2025 amendments may have
# changed them. Days are calendar days counted from the day of issue.
PROTECTION_ORDER_TEMPORARY_DAYS = 3  # [verify] police temporary order: "at least 3 days"
PROTECTION_ORDER_EXTENDED_DAYS = 30  # [verify] extended at her request: "up to 30 days"
PROTECTION_ORDER_COURT_DAYS = 90  # [verify] 2025 court restrictions: "up to 3 months"

# --- Case file: attachments, closure, retention -------------------------------------
# Encrypted attachment files: relative to instance/ unless absolute, and never under
# static/ (the app refuses such a setting: static files are served without a check).
ATTACHMENTS_DIR = "attachments"
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # a scanned certificate or order, several pages
# Uploads are held in memory (referral.web.InMemoryUploadRequest), so every request is
# bounded; well above any form or directory import. An attachment between the two
# limits gets the form's own message, and so does one above (cases.views.attachments).
MAX_CONTENT_LENGTH = 32 * 1024 * 1024
# Closed cases are shredded by `flask cases retention --shred` once this many years
# have passed since closure [verify the period with the crisis centres and the law].
CASE_RETENTION_YEARS = 5

# --- Notifications: optional e-mail (referrals, deadlines and notifications) -----------
# Off unless a relay, a sender and the application's public address are all set. A
# message says only that something is waiting, with a link to sign in (never a name or
# a case code). The request waits for the relay: use one on the same host or network
# that queues and retries (docs/notifications.md).
MAIL_SMTP_HOST = None  # e.g. "127.0.0.1" (a local postfix or nullmailer)
MAIL_SMTP_PORT = 587
MAIL_SMTP_TLS = "starttls"  # "starttls", "ssl" (implicit TLS, port 465) or "none"
MAIL_SMTP_USER = None
MAIL_SMTP_PASSWORD_FILE = None  # a file holding only the password; relative to instance/
MAIL_SMTP_TIMEOUT = 10  # seconds
MAIL_FROM = None  # e.g. "no-reply@referral.example.kg"
MAIL_LINK_BASE_URL = None  # e.g. "https://referral.example.kg": links never use the Host header

# --- Audit trail: checkpoints outside the database -------------------------------------
# `flask audit checkpoint` (by hand and from cron, e.g. hourly) appends the sealed
# chain's tip, signed, to a file here; `flask audit verify` compares the chain with it,
# which is what detects cut-off newest entries or a restored old database. Relative to
# instance/ unless absolute; in production, a directory on another volume or host that
# the database's administrators cannot rewrite (docs/audit.md). None: no checkpoints.
AUDIT_CHECKPOINT_DIR = "audit-checkpoints"
# Seal the audit entries a request wrote from a sealer thread of the process, a moment
# after the request (one batch for many requests), rather than in the request itself.
AUDIT_SEAL_IN_BACKGROUND = True

# --- Statistics -----------------------------------------------------------------------
# Counts from 1 to STATS_MIN_CELL - 1 are shown as "<STATS_MIN_CELL" and all others are
# rounded to a multiple of it (docs/statistics.md). Never below 5: a lower value is
# raised to 5. Use 10 where committees are small or places are thinly populated.
STATS_MIN_CELL = 5
