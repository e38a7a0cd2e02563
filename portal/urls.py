from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from billing.admin_operations import (
    operations,
    operations_retry,
    operations_trunk_deleted,
    operations_upstream_done,
    operations_upstream_retry,
)
from customers.urls import client as client_urls
from customers.urls import reseller as reseller_urls
from customers.views.invitations import invitation_accept
from reports.urls import admin_urlpatterns as reports_admin_urls

from . import views

# The admin signs in through allauth, so it gets the same rate limits and MFA as the portal.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "didhub administration"
admin.site.site_title = "didhub admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("no-access/", views.no_access, name="no_access"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("brand/<slug:slug>.css", views.brand_css, name="brand_css"),
    path("brand/<slug:slug>/logo", views.brand_logo, name="brand_logo"),
    path("reseller/", views.reseller_dashboard, name="reseller_dashboard"),
    path("reseller/reports/", include("reports.urls")),
    path("reseller/", include(reseller_urls)),
    path("client/", views.client_dashboard, name="client_dashboard"),
    path("client/", include(client_urls)),
    path("", include("billing.urls")),
    path("", include("messaging.urls")),
    path("admin/operations/", admin.site.admin_view(operations), name="admin_operations"),
    path(
        "admin/operations/retry/<int:pk>/",
        admin.site.admin_view(operations_retry),
        name="admin_operations_retry",
    ),
    path(
        "admin/operations/upstream/<int:pk>/retry/",
        admin.site.admin_view(operations_upstream_retry),
        name="admin_operations_upstream_retry",
    ),
    path(
        "admin/operations/upstream/<int:pk>/done/",
        admin.site.admin_view(operations_upstream_done),
        name="admin_operations_upstream_done",
    ),
    path(
        "admin/operations/trunk/<int:pk>/deleted/",
        admin.site.admin_view(operations_trunk_deleted),
        name="admin_operations_trunk_deleted",
    ),
    path("admin/reports/", include((reports_admin_urls, "reports_admin"))),
    path("admin/", admin.site.urls),
]
