from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .roles import home_url_for


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation only; after login each role lands on its own home."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return home_url_for(request.user)
