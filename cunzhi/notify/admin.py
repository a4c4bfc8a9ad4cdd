from django.contrib import admin

from cunzhi.notify.models import ChannelPreference, Delivery, Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "urgency", "region_code", "recipient_count", "sender"]
    list_filter = ["kind", "urgency"]
    search_fields = ["public_id", "region_code"]
    raw_id_fields = ["sender"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "notice", "recipient", "channel", "status", "tries", "next_try_at", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["notice", "recipient", "copy_for"]
    list_select_related = ["notice", "recipient"]


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_on", "sms_on", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]
