"""Test settings: the production settings pointed at local PostgreSQL and Redis.

``make test`` may override DATABASE_URL and REDIS_URL; these are only the defaults.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/didhub")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
# Outside the demo the app does not start without its own keys (tests run as production does,
# DIDHUB_DEMO unset); these are the test suite's, public like the demo's.
os.environ.setdefault("SECRET_KEY", "didhub-test-secret-key-only-for-the-test-suite-0123456789")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1zdWl0ZS1maWVsZC1rZXktMzItYnl0ZXMhISE=")

from portal.settings import *  # noqa: F403

# Tests talk to Redis only where a test says so; the cache stays in-process so a missing Redis
# skips those tests instead of breaking every request.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATE_LIMIT_STORAGE_URL = "memory://"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
if os.environ.get("DIDHUB_TEST_WORKER_MAIL_DIR"):
    # A real Celery worker started by a test: it runs tasks for real and leaves its mail in
    # files the test can read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["DIDHUB_TEST_WORKER_MAIL_DIR"]
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_TASK_DEFAULT_QUEUE = os.environ.get("DIDHUB_TEST_WORKER_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Most tests sign owners and admins in with force_login and no authenticator; the tests of the
# MFA rule (tests/customers/test_mfa*.py, the hostile crawl, the e2e enrolment) turn it on.
MFA_REQUIRED_FOR_LEADERS = False
