from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:name>.csv", views.export, name="export"),
    path("clients/<int:pk>/", views.client_history, name="client"),
    path("clients/<int:pk>/<slug:name>.csv", views.client_export, name="client_export"),
]

admin_urlpatterns = [
    path("", views.admin_overview, name="admin_overview"),
    path("<int:pk>/", views.admin_reseller, name="admin_reseller"),
    path("<int:pk>/<slug:name>.csv", views.admin_export, name="admin_export"),
]
