"""Admin site for the county's IT administrator. Day-to-day work happens on the pages, not here.

ID numbers appear masked in lists; the access log is read-only (kept at least six months).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from cunzhi.people.models import (
    DataAccess,
    Delegation,
    Grid,
    Household,
    Office,
    RoleAssignment,
    RosterImport,
    User,
    Villager,
)
from cunzhi.people.services import villager_derive_fields


class UserCreationForm(forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ("phone", "name", "language")

    def clean_password2(self):
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords differ."))
        if p2:
            from django.contrib.auth.password_validation import validate_password

            validate_password(p2, self.instance)
        return p2

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class AccountChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["region", "office"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AccountChangeForm
    add_form = UserCreationForm
    list_display = ("phone", "name", "language", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "language")
    search_fields = ("phone", "name")
    ordering = ("phone",)
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Person"), {"fields": ("name", "email", "language")}),
        (_("Admin site"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "name", "language", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    inlines = [RoleInline]


@admin.register(Villager)
class VillagerAdmin(admin.ModelAdmin):
    list_display = ("name", "id_number_masked", "sex", "birth_date", "village", "group", "living_away")
    list_filter = ("living_away", "sex")
    search_fields = ("name", "name_pinyin", "phone")
    list_select_related = ("village", "group")
    readonly_fields = ("public_id", "sex", "birth_date", "name_pinyin", "region_code")
    autocomplete_fields = ("user", "village", "group", "grid", "household")
    fields = (
        "public_id",
        "name",
        "name_pinyin",
        "id_number",
        "sex",
        "birth_date",
        "phone",
        "user",
        "village",
        "group",
        "grid",
        "household",
        "living_away",
        "away_city",
        "region_code",
    )

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return obj.id_number_masked

    def save_model(self, request, obj, form, change):
        villager_derive_fields(obj)  # sex, birth date, pinyin, blind index, region code
        super().save_model(request, obj, form, change)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("number", "village", "group", "representative", "address")
    search_fields = ("number", "address", "region_code")
    list_select_related = ("village", "group", "representative")
    readonly_fields = ("public_id", "region_code")
    autocomplete_fields = ("village", "group", "representative")


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "kind", "region", "phone", "email")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "region_code")
    list_select_related = ("region",)
    readonly_fields = ("public_id", "region_code")
    autocomplete_fields = ("region",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "office", "title")
    list_filter = ("role",)
    search_fields = ("user__phone", "user__name", "region__name", "region_prefix")
    list_select_related = ("user", "region", "office")
    readonly_fields = ("region_prefix",)
    autocomplete_fields = ("user", "region", "office")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: visible to the administrator, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ("villager", "helper", "relation", "starts_at", "ends_at", "revoked_at")
    list_filter = ("relation",)
    search_fields = ("villager__name", "helper__phone", "helper__name")
    list_select_related = ("villager", "helper")


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "subject", "actor_name", "actor_office", "kind", "purpose")
    list_filter = ("kind",)
    search_fields = ("actor_name", "subject__name", "region_code")
    list_select_related = ("subject",)


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "village", "original_name", "status", "total_rows", "created_villagers")
    list_filter = ("status",)
    list_select_related = ("village",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "village", "worker")
    search_fields = ("name", "village__name", "region_code")
    list_select_related = ("village", "worker")
    readonly_fields = ("region_code",)
    autocomplete_fields = ("village", "worker")
