"""The lessons: one per core task a villager does on the platform, a few large steps each.

Each step is one short sentence and a picture of the real page (made from the running demo at 360 px, in
zh-Hans and elder mode, by scripts/lesson_pictures.py, so the pictures follow the pages). The text is read
aloud by the listen control (cunzhi/voice). `proof` names the audit actions (the domains' events.py) that
show a villager did the task themselves afterwards: the outcome measure (selectors.does_it_alone). Reading
and logging in leave no state change and are never judged by views or log-ins (domain.md), so those lessons
have no outcome measure.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Step:
    text: str | Promise
    picture: str = ""  # under static/learning/lessons/, "" when the step has none


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str | Promise
    summary: str | Promise
    steps: tuple[Step, ...]
    # Where to try it on the real pages (a URL name without arguments), and the audit actions that count
    # as doing the task (done by the villager's own account, for nobody else and through no helper).
    try_url: str = ""
    proof: tuple[str, ...] = ()

    @property
    def spoken(self) -> str:
        """The steps as the listen control reads them, each with its number."""
        return "。".join(_("Step %(n)s: %(text)s") % {"n": n, "text": s.text} for n, s in enumerate(self.steps, 1))


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        key="concern",
        title=_("Raise a concern and follow it"),
        summary=_("Tell the village about a problem, then see who answers it and when."),
        steps=(
            Step(_("On the home page, press “Raise a concern”."), "concern-1.png"),
            Step(_("Choose what it is about and write what happened in a few words."), "concern-2.png"),
            Step(_("Press “Send”. Write down the number it gets."), "concern-3.png"),
            Step(_("Open “My concerns” to see who has it and when the answer is due."), "concern-4.png"),
        ),
        try_url="concerns:new",
        proof=("concern.submit",),
    ),
    Lesson(
        key="rate",
        title=_("Rate an answer"),
        summary=_("Say whether the answer to your concern solved it."),
        steps=(
            Step(_("Open the concern from “My concerns”."), "rate-1.png"),
            Step(_("Read or listen to the answer."), "rate-2.png"),
            Step(_("Choose “Resolved” or “Not resolved” and how satisfied you are, then send."), "rate-3.png"),
        ),
        try_url="concerns:index",
        proof=("concern.confirm", "concern.reopen"),
    ),
    Lesson(
        key="apply",
        title=_("Apply for a service and supply a missing material"),
        summary=_("Apply without going to the township, and send what is missing from home."),
        steps=(
            Step(_("Open “Services” and choose the service you need."), "apply-1.png"),
            Step(_("Fill in the form and add photos of the materials, then submit."), "apply-2.png"),
            Step(_("If a material is missing, the application says which; take its photo and send it."), "apply-3.png"),
        ),
        try_url="applications:catalogue",
        proof=("application.submit", "application.supply", "application.resubmit"),
    ),
    Lesson(
        key="meeting",
        title=_("Attend a meeting remotely and vote"),
        summary=_("Take part in a villagers' meeting from where you are."),
        steps=(
            Step(_("Open the meeting from its notice or from “Meetings”."), "meeting-1.png"),
            Step(_("When it opens, press “I am attending”."), "meeting-2.png"),
            Step(_("When a motion is put to the vote, choose For, Against or Abstain."), "meeting-3.png"),
        ),
        try_url="meetings:index",
        proof=("motion.ballot",),
    ),
    Lesson(
        key="read",
        title=_("Read the notice board and the accounts"),
        summary=_("See what the village has made public, and where its money went."),
        steps=(
            Step(_("Open “Disclosure” for the village's notices."), "read-1.png"),
            Step(_("Open a notice; press “Listen” to hear it."), "read-2.png"),
            Step(_("Open “Accounts” to see the village's income and spending."), "read-3.png"),
        ),
        try_url="disclosure:index",
    ),
    Lesson(
        key="helper",
        title=_("Authorise and revoke a helper"),
        summary=_("Let a family member or the village service station act for you, and stop it when you wish."),
        steps=(
            Step(_("Open “My helpers” and press “Authorise a helper”."), "helper-1.png"),
            Step(_("Enter the helper's mobile number, what they may do and until when."), "helper-2.png"),
            Step(_("To stop it, press “Revoke” beside the helper."), "helper-3.png"),
        ),
        try_url="people:delegation_list",
        proof=("delegation.grant", "delegation.revoke"),
    ),
    Lesson(
        key="login",
        title=_("Log in by text message code"),
        summary=_("Log in with a code sent to your mobile, without a password."),
        steps=(
            Step(_("On the log-in page, press “Log in with a text message code”."), "login-1.png"),
            Step(_("Enter your mobile number and press “Send the code”."), "login-2.png"),
            Step(_("Type the six digits of the text message and press “Log in”."), "login-3.png"),
        ),
        try_url="code_login",
    ),
)

BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def lesson(key: str) -> Lesson | None:
    return BY_KEY.get(key)


def choices() -> list[tuple[str, str | Promise]]:
    """The lessons as choices of a training session's topic."""
    return [(lesson.key, lesson.title) for lesson in LESSONS]


def measured() -> dict[str, tuple[str, ...]]:
    """Topics whose outcome can be measured, with the audit actions that show the task done."""
    return {lesson.key: lesson.proof for lesson in LESSONS if lesson.proof}
