"""Forms for election pages: they parse input; services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhi.core.widgets import DateInput, LongSelect
from cunzhi.elections.models import AppraisalBody, AuditKind, Basis, ObjectionKind


class ElectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    election_day = forms.DateField(label=_("Election day"), widget=DateInput())
    seats = forms.IntegerField(label=_("Seats on the committee"), min_value=3, max_value=7, initial=5)
    women_seat = forms.BooleanField(label=_("A seat is reserved for a woman (the province's rule)"), required=False)
    multi_ethnic = forms.BooleanField(label=_("Multi-ethnic village"), required=False)
    proxy_limit = forms.IntegerField(
        label=_("Most proxies one voter may hold"),
        min_value=1,
        max_value=10,
        required=False,
        help_text=_("Empty: the province's number set for this installation."),
    )


class CommitteeForm(forms.Form):
    villager = forms.ChoiceField(label=_("Villager"), widget=LongSelect)
    motion = forms.ChoiceField(
        label=_("Adopted resolution of the village's meeting"),
        required=False,
        help_text=_("A resolution of a meeting held on this platform; or write the resolution below."),
    )
    resolution = forms.CharField(
        label=_("Resolution of the meeting that chose the member"),
        max_length=200,
        required=False,
        help_text=_("The meeting and its resolution, e.g. “6 June representatives' meeting, resolution 1”."),
    )
    is_chair = forms.BooleanField(label=_("Chair"), required=False)


class RegisterForm(forms.Form):
    villager = forms.ChoiceField(label=_("Villager of the village"), required=False, widget=LongSelect)
    id_number = forms.CharField(
        label=_("Or the ID number of someone registered elsewhere"), max_length=20, required=False
    )
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices)
    living_here_since = forms.DateField(
        label=_("Living here since"),
        required=False,
        widget=DateInput(),
        help_text=_("Only for people registered elsewhere."),
    )
    approval = forms.CharField(
        label=_("Villagers' meeting approval"),
        max_length=200,
        required=False,
        help_text=_("Only for people registered elsewhere."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is wrong"), choices=ObjectionKind.choices, widget=forms.RadioSelect)
    villager = forms.ChoiceField(label=_("About whom"), widget=LongSelect)
    text = forms.CharField(label=_("Explain"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ProxyForm(forms.Form):
    grantor = forms.ChoiceField(label=_("Absent voter"))
    holder = forms.ChoiceField(label=_("Near relative who votes for them"))
    relation = forms.CharField(label=_("Relation"), max_length=30)
    form_photo = forms.FileField(label=_("Photo of the signed proxy form"))


class SlipForm(forms.Form):
    nominator = forms.ChoiceField(label=_("Voter who nominates"))
    nominees = forms.MultipleChoiceField(label=_("People nominated"), widget=forms.CheckboxSelectMultiple)


class CandidatesForm(forms.Form):
    voters = forms.MultipleChoiceField(label=_("Formal candidates"), widget=forms.CheckboxSelectMultiple)
    minority = forms.MultipleChoiceField(
        label=_("Of the minority group"), widget=forms.CheckboxSelectMultiple, required=False
    )


class StationForm(forms.Form):
    name = forms.CharField(label=_("Station name"), max_length=100)
    mobile = forms.BooleanField(label=_("Mobile ballot box"), required=False)
    staff = forms.CharField(label=_("Staff"), max_length=200, required=False)
    ballots = forms.IntegerField(label=_("Ballots issued"), min_value=1, max_value=100_000)


class CountForm(forms.Form):
    returned = forms.IntegerField(label=_("Ballots returned"), min_value=0, max_value=100_000)
    unused = forms.IntegerField(label=_("Ballots unused"), min_value=0, max_value=100_000)
    invalid = forms.IntegerField(label=_("Invalid ballots"), min_value=0, max_value=100_000, initial=0)

    def __init__(self, *args, candidates=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for c in candidates:
            self.fields[f"c_{c.public_id}"] = forms.IntegerField(label=str(c), min_value=0, max_value=100_000)

    def votes(self) -> dict[str, int]:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("c_")}


class RecallForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    basis = forms.ChoiceField(
        label=_("Proposed by"),
        choices=[
            ("voters", _("A fifth or more of the voters")),
            ("representatives", _("A third or more of the villager representatives")),
        ],
    )
    signers = forms.MultipleChoiceField(
        label=_("Signers"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each voter on the list, or each villager representative, who signed the proposal."),
    )
    reasons = forms.CharField(label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class KinWithdrawForm(forms.Form):
    row = forms.CharField(widget=forms.HiddenInput, max_length=16)
    reason = forms.CharField(label=_("Why the declaration is withdrawn"), max_length=300)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("The member's answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RecallVoteForm(forms.Form):
    registered = forms.IntegerField(label=_("Registered voters"), min_value=1, max_value=100_000)
    cast = forms.IntegerField(label=_("Voting"), min_value=0, max_value=100_000)
    in_favour = forms.IntegerField(label=_("In favour of the recall"), min_value=0, max_value=100_000)


class HandoverForm(forms.Form):
    on = forms.DateField(label=_("Handed over on"), widget=DateInput())
    note = forms.CharField(
        label=_("What was handed over"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seals, accounts, files, property and unfinished business (art. 20)."),
    )


class KinForm(forms.Form):
    villager = forms.ChoiceField(label=_("Villager"), widget=LongSelect)
    relative = forms.ChoiceField(label=_("Near relative"))
    relation = forms.CharField(label=_("Relation"), max_length=30, help_text=_("Spouse, parent, child, sibling…"))
    evidence = forms.CharField(label=_("How it is known"), max_length=200)


class SupervisionForm(forms.Form):
    villager = forms.ChoiceField(label=_("Villager"), widget=LongSelect)
    resolution = forms.CharField(label=_("Resolution of the meeting that chose the member"), max_length=200)
    since = forms.DateField(label=_("Chosen on"), widget=DateInput())
    is_chair = forms.BooleanField(label=_("Chair"), required=False)


class AppraisalForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    body = forms.ChoiceField(label=_("Appraised by"), choices=AppraisalBody.choices)
    chair = forms.ChoiceField(label=_("Chaired by (supervision committee)"))

    def __init__(self, *args, members=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for m in self.members:
            for key, label in (
                ("competent", _("competent")),
                ("basically", _("basically competent")),
                ("incompetent", _("incompetent")),
            ):
                self.fields[f"{key}_{m.public_id}"] = forms.IntegerField(
                    label=f"{m} · {label}", min_value=0, max_value=100_000
                )

    def ratings(self) -> dict[str, tuple[int, int, int]]:
        d = self.cleaned_data
        return {
            m.public_id: (d[f"competent_{m.public_id}"], d[f"basically_{m.public_id}"], d[f"incompetent_{m.public_id}"])
            for m in self.members
        }


class AuditForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AuditKind.choices)
    auditor = forms.CharField(label=_("Audited by"), max_length=200)
    findings = forms.CharField(label=_("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    published_on = forms.DateField(label=_("Published on"), widget=DateInput())
