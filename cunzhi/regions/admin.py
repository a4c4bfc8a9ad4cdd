"""Admin site for the region tree and grids (the pages cover everyday work)."""

from django.contrib import admin

from cunzhi.regions.models import Grid, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = ("prefix",)
    autocomplete_fields = ("parent",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "village", "worker")
    search_fields = ("name", "village__name", "region_code")
    list_select_related = ("village", "worker")
    readonly_fields = ("region_code",)
    autocomplete_fields = ("village", "worker")
