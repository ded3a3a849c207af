"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Read by gunicorn, not by the app. Every value can be set from the environment, so the
same file serves one laptop and several hosts behind one proxy (docs/deploy.md).
"""

import multiprocessing
import os

# Loopback only: nginx, on this host, is the one client. Another host's proxy reaches a
# private address instead (REFERRAL_BIND=10.0.0.5:8000).
bind = os.environ.get("REFERRAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REFERRAL_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
# Sync workers: each request holds one database connection for its transaction; the
# pool (config/production.py) is sized for one request at a time per worker.
worker_class = "sync"
timeout = int(os.environ.get("REFERRAL_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, staggered, so no worker's memory grows for weeks.
max_requests = 2000
max_requests_jitter = 200
# Not preloaded: each worker starts its own audit sealer thread, which a fork would lose.
preload_app = False
# Only the proxy on this host may set X-Forwarded-*; the app's ProxyFix trusts one hop.
forwarded_allow_ips = os.environ.get("REFERRAL_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs without personal data: the path without its query string (%(U)s, never %(r)s or
# %(q)s: a query may carry a search term), no referrer, no user agent. Paths carry
# random ids only, never a name or a case code.
accesslog = os.environ.get("REFERRAL_ACCESS_LOG", "-")
errorlog = os.environ.get("REFERRAL_ERROR_LOG", "-")
access_log_format = "%(t)s %(m)s %(U)s %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s"
loglevel = "info"
proc_name = "referral"

# gunicornc's control socket defaults to the user's home, which the application's
# system user does not have: a path in a directory of its own when wanted, else none.
control_socket = os.environ.get("REFERRAL_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
