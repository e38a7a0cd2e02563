from django.urls import path

from .views import browse, markups

app_name = "billing"

urlpatterns = [
    path("numbers/browse/", browse.browse, name="browse"),
    path("numbers/browse/<int:pk>/", browse.group_detail, name="group"),
    path("cart/", browse.cart, name="cart"),
    path("cart/<int:item_id>/remove/", browse.cart_remove, name="cart_remove"),
    path("reseller/pricing/", markups.markups, name="markups"),
    path("reseller/pricing/save/", markups.markup_save, name="markup_save"),
    path("reseller/pricing/preview/", markups.markup_preview, name="markup_preview"),
    path("reseller/pricing/<int:pk>/delete/", markups.markup_delete, name="markup_delete"),
]
