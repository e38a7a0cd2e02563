from django.urls import path

from ..views import audit, client_status, reseller, team

app_name = "reseller"

urlpatterns = [
    path("clients/", reseller.client_list, name="client_list"),
    path("clients/new/", reseller.client_create, name="client_create"),
    path("clients/<int:pk>/", reseller.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", reseller.client_edit, name="client_edit"),
    path("clients/<int:pk>/status/", client_status.client_status, name="client_status"),
    path("clients/<int:pk>/invite/", reseller.client_invite, name="client_invite"),
    path("team/", reseller.team, name="team"),
    path("team/invite/", reseller.team_invite, name="team_invite"),
    path("invitations/<int:pk>/revoke/", team.reseller_invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/resend/", team.reseller_invitation_resend, name="invitation_resend"),
    path("members/<int:pk>/remove/", team.reseller_member_remove, name="member_remove"),
    path("members/<int:pk>/role/", team.reseller_member_role, name="member_role"),
    path("branding/", reseller.branding, name="branding"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export.csv", audit.audit_log_csv, name="audit_log_csv"),
    path("security/", reseller.security, name="security"),
    path("branding/domain/check/", reseller.branding_domain_check, name="branding_domain_check"),
]
