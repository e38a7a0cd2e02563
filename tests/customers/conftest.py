import pytest

from customers.models import Role
from tests.factories import ClientFactory, ResellerFactory, client_member, reseller_member


@pytest.fixture
def reseller(db):
    return ResellerFactory()


@pytest.fixture
def owner(reseller):
    return reseller_member(reseller, Role.RESELLER_OWNER)


@pytest.fixture
def staff(reseller):
    return reseller_member(reseller, Role.RESELLER_STAFF)


@pytest.fixture
def acme_client(reseller):
    return ClientFactory(reseller=reseller, name="Globex")


@pytest.fixture
def client_admin(acme_client):
    return client_member(acme_client, Role.CLIENT_ADMIN)


@pytest.fixture
def client_user(acme_client):
    return client_member(acme_client, Role.CLIENT_USER)
