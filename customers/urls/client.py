from django.urls import path

from ..views import client, team

app_name = "client"

urlpatterns = [
    path("profile/", client.profile, name="profile"),
    path("team/", client.team, name="team"),
    path("team/invite/", client.team_invite, name="team_invite"),
    path("invitations/<int:pk>/revoke/", team.client_invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/resend/", team.client_invitation_resend, name="invitation_resend"),
    path("team/members/<int:pk>/remove/", team.client_member_remove, name="member_remove"),
    path("team/members/<int:pk>/role/", team.client_member_role, name="member_role"),
]
