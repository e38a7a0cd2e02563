"""didhub settings: everything from environment variables, with defaults that run the demo.

The defaults give the embedded demo (SQLite under var/, an SQLite broker, console email); its
public keys only with DIDHUB_DEMO=true. Production sets DATABASE_URL, CELERY_BROKER_URL,
REDIS_URL, SECRET_KEY, FIELD_ENCRYPTION_KEYS (without both it does not start), EMAIL_URL,
ALLOWED_HOSTS, SITE_URL and DEBUG=false; see the README's configuration table.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEMO_MODE = env.bool("DIDHUB_DEMO", default=False)
DEBUG = env.bool("DEBUG", default=False)
# The demo's key is public (it is written here), so anything it signs can be forged: it is only
# ever the default of the demo. Outside the demo a missing key stops the app (see the end of the
# security section).
DEMO_SECRET_KEY = "didhub-demo-secret-key-not-for-production-use-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY if DEMO_MODE else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "audit",
    "customers",
    "inventory",
    "messaging",
    "billing",
    "reports",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.RefuseUnusableQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.sessions.IdleSessionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "customers.middleware.TenantMiddleware",
    "audit.context.AuditContextMiddleware",
    "customers.mfa.MFAEnrolmentMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "customers.context_processors.tenant",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'didhub.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server and worker share one SQLite file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # The reports' covering indexes (PostgreSQL) are plain indexes here, which is all the
    # demo's few numbers need.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email login, closed signup (people join by invitation), verified email outside
# the demo, TOTP MFA, rate limits on (allauth's defaults).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional" if DEMO_MODE else "mandatory"
ACCOUNT_ADAPTER = "customers.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Changing the email address, adding or removing one, asks for the password again (allauth's
# reauthentication; MFA changes ask for it by default, MFA_REAUTHENTICATION_REQUIRED). One address
# per person: a new one is pending until its owner confirms it, and only then replaces the old one,
# so nobody can attach a stranger's address; the rate limit bounds the mail such attempts send.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_RATE_LIMITS = {"manage_email": "10/h/user"}  # a change through reauth counts twice
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Platform admins and reseller owners must enrol TOTP before they reach anything but the sign-in
# and MFA pages (customers.mfa.MFAEnrolmentMiddleware). Off in the demo, whose users sign in with
# public passwords and no authenticator. A reseller may require it of its staff or clients too.
MFA_REQUIRED_FOR_LEADERS = env.bool("MFA_REQUIRED_FOR_LEADERS", default=not DEMO_MODE)
MFA_TOTP_TOLERANCE = 1  # the code of the 30 s before or after counts too (a phone's clock drifts)
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="didhub")
MFA_ADAPTER = "customers.adapters.MFAAdapter"  # the issuer is the person's brand

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format on every page ("2 Dec 2026"); see portal/formats/en/formats.py.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="didhub <no-reply@didhub.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _demo_field_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + secret).encode()).digest()).decode()


# Fernet keys for secrets stored in the database, newest first; old keys keep old rows readable.
# Their own variable (never derived from SECRET_KEY outside the demo), so either can be rotated
# without the other.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=[_demo_field_key(SECRET_KEY)] if DEMO_MODE else []
)

# Celery: JSON only, late acks, one task at a time per worker process, bounded run time.
# The embedded broker (the demo; see the README): kombu's SQLAlchemy transport on an SQLite file,
# through portal.broker (WAL, a lock wait, a quick poll). Production sets a redis:// URL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqlite:///{VAR_DIR / 'broker.sqlite3'}")
CELERY_BROKER_TRANSPORT = None
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("sqlite:"):
    CELERY_BROKER_TRANSPORT = "portal.broker:Transport"
    # No fanout exchanges on this transport: remote control (celery inspect) is unavailable.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    VAR_DIR.mkdir(exist_ok=True)
else:
    # Longer than the longest task so an unacknowledged task is not redelivered while it runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Forwarding received texts to a client's URL: https and public hosts only, except in the demo
# (where a local test receiver is handy). Tests override it where they need to.
MESSAGING_FORWARD_ALLOW_PRIVATE = env.bool("MESSAGING_FORWARD_ALLOW_PRIVATE", default=DEMO_MODE)

# Where a suspended number's calls go at providers that suspend by forwarding (PBXme), as a
# routing destination ("sip:closed@announce.example.com", a phone number); empty = nowhere.
UPSTREAM_SUSPENDED_FORWARD = env.str("UPSTREAM_SUSPENDED_FORWARD", default="")
# Renewals: a reseller's grace + suspension days stay within this, below one upstream period
# (the shortest, a month, is at least 28 days), so at most one upstream renewal is wasted.
RENEWAL_MAX_UNPAID_DAYS = env.int("RENEWAL_MAX_UNPAID_DAYS", default=27)
# The platform's shortest grace: numbers at a provider that cannot suspend them upstream (IDT
# Express has no routing API; the adapter declares suspension "local") keep ringing when
# "suspended", so their grace never exceeds this whatever the reseller chose.
RENEWAL_SHORTEST_GRACE_DAYS = env.int("RENEWAL_SHORTEST_GRACE_DAYS", default=1)
# How many due numbers the renewal job reads at a time (it never loads them all).
RENEWAL_BATCH_SIZE = env.int("RENEWAL_BATCH_SIZE", default=500)
# A reseller's new retail price for a number applies from the first period falling due at least
# this many days later (the client is told at once).
RENEWAL_PRICE_NOTICE_DAYS = env.int("RENEWAL_PRICE_NOTICE_DAYS", default=7)

# Inventory size of the built-in provider simulators (the benchmark raises it).
SANDBOX_SCALE = env.int("SANDBOX_SCALE", default=1)

# Provider request rate limits are shared by every process through this storage.
RATE_LIMIT_STORAGE_URL = env.str("RATE_LIMIT_STORAGE_URL", default=REDIS_URL or "memory://")

# Content Security Policy: no inline scripts or styles anywhere (htmx's own indicator styles are
# turned off in base.html for this reason).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie (the token is in hx-headers), but keep default
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and SITE_URL.startswith("https://"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Sessions end after SESSION_IDLE_SECONDS without a request (platform admins: after
# ADMIN_SESSION_IDLE_SECONDS), enforced by portal.sessions.IdleSessionMiddleware. "Keep me signed
# in" (allauth's remember box) keeps the cookie across browser restarts, within the same idle limit;
# unticked, the session also ends with the browser.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=12 * 3600)
ADMIN_SESSION_IDLE_SECONDS = env.int("ADMIN_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS

# Behind a reverse proxy every request comes from the proxy's address, so allauth's per-IP rate
# limits would key on it: name how many proxies append to X-Forwarded-For, or the header a proxy
# sets to the client's address (e.g. CF-Connecting-IP, X-Real-IP). Never trust a header a client
# can set directly: only with a proxy in front that overwrites it.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None


def _unsafe_outside_the_demo(secret_key: str, field_keys: list[str]) -> list[str]:
    """What stops the app from starting outside the demo: keys that are missing or public."""
    problems = []
    if not secret_key:
        problems.append("SECRET_KEY is not set")
    elif secret_key == DEMO_SECRET_KEY:
        problems.append("SECRET_KEY is the public demo key")
    if not field_keys:
        problems.append("FIELD_ENCRYPTION_KEYS is not set")
    elif _demo_field_key(DEMO_SECRET_KEY) in field_keys:
        problems.append("FIELD_ENCRYPTION_KEYS holds the public demo key")
    elif not all(_is_fernet_key(key) for key in field_keys):
        problems.append("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key")
    return problems


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


if not DEMO_MODE and (_problems := _unsafe_outside_the_demo(SECRET_KEY, FIELD_ENCRYPTION_KEYS)):
    # One line, no traceback. Exit status 3 is gunicorn's "worker failed to boot": the master
    # stops instead of restarting workers that can never start.
    sys.stderr.write(
        f"didhub will not start: {'; '.join(_problems)} (outside the demo, DIDHUB_DEMO unset, "
        "both must be set to your own values; see the README's configuration table)\n"
    )
    raise SystemExit(3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx logs every request at INFO; provider calls are logged by the clients themselves.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # a line per rendering step at INFO
        "fontTools": {"level": "WARNING"},
    },
}
