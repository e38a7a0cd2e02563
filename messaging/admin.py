from django.contrib import admin

from .models import ForwardDelivery, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "direction", "sender", "recipient", "status", "client")
    list_filter = ("direction", "status", "provider_account")
    search_fields = ("sender", "recipient", "external_id")
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ForwardDelivery)
class ForwardDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "target", "state", "attempts", "last_status")
    list_filter = ("state", "channel")
    readonly_fields = [f.name for f in ForwardDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
