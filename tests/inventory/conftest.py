import pytest

from inventory.sandbox.registry import reset_sandboxes


@pytest.fixture(autouse=True)
def _fresh_sandboxes():
    """Simulators are process-wide per account name: each test starts with new ones."""
    reset_sandboxes()
    yield
    reset_sandboxes()
