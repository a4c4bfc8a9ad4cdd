"""Admin site for the region tree (the pages cover everyday work)."""

from django import forms
from django.contrib import admin

from cunzhi.regions.models import Region
from cunzhi.regions.services import region_code_problems


class RegionAdminForm(forms.ModelForm):
    """The code must have the shape of its level and start with its parent's code, as region_create checks."""

    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent")

    def clean(self):
        data = super().clean()
        code, level, parent = data.get("code"), data.get("level"), data.get("parent")
        if code and level:
            problems = region_code_problems(code=code, level=level, parent=parent)
            if problems:
                self.add_error("code", problems)
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionAdminForm
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = ("prefix",)
    autocomplete_fields = ("parent",)
