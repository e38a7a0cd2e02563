from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("numbers/<int:pk>/messages/", views.number_messages, name="number_messages"),
    path("numbers/<int:pk>/messages/send/", views.message_send, name="message_send"),
    path("messages/forwarding/", views.forwarding, name="forwarding"),
    path("messages/forwarding/secret/", views.forwarding_secret, name="forwarding_secret"),
]
