"""Forms for points pages: they parse input; services check and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.widgets import DateInput
from cunzhi.people.models import Role
from cunzhi.points.models import Holder, Outcome, Sign, YearEnd

MAX_PHOTO_HINT = _("A photo from your phone (optional); place and camera data are removed.")


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=100)
    sign = forms.ChoiceField(label=pgettext_lazy("points item", "Kind"), choices=Sign.choices)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=1000)
    min_points = forms.IntegerField(label=_("Fewest points a village may set"), min_value=1, max_value=1000)
    max_points = forms.IntegerField(label=_("Most points a village may set"), min_value=1, max_value=1000)
    evidence = forms.CharField(label=_("Evidence asked"), max_length=200, required=False)
    yearly_cap = forms.IntegerField(
        label=_("Yearly cap per holder"), min_value=0, max_value=100_000, initial=0, help_text=_("0: no cap.")
    )


class DecideForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RuleForm(forms.Form):
    holder = forms.ChoiceField(label=_("Points belong to"), choices=Holder.choices)
    base_grant = forms.IntegerField(label=_("One-time base points"), min_value=0, max_value=1000, initial=0)
    exclude_away = forms.BooleanField(label=_("Leave out households whose members all live away"), required=False)
    objection_days = forms.IntegerField(label=_("Days for objections"), min_value=1, max_value=30, initial=7)
    year_end = forms.TypedChoiceField(
        label=_("At the year's close, points are"), choices=YearEnd.choices, required=False, empty_value=YearEnd.CARRY
    )
    red_list_size = forms.IntegerField(
        label=_("Households on the monthly red list (0: none)"), min_value=0, max_value=100, initial=0
    )
    commend_size = forms.IntegerField(label=_("Households commended each year"), min_value=1, max_value=100, initial=10)
    review_roles = forms.MultipleChoiceField(
        label=_("Review group"),
        choices=[
            (Role.CADRE, _("Village committee members")),
            (Role.PARTY_SECRETARY, _("Village Party secretary")),
            (Role.REPRESENTATIVE, _("Villager representatives")),
            (Role.SUPERVISOR, _("Supervision committee members")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )


class AdoptForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput, max_length=16)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=1000)
    yearly_cap = forms.IntegerField(label=_("Yearly cap per holder"), min_value=0, max_value=100_000)
    active = forms.BooleanField(label=pgettext_lazy("points", "In use"), required=False, initial=True)
    outcome = forms.ChoiceField(
        label=_("Proposed automatically from"),
        choices=[("", _("Nothing: declared by villagers")), *Outcome.choices],
        required=False,
    )
    suspends_redemption = forms.BooleanField(label=_("A serious violation: suspends redemption"), required=False)


class DeclareForm(forms.Form):
    adoption = forms.TypedChoiceField(label=_("Item"), coerce=int)
    household = forms.ChoiceField(label=pgettext_lazy("points", "Household"))
    person = forms.ChoiceField(label=pgettext_lazy("points", "Person"), required=False)
    occurred_on = forms.DateField(label=pgettext_lazy("points", "When"), widget=DateInput())
    description = forms.CharField(label=_("What was done"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.ImageField(label=_("Evidence photo"), required=False, help_text=MAX_PHOTO_HINT)

    def __init__(self, *args, adoptions, households, persons, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["adoption"].choices = [
            (a.pk, f"{a.item.title} ({'+' if a.signed_points > 0 else ''}{a.signed_points})") for a in adoptions
        ]
        self.fields["household"].choices = [(h.public_id, f"{h.number} {h.shown_name}") for h in households]
        if persons:
            self.fields["person"].choices = [("", "—")] + [(v.public_id, v.name) for v in persons]
        else:
            del self.fields["person"]
        self.fields["occurred_on"].initial = timezone.localdate()


class RedeemForm(forms.Form):
    household = forms.ChoiceField(label=pgettext_lazy("points", "Household"))
    goods = forms.CharField(label=_("Goods"), max_length=200)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100_000)

    def __init__(self, *args, households, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [(h.public_id, f"{h.number} {h.shown_name}") for h in households]


class GoodsForm(forms.Form):
    name = forms.CharField(label=_("Goods"), max_length=100)
    points = forms.IntegerField(label=_("Price in points"), min_value=1, max_value=100_000)
    stock = forms.IntegerField(label=_("In stock"), min_value=0, max_value=100_000)
    active = forms.BooleanField(label=pgettext_lazy("points", "In use"), required=False, initial=True)


class ShopKeeperForm(forms.Form):
    phone = forms.CharField(label=_("Shop-keeper's phone (their account)"), max_length=20)


class GoodsReceiveForm(forms.Form):
    goods = forms.ChoiceField(label=_("Goods"))
    quantity = forms.IntegerField(label=_("Quantity received"), min_value=1, max_value=100_000)
    donated = forms.BooleanField(label=_("Donated (no money spent)"), required=False)
    cost = forms.CharField(label=_("Cost in yuan (bought goods)"), max_length=20, required=False)
    supplier = forms.CharField(label=_("Bought from or donated by"), max_length=100)
    voucher = forms.FileField(label=_("Receipt or invoice (bought goods)"), required=False)

    def __init__(self, *args, goods=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["goods"].choices = [("", "—"), *[(g.public_id, g.name) for g in goods]]


class TownshipShopForm(forms.Form):
    serves = forms.MultipleChoiceField(
        label=_("Villages the shop serves (none ticked: every village of the township)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, villages=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["serves"].choices = [(v.code, v.name) for v in villages]
