"""Settings of the demo that test_rundemo_soak runs: the demo's own settings (SQLite, the embedded
broker), with a short provisioning lease so that what a killed worker had claimed is taken up
again within the test instead of two minutes later."""

from portal.settings import *  # noqa: F403

PROVISIONING_LEASE_SECONDS = 15.0
