"""Who is told, in which language, through which channels: one strategy per kind of notice.

Other domains register a Strategy for each event they send (a meeting notice, an answer to a
concern). The strategy returns recipients as a User queryset; the channels follow each
recipient's preferences; helpers with an active "notices" delegation get a copy.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cunzhi.notify.models import Channel, default_quiet
from cunzhi.notify.transports import quiet_hours_end
from cunzhi.people.models import Delegation, DelegationScope, User

# What each recipient row carries: one query with the preference joined (no query per recipient).
RECIPIENT_FIELDS = (
    "id",
    "language",
    "email",
    "phone",
    "notify_pref__email_on",
    "notify_pref__sms_on",
    "notify_pref__quiet_start",
    "notify_pref__quiet_end",
)


class Strategy:
    kind = ""
    helper_copies = True

    def recipients(self, **params: Any) -> QuerySet[User]:
        """A queryset of User: who is told."""
        raise NotImplementedError

    def channels(
        self, row: dict[str, Any], *, urgent: bool, now: dt.datetime
    ) -> list[tuple[str, str, dt.datetime | None]]:
        """(channel, address, first try time) for one recipient row; the inbox always."""
        out: list[tuple[str, str, dt.datetime | None]] = [(Channel.INBOX, "", None)]
        if row["email"] and row["notify_pref__email_on"] is not False:
            out.append((Channel.EMAIL, row["email"], now))
        if row["phone"] and row["notify_pref__sms_on"] is not False:
            start, end = row["notify_pref__quiet_start"], row["notify_pref__quiet_end"]
            if start is None or end is None:
                start, end = default_quiet()
            # Quiet hours: a non-urgent text waits until morning; urgent ones go now.
            later = None if urgent else quiet_hours_end(now, start, end)
            out.append((Channel.SMS, row["phone"], later or now))
        return out

    def plan(self, *, urgent: bool, now: dt.datetime | None = None, **params: Any) -> list[dict[str, Any]]:
        """Every delivery to create: dicts of recipient_id, copy_for_id, channel, address, language, next_try_at."""
        now = now or timezone.now()
        users = self.recipients(**params).filter(is_active=True)
        rows = list(users.values(*RECIPIENT_FIELDS))
        planned: list[dict[str, Any]] = []
        seen: set[tuple[int, str]] = set()
        for row in rows:
            for channel, address, when in self.channels(row, urgent=urgent, now=now):
                seen.add((row["id"], channel))
                planned.append(
                    {
                        "recipient_id": row["id"],
                        "copy_for_id": None,
                        "channel": channel,
                        "address": address,
                        "language": row["language"],
                        "next_try_at": when,
                    }
                )
        if self.helper_copies:
            planned += self._helper_copies(users, urgent=urgent, now=now, seen=seen)
        return planned

    def _helper_copies(
        self, users: QuerySet[User], *, urgent: bool, now: dt.datetime, seen: set[tuple[int, str]]
    ) -> list[dict[str, Any]]:
        pairs: dict[int, int] = {}  # helper id -> the first villager account they get a copy for
        for helper_id, villager_user_id, scopes in Delegation.objects.filter(
            villager__user__in=users.values("pk"), revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        ).values_list("helper_id", "villager__user_id", "scopes"):
            if DelegationScope.NOTICES in (scopes or []):
                pairs.setdefault(helper_id, villager_user_id)
        if not pairs:
            return []
        out: list[dict[str, Any]] = []
        # One copy per helper and channel (unique per notice); a helper who is a recipient already
        # gets nothing more on the channels they already have.
        for row in User.objects.filter(pk__in=list(pairs), is_active=True).values(*RECIPIENT_FIELDS):
            for channel, address, when in self.channels(row, urgent=urgent, now=now):
                if (row["id"], channel) in seen:
                    continue
                out.append(
                    {
                        "recipient_id": row["id"],
                        "copy_for_id": pairs[row["id"]],
                        "channel": channel,
                        "address": address,
                        "language": row["language"],
                        "next_try_at": when,
                    }
                )
        return out


class DirectStrategy(Strategy):
    """Named accounts (an answer to the person who asked, a missing-material notice)."""

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


class AnnouncementStrategy(Strategy):
    """Every villager with an account in a region (a village, a township, the county)."""

    kind = "announcement"

    # region_code is required, but a default keeps the signature compatible with Strategy.recipients.
    def recipients(self, *, region_code: str | None = None, **_ignored: Any) -> QuerySet[User]:
        if region_code is None:
            raise TypeError("AnnouncementStrategy.recipients() needs region_code")
        from cunzhi.regions.models import Region

        prefix = Region.objects.values_list("prefix", flat=True).get(code=region_code)
        return User.objects.filter(villager__region_code__startswith=prefix)


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
