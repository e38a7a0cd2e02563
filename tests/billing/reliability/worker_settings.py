"""Settings of the Celery workers test_worker_crash starts: the test settings, tasks run for real
on the test's private queue (follow-up tasks too), and a short provisioning lease so a killed
worker's claim runs out within the test."""

import os

from portal.settings_test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["DIDHUB_TEST_QUEUE"]
PROVISIONING_LEASE_SECONDS = float(os.environ["DIDHUB_TEST_LEASE_SECONDS"])
