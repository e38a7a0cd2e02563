"""Wallet pages (being written)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


client_wallet = client_wallet_csv = reseller_wallets = reseller_own_wallet = _todo
reseller_own_wallet_csv = reseller_client_wallet = reseller_client_wallet_csv = _todo
reseller_client_top_up = _todo
