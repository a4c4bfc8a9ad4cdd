"""Who is told, in which language, through which channels: one strategy per kind of notice.

Other domains register a Strategy for each event they send (a meeting notice, an answer to a
concern). A strategy names accounts (a User queryset) and roster villagers (a Villager queryset):
villagers with an account are told as accounts; the others by text to the roster's number, when
they have one and the text may go to them (consent, or a notice the law requires); whoever no
channel can carry is put on the door-to-door list from the start. Helpers with an active
"notices" delegation get a copy.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cunzhi.notify.consent import consents
from cunzhi.notify.models import Channel, default_quiet
from cunzhi.notify.transports import quiet_hours_end
from cunzhi.people.models import Delegation, DelegationScope, Household, User, Villager
from cunzhi.people.selectors import adults_in
from cunzhi.regions.models import Region

# What each recipient row carries: one query with the preference joined (no query per recipient).
RECIPIENT_FIELDS = (
    "id",
    "language",
    "email",
    "phone",
    "villager__id",
    "notify_pref__email_on",
    "notify_pref__sms_on",
    "notify_pref__quiet_start",
    "notify_pref__quiet_end",
)

Planned = dict[str, Any]


def _planned(
    *,
    user: int | None,
    villager: int | None,
    copy_for: int | None,
    channel: str,
    address: str,
    language: str,
    when: dt.datetime | None,
) -> Planned:
    return {
        "recipient_id": user,
        "villager_id": villager,
        "copy_for_id": copy_for,
        "channel": channel,
        "address": address,
        "language": language,
        "next_try_at": when,
    }


class Strategy:
    kind = ""
    helper_copies = True

    def recipients(self, **params: Any) -> QuerySet[User]:
        """A queryset of User: the accounts told."""
        raise NotImplementedError

    def villagers(self, **params: Any) -> QuerySet[Villager] | None:
        """Roster villagers told, account or not (None: the notice is for accounts only)."""
        return None

    def _sms_time(self, start: dt.time | None, end: dt.time | None, *, urgent: bool, now: dt.datetime) -> dt.datetime:
        if start is None or end is None:
            start, end = default_quiet()
        # Quiet hours: a non-urgent text waits until morning; urgent ones go now.
        return (None if urgent else quiet_hours_end(now, start, end)) or now

    def channels(
        self, row: dict[str, Any], *, urgent: bool, now: dt.datetime, texts_allowed: bool = True
    ) -> list[tuple[str, str, dt.datetime | None]]:
        """(channel, address, first try time) for one account row; the inbox always."""
        out: list[tuple[str, str, dt.datetime | None]] = [(Channel.INBOX, "", None)]
        if row["email"] and row["notify_pref__email_on"] is not False:
            out.append((Channel.EMAIL, row["email"], now))
        if row["phone"] and row["notify_pref__sms_on"] is not False and texts_allowed:
            when = self._sms_time(
                row["notify_pref__quiet_start"], row["notify_pref__quiet_end"], urgent=urgent, now=now
            )
            out.append((Channel.SMS, row["phone"], when))
        return out

    def plan(
        self, *, urgent: bool, mandatory: bool = False, now: dt.datetime | None = None, **params: Any
    ) -> list[Planned]:
        """Every delivery to create: dicts of recipient_id, villager_id, copy_for_id, channel, address,
        language, next_try_at. One query each for the accounts, the roster, consent and helpers: none
        per person."""
        now = now or timezone.now()
        users = self.recipients(**params).filter(is_active=True)
        roster = self.villagers(**params)
        account_q = Q(pk__in=users.values("pk"))
        off_roster: list[Any] = []  # {"id", "phone"} rows
        if roster is not None:
            account_q |= Q(villager__in=roster.values("pk"), is_active=True)
            off_roster = list(
                roster.filter(Q(user__isnull=True) | Q(user__is_active=False)).values("id", "phone").order_by("pk")
            )
        accounts = User.objects.filter(account_q)
        rows = list(accounts.values(*RECIPIENT_FIELDS).order_by("pk"))
        # A number that said "TD" gets only the texts the law requires (which need no look-up). The
        # numbers are asked for as a query, not a list: a county's notice names 100,000 of them.
        said: dict[str, bool] = {}
        if not mandatory:
            numbers = Q(phone__in=accounts.values("phone"))
            if roster is not None:
                numbers |= Q(phone__in=roster.values("phone"))
            said = consents(numbers)
        planned: list[Planned] = []
        seen: set[tuple[int, str]] = set()
        for row in rows:
            allowed = mandatory or said.get(row["phone"]) is not False
            for channel, address, when in self.channels(row, urgent=urgent, now=now, texts_allowed=allowed):
                seen.add((row["id"], channel))
                planned.append(
                    _planned(
                        user=row["id"],
                        villager=row["villager__id"],
                        copy_for=None,
                        channel=channel,
                        address=address,
                        language=row["language"],
                        when=when,
                    )
                )
        language = settings.NOTIFY_ROSTER_LANGUAGE
        sms_when = self._sms_time(None, None, urgent=urgent, now=now)
        for v in off_roster:
            # Without an account, a text needs the number's consent unless the law requires the notice.
            texts = bool(v["phone"]) and (mandatory or said.get(v["phone"]) is True)
            channel, address, when = (Channel.SMS, v["phone"], sms_when) if texts else (Channel.DOOR, "", None)
            planned.append(
                _planned(
                    user=None,
                    villager=v["id"],
                    copy_for=None,
                    channel=channel,
                    address=address,
                    language=language,
                    when=when,
                )
            )
        if self.helper_copies:
            told = Q(villager__user__in=accounts.values("pk"))
            if roster is not None:
                told |= Q(villager__in=roster.values("pk"))
            planned += self._helper_copies(told, urgent=urgent, now=now, seen=seen)
        return planned

    def _helper_copies(self, told: Q, *, urgent: bool, now: dt.datetime, seen: set[tuple[int, str]]) -> list[Planned]:
        """`told`: the villagers the notice is for, as a filter on Delegation (subqueries, not lists)."""
        pairs: dict[int, int] = {}  # helper id -> the first villager they get a copy for
        for helper_id, villager_id, scopes in (
            Delegation.objects.filter(told, revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
            .order_by("villager_id", "pk")
            .values_list("helper_id", "villager_id", "scopes")
        ):
            if DelegationScope.NOTICES in (scopes or []):
                pairs.setdefault(helper_id, villager_id)
        if not pairs:
            return []
        out: list[Planned] = []
        # One copy per helper and channel (unique per notice); a helper who is a recipient already
        # gets nothing more on the channels they already have.
        for row in User.objects.filter(pk__in=list(pairs), is_active=True).values(*RECIPIENT_FIELDS):
            for channel, address, when in self.channels(row, urgent=urgent, now=now):
                if (row["id"], channel) in seen:
                    continue
                out.append(
                    _planned(
                        user=row["id"],
                        villager=None,
                        copy_for=pairs[row["id"]],
                        channel=channel,
                        address=address,
                        language=row["language"],
                        when=when,
                    )
                )
        return out


class DirectStrategy(Strategy):
    """Named accounts and villagers (an answer to the person who asked, a meeting's members)."""

    kind = "direct"

    def recipients(
        self,
        *,
        users: QuerySet[User] | Iterable[User] | None = None,
        user_ids: Iterable[int] | None = None,
        **_ignored: Any,
    ) -> QuerySet[User]:
        if users is not None:
            if isinstance(users, QuerySet):  # a queryset as it is; otherwise a list of accounts
                return users
            return User.objects.filter(pk__in=[u.pk for u in users])
        return User.objects.filter(pk__in=user_ids or [])

    def villagers(
        self,
        *,
        villager_ids: Iterable[int] | None = None,
        household_ids: Iterable[int] | None = None,
        **_ignored: Any,
    ) -> QuerySet[Villager] | None:
        """Named villagers, and for a household's notice its representative (whose phone the
        household gave)."""
        if villager_ids is None and household_ids is None:
            return None
        # A query stays a subquery (a meeting's 2,000 members); anything else is a list of ids.
        q = Q(pk__in=villager_ids if isinstance(villager_ids, QuerySet) else list(villager_ids or []))
        if household_ids is not None:
            q |= Q(pk__in=Household.objects.filter(pk__in=list(household_ids)).values("representative"))
        return Villager.objects.filter(q)


class AnnouncementStrategy(Strategy):
    """Every adult villager in a region (a village, a township, the county), account or not."""

    kind = "announcement"

    def recipients(self, **_ignored: Any) -> QuerySet[User]:
        return User.objects.none()  # the accounts are those of the villagers

    # region_code is required, but a default keeps the signature compatible with Strategy.villagers.
    def villagers(self, *, region_code: str | None = None, **_ignored: Any) -> QuerySet[Villager]:
        if region_code is None:
            raise TypeError("AnnouncementStrategy.villagers() needs region_code")
        return adults_in(region=Region.objects.get(code=region_code))


STRATEGIES: dict[str, Strategy] = {}


def register(strategy: Strategy) -> Strategy:
    STRATEGIES[strategy.kind] = strategy
    return strategy


def strategy_for(kind: str) -> Strategy:
    try:
        return STRATEGIES[kind]
    except KeyError:
        raise ValueError(f"no notification strategy for kind {kind!r}") from None


register(DirectStrategy())
register(AnnouncementStrategy())
