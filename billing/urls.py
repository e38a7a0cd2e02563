from django.urls import path

from .views import (
    browse,
    checkout,
    invoices,
    markups,
    orders,
    payments,
    renewals,
    wallets,
    webhooks,
)

app_name = "billing"

urlpatterns = [
    path("numbers/browse/", browse.browse, name="browse"),
    path("numbers/browse/<int:pk>/", browse.group_detail, name="group"),
    path("cart/", browse.cart, name="cart"),
    path("cart/<int:item_id>/remove/", browse.cart_remove, name="cart_remove"),
    path("checkout/", checkout.review, name="checkout"),
    path("checkout/buy/", checkout.buy, name="buy"),
    path("checkout/refresh-prices/", checkout.refresh_prices, name="refresh_prices"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:reference>/", orders.order_detail, name="order"),
    path("numbers/", orders.number_list, name="numbers"),
    path("numbers/<int:pk>/auto-renew/", renewals.number_auto_renew, name="number_auto_renew"),
    path("numbers/<int:pk>/release/", renewals.number_release, name="number_release"),
    path("numbers/<int:pk>/price/", renewals.number_price, name="number_price"),
    path("reseller/renewals/at-risk/", renewals.at_risk, name="renewals_at_risk"),
    path("reseller/renewals/settings/", renewals.renewal_settings, name="renewal_settings"),
    path("wallet/", wallets.client_wallet, name="wallet"),
    path("wallet/export.csv", wallets.client_wallet_csv, name="wallet_csv"),
    path("reseller/wallets/", wallets.reseller_wallets, name="reseller_wallets"),
    path("reseller/wallet/", wallets.reseller_own_wallet, name="reseller_wallet"),
    path("reseller/wallet/export.csv", wallets.reseller_own_wallet_csv, name="reseller_wallet_csv"),
    path("reseller/clients/<int:pk>/wallet/", wallets.reseller_client_wallet, name="client_wallet"),
    path(
        "reseller/clients/<int:pk>/wallet/export.csv",
        wallets.reseller_client_wallet_csv,
        name="client_wallet_csv",
    ),
    path(
        "reseller/clients/<int:pk>/wallet/top-up/",
        wallets.reseller_client_top_up,
        name="client_top_up",
    ),
    path(
        "reseller/clients/<int:pk>/wallet/payments/<int:txn>/reverse/",
        wallets.reseller_client_payment_reverse,
        name="client_payment_reverse",
    ),
    path("reseller/payments/", payments.reseller_payments, name="reseller_payments"),
    path("reseller/payments/limits/", payments.payment_limits, name="payment_limits"),
    path("reseller/payments/<int:pk>/approve/", payments.payment_approve, name="payment_approve"),
    path("reseller/payments/<int:pk>/reject/", payments.payment_reject, name="payment_reject"),
    path(
        "webhooks/providers/<str:account_name>/", webhooks.provider_webhook, name="provider_webhook"
    ),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/credit-note/", invoices.credit_note_create, name="credit_note_create"),
    path("reseller/invoices/platform/", invoices.platform_invoice_list, name="platform_invoices"),
    path("reseller/invoices/settings/", invoices.invoice_settings, name="invoice_settings"),
    path("reseller/pricing/", markups.markups, name="markups"),
    path("reseller/pricing/save/", markups.markup_save, name="markup_save"),
    path("reseller/pricing/preview/", markups.markup_preview, name="markup_preview"),
    path("reseller/pricing/<int:pk>/delete/", markups.markup_delete, name="markup_delete"),
]
