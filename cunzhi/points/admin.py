"""Admin: read-only views of points for support; every change goes through the services (audited)."""

from django.contrib import admin

from cunzhi.points.models import Adoption, Entry, Item, Objection, VillageRule


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(ReadOnly):
    list_display = ("title", "region_code", "sign", "points", "status")
    search_fields = ("title", "region_code")


@admin.register(VillageRule)
class VillageRuleAdmin(ReadOnly):
    list_display = ("region_code", "holder", "base_grant", "objection_days")


@admin.register(Adoption)
class AdoptionAdmin(ReadOnly):
    list_display = ("region_code", "item", "points", "yearly_cap", "active")


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ("public_id", "region_code", "kind", "points", "status", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("public_id", "region_code")


@admin.register(Objection)
class ObjectionAdmin(ReadOnly):
    list_display = ("public_id", "region_code", "status", "created_at")
