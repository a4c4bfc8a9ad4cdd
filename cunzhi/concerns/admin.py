"""Admin site: categories, routing rules and Open311 keys (the county administrator's pages at
/concerns/config/ do the same with checks; concerns themselves are handled on the pages)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cunzhi.concerns import services
from cunzhi.concerns.models import Category, Open311Key, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "clock", "level", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("code", "name", "name_en")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "region", "level", "office", "responsible")
    list_filter = ("level", "category")
    raw_id_fields = ("region", "office", "responsible")


class Open311KeyForm(forms.ModelForm):
    class Meta:
        model = Open311Key
        fields = ("name",)


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Adding a key shows it once in a message; only its hash is stored."""

    form = Open311KeyForm
    list_display = ("name", "key_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "created_by", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "updated_at"])
            return
        key, row = services.open311_key_issue(name=form.cleaned_data["name"], actor=request.user)
        obj.pk, obj.key_hash, obj.key_prefix = row.pk, row.key_hash, row.key_prefix
        obj._state.adding = False
        messages.warning(request, _("The new Open311 key (copy it now, it is not shown again): %(key)s") % {"key": key})

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            services.open311_key_revoke(actor=request.user, key=key)
