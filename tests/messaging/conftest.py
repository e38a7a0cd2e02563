import pytest


@pytest.fixture(autouse=True)
def _fresh_sandboxes():
    """Simulators are process-wide per account name: each test starts with new ones."""
    from tests.factories import forget_provider_state

    forget_provider_state()
    yield
    forget_provider_state()
