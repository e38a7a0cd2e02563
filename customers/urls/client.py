from django.urls import path

from ..views import client

app_name = "client"

urlpatterns = [
    path("profile/", client.profile, name="profile"),
    path("team/", client.team, name="team"),
    path("team/invite/", client.team_invite, name="team_invite"),
    path("invitations/<int:pk>/revoke/", client.invitation_revoke, name="invitation_revoke"),
]
