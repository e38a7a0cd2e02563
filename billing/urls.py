from django.urls import path

from .views import browse

app_name = "billing"

urlpatterns = [
    path("numbers/browse/", browse.browse, name="browse"),
    path("numbers/browse/<int:pk>/", browse.group_detail, name="group"),
    path("cart/", browse.cart, name="cart"),
    path("cart/<int:item_id>/remove/", browse.cart_remove, name="cart_remove"),
]
