"""Strategies, retries, quiet hours, helper copies, languages, batching, and nothing lost without a worker."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cunzhi.core import jobs
from cunzhi.core.models import JobRun
from cunzhi.notify import services, transports
from cunzhi.notify.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Notice,
    Urgency,
)
from cunzhi.notify.tests.conftest import IMMEDIATE
from cunzhi.people.models import Delegation, DelegationScope, Relation
from cunzhi.people.tests.factories import UserFactory

NOON = timezone.make_aware(dt.datetime(2026, 3, 2, 12, 0))
NIGHT = timezone.make_aware(dt.datetime(2026, 3, 2, 23, 0))
SUBJECT = {"en": "Village meeting on Sunday", "zh-hans": "周日召开村民会议"}
BODY = {"en": "Come to the hall at 9.", "zh-hans": "上午9点到村委会礼堂。"}
WORKER = ["db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-reload", "-v", "0"]


def send(users, **kw):
    kw.setdefault("subject", SUBJECT)
    kw.setdefault("body", BODY)
    return services.notice_send(kind="direct", users=users, now=kw.pop("now", NOON), **kw)


def rows(notice, channel):
    return Delivery.objects.filter(notice=notice, channel=channel, copy_for__isnull=True)


class Broken:
    """A transport that always fails, as a gateway that is down would."""

    calls = 0

    def open(self):
        pass

    def close(self):
        pass

    def send(self, message):
        Broken.calls += 1
        raise transports.TransportError("gateway down")


def test_channels_follow_preferences(world, settings):
    world.villager_a.email = "zhang@example.org"
    world.villager_a.save()
    ChannelPreference.objects.create(user=world.villager_b, sms_on=False)
    notice = send([world.villager_a, world.villager_b])
    got = set(Delivery.objects.filter(notice=notice).values_list("recipient__name", "channel"))
    assert got == {("张三", "inbox"), ("张三", "email"), ("张三", "sms"), ("李四", "inbox")}
    assert notice.recipient_count == 2
    inbox = rows(notice, Channel.INBOX).first()
    assert inbox.status == DeliveryStatus.SENT and inbox.read_at is None  # the inbox item is there at once


def test_sms_waits_for_the_end_of_quiet_hours_unless_urgent(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    clock = [NIGHT]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])  # the worker checks quiet hours at its own "now"
    settings.TASKS = IMMEDIATE
    settings.SMS_BACKEND = "file"
    with django_capture_on_commit_callbacks(execute=True):
        normal = send([world.villager_a], now=NIGHT)
        urgent = send([world.villager_a], now=NIGHT, urgency=Urgency.URGENT)
    sms = rows(normal, Channel.SMS).get()
    morning = timezone.make_aware(dt.datetime(2026, 3, 3, 7, 0))
    assert sms.status == DeliveryStatus.PENDING and sms.next_try_at == morning and sms.tries == 0
    assert rows(urgent, Channel.SMS).get().status == DeliveryStatus.SENT
    # The retry job leaves it alone at night and sends it in the morning.
    clock[0] = NIGHT + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_enqueue_due()
    assert rows(normal, Channel.SMS).get().status == DeliveryStatus.PENDING
    clock[0] = morning + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_enqueue_due()
    assert rows(normal, Channel.SMS).get().status == DeliveryStatus.SENT


def test_links_in_texts_and_e_mails_are_absolute_at_the_site_address(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Domains give a path (/concerns/<id>/); every text and e-mail carries the full address from SITE_URL."""
    settings.TASKS = IMMEDIATE
    settings.SMS_BACKEND = "file"
    settings.SITE_URL = "https://cunzhi.example.gov.cn:8443"
    world.villager_a.email = "zhang@example.org"
    world.villager_a.save()
    sent = []

    class Recording(transports.SmsTransport):
        def send(self, message):
            sent.append(message.sms_text)

    monkeypatch.setitem(transports.TRANSPORTS, "sms", Recording)
    with django_capture_on_commit_callbacks(execute=True):
        send([world.villager_a], link="/concerns/9lbmphgNi74p/", urgency=Urgency.URGENT)
        plain = send([world.villager_a], urgency=Urgency.URGENT)  # no link of its own: the notice page
    full = "https://cunzhi.example.gov.cn:8443/concerns/9lbmphgNi74p/"
    assert sent[0].endswith(f" {full} 回TD退订")  # and how to stop texts, in the villager's language
    assert sent[1].endswith(f" https://cunzhi.example.gov.cn:8443/notify/n/{plain.public_id}/ 回TD退订")
    email = mail.outbox[0]
    assert email.body.endswith(full) and f'href="{full}"' in email.alternatives[0][0]


def test_own_quiet_hours(world, settings):
    ChannelPreference.objects.create(user=world.villager_a, quiet_start=dt.time(12, 0), quiet_end=dt.time(14, 0))
    notice = send([world.villager_a, world.villager_b])
    assert rows(notice, Channel.SMS).get(recipient=world.villager_a).next_try_at == NOON + dt.timedelta(hours=2)
    assert rows(notice, Channel.SMS).get(recipient=world.villager_b).next_try_at > NOON  # leased to a batch task


def test_failing_transport_is_retried_with_backoff_then_fails_for_good(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    settings.NOTIFY_MAX_TRIES = 3
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    monkeypatch.setitem(transports.TRANSPORTS, "sms", Broken)
    Broken.calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        notice = send([world.villager_a], urgency=Urgency.URGENT, now=timezone.now())
    d = rows(notice, Channel.SMS).get()
    assert d.status == DeliveryStatus.FAILED and d.tries == 1 and d.last_error == "gateway down"
    first_wait = d.next_try_at - timezone.now()
    assert dt.timedelta(seconds=50) < first_wait <= dt.timedelta(seconds=60)
    # Not due yet: the retry job does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_enqueue_due()
    assert Broken.calls == 1
    for expected_tries in (2, 3):
        d.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            services.deliveries_enqueue_due(now=d.next_try_at + dt.timedelta(seconds=1))
        d.refresh_from_db()
        assert d.tries == expected_tries
    assert d.status == DeliveryStatus.PERMANENT_FAILURE and d.next_try_at is None and Broken.calls == 3
    # Visible: staff see it among the failures, and can send again.
    from cunzhi.notify import selectors

    assert list(selectors.failures(notice=notice)) == [d]
    monkeypatch.setitem(transports.TRANSPORTS, "sms", transports.SmsTransport)
    settings.SMS_BACKEND = "file"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notice_resend(notice=notice, actor=world.cadre_a) == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SENT and d.tries == 1


def test_unexpected_errors_are_recorded_too(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE

    class Crashing(Broken):
        def send(self, message):
            raise RuntimeError("bug in a gateway adapter")

    monkeypatch.setitem(transports.TRANSPORTS, "sms", Crashing)
    with django_capture_on_commit_callbacks(execute=True):
        notice = send([world.villager_a], urgency=Urgency.URGENT)
    d = rows(notice, Channel.SMS).get()
    assert d.status == DeliveryStatus.FAILED and "bug in a gateway adapter" in d.last_error


def test_helpers_with_a_notices_delegation_get_a_copy(world, settings):
    helper = UserFactory(phone="13900000099", name="王帮办", email="helper@example.org", language="en")
    ends = timezone.now() + dt.timedelta(days=30)
    Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=helper,
        relation=Relation.STATION,
        scopes=[DelegationScope.NOTICES],
        ends_at=ends,
    )
    Delegation.objects.create(
        villager=world.villager_b.villager,
        helper=world.cadre_a,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.MEETINGS],
        ends_at=ends,
    )  # not for notices
    Delegation.objects.create(
        villager=world.villager_b.villager,
        helper=world.township_staff,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.NOTICES],
        ends_at=ends,
        revoked_at=timezone.now(),
    )  # revoked
    notice = send([world.villager_a, world.villager_b], now=timezone.now())
    copies = Delivery.objects.filter(notice=notice, copy_for__isnull=False)
    assert set(copies.values_list("recipient", "copy_for", "channel", "language")) == {
        # copy_for names the villager (an account or not) whose notice it is
        (helper.pk, world.villager_a.villager.pk, "inbox", "en"),
        (helper.pk, world.villager_a.villager.pk, "email", "en"),
        (helper.pk, world.villager_a.villager.pk, "sms", "en"),
    }
    assert notice.recipient_count == 2  # copies are not recipients


def test_each_recipient_reads_their_own_language(world, settings):
    world.villager_a.email, world.villager_a.language = "a@example.org", "en"
    world.villager_a.save()
    world.villager_b.email, world.villager_b.language = "b@example.org", "zh-hans"
    world.villager_b.save()
    notice = send([world.villager_a, world.villager_b])
    token_rows = Delivery.objects.filter(notice=notice, channel=Channel.EMAIL)
    for token in set(token_rows.values_list("claimed_by", flat=True)):
        services.deliveries_send(token=token)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"a@example.org": "Village meeting on Sunday", "b@example.org": "周日召开村民会议"}
    # Template messages are rendered in the recipient's language as well.
    templated = Notice.objects.create(kind="direct", template="test")
    assert services.notice_render(templated, "en")[0] == "Test notice from Cunzhi"


def test_one_task_per_batch_and_a_fixed_number_of_queries(
    db, settings, clock, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # `clock`: the working day, so no text waits for the end of quiet hours whenever the suite runs.
    settings.NOTIFY_BATCH_SIZE = 10
    users = [UserFactory(email=f"u{i}@example.org") for i in range(30)]
    from cunzhi.people.models import User

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_max_num_queries(12):  # notice, recipients, helpers, inserts, count, audit, savepoints
            notice = services.notice_send(
                kind="direct", users=User.objects.filter(pk__in=[u.pk for u in users]), subject=SUBJECT, body=BODY
            )
    assert Delivery.objects.filter(notice=notice).count() == 90
    tokens = set(Delivery.objects.filter(notice=notice).exclude(channel="inbox").values_list("claimed_by", flat=True))
    assert len(tokens) == 6  # 60 e-mails and texts in batches of 10
    from django_tasks_db.models import DBTaskResult

    for callback in callbacks:  # the batch tasks, and the recipients' home pages refreshed
        callback()
    assert DBTaskResult.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_nothing_is_lost_when_no_worker_runs(world, settings):
    """Notices are enqueued while no worker runs; a worker started later delivers every one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SMS_BACKEND = "file"
    from django_tasks_db.models import DBTaskResult

    users = [world.villager_a, world.villager_b, world.cadre_a]
    for u in users:
        u.email = f"{u.phone}@example.org"
        u.save()
    notices = [
        services.notice_send(kind="direct", users=users, subject=SUBJECT, body=BODY, urgency=Urgency.URGENT)
        for _ in range(3)
    ]
    assert DBTaskResult.objects.count() == 3
    assert not mail.outbox and Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 18
    call_command(*WORKER)  # the worker starts
    assert len(mail.outbox) == 9
    assert set(Delivery.objects.filter(notice__in=notices).values_list("status", flat=True)) == {DeliveryStatus.SENT}

    # A task lost altogether (a Redis queue flushed, a row deleted): the retry job takes over after the lease.
    lost = services.notice_send(kind="direct", users=users, subject=SUBJECT, body=BODY, urgency=Urgency.URGENT)
    DBTaskResult.objects.filter(status="READY").delete()
    call_command(*WORKER)
    assert len(mail.outbox) == 9
    later = timezone.now() + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS + 1)
    JobRun.objects.create(name="notify.retry_due", slot=later)
    services.deliveries_enqueue_due(now=later)
    call_command(*WORKER)
    assert len(mail.outbox) == 12
    assert set(Delivery.objects.filter(notice=lost).values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_sends_again_only_the_message_in_flight_and_shows_it(db, settings, monkeypatch):
    """Two workers die in the middle of their batches (the process killed: nothing after the send runs);
    after the lease the retry job sends what they had not sent. Each worker's message in flight may have
    gone out already: it is sent again, and only it, with tries=2 for everyone to see."""
    import threading
    from collections import Counter

    from django.db import connection

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # workers: below
    settings.NOTIFY_BATCH_SIZE = 10
    users = [UserFactory() for _ in range(20)]
    sent, hung, release = Counter(), {}, {name: threading.Event() for name in ("worker-1", "worker-2")}
    die_at = {"worker-1": 4, "worker-2": 7}  # the Nth send of each worker is its last

    class Gateway:
        def __init__(self):
            self.count = 0

        def open(self):
            pass

        def close(self):
            pass

        def send(self, message):
            sent[message.to] += 1  # the gateway has it: the text reaches the phone
            self.count += 1
            name = threading.current_thread().name
            if self.count == die_at.get(name):
                hung[name].set()
                release[name].wait()  # killed here: this worker never runs another line of its own

    monkeypatch.setitem(transports.TRANSPORTS, "sms", Gateway)
    notice = services.notice_send(kind="direct", users=users, subject=SUBJECT, body=BODY, urgency=Urgency.URGENT)
    tokens = sorted(set(rows(notice, Channel.SMS).values_list("claimed_by", flat=True)))
    assert len(tokens) == 2

    def work(token):
        try:
            services.deliveries_send(token=token)
        finally:
            connection.close()

    threads = []
    for name, token in zip(die_at, tokens):
        hung[name] = threading.Event()
        t = threading.Thread(target=work, args=(token,), name=name, daemon=True)
        t.start()
        assert hung[name].wait(30)
        threads.append(t)
    try:
        assert sum(sent.values()) == 11
        # Recovery: after the lease the retry job hands every unfinished delivery to a new worker.
        later = timezone.now() + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS + 1)
        settings.TASKS = IMMEDIATE
        services.deliveries_enqueue_due(now=later)
        sms = {d.address: d for d in rows(notice, Channel.SMS)}
        assert set(sent) == set(sms) and {d.status for d in sms.values()} == {DeliveryStatus.SENT}
        twice = sorted(a for a, n in sent.items() if n > 1)
        assert len(twice) == 2 and max(sent.values()) == 2  # one per killed worker, no more
        assert sorted(a for a, d in sms.items() if d.tries == 2) == twice  # and every attempt recorded
        assert all(sms[a].tries == 1 for a in sms if a not in twice)
        assert all(sms[a].interrupted == 1 and sms[a].last_error for a in twice)
        from cunzhi.notify import selectors

        assert selectors.notice_report(notice=notice)["sent_twice"] == 2
        # A worker that was only slow, not dead, wakes up after the lease: it records nothing over the
        # new worker's outcome and sends nothing more.
        for t in threads:  # one at a time: the test database is shared by threads without waiting for locks
            release[t.name].set()
            t.join(30)
        assert sum(sent.values()) == 22 and {d.tries for d in rows(notice, Channel.SMS) if d.address in twice} == {2}
    finally:
        for t in threads:
            release[t.name].set()
            t.join(30)


@pytest.mark.django_db(transaction=True)
def test_scheduler_runs_each_slot_once_and_the_worker_records_it(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert "notify.retry_due" in jobs.JOBS
    assert "notify.retry_due" in jobs.jobs_late_names()  # never ran: late
    fixed = timezone.now().replace(second=30)
    assert {"notify.retry_due", "notify.prune_job_runs"} <= set(jobs.scheduler_tick(now=fixed))
    assert jobs.scheduler_tick(now=fixed.replace(second=50)) == []  # a second scheduler in the same minute
    assert JobRun.objects.filter(name="notify.retry_due").count() == 1
    JobRun.objects.all().delete()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    call_command("scheduler", "--once", "-v", "0")
    now = timezone.now()
    call_command(*WORKER)
    run = JobRun.objects.filter(name="notify.retry_due").first()
    assert run.ok is True and run.finished_at and run.result.startswith("0 due")
    assert "notify.retry_due" not in jobs.jobs_late_names()
    assert "notify.retry_due" in jobs.jobs_late_names(now=now + dt.timedelta(minutes=10))


def test_notify_test_command(world, settings, django_capture_on_commit_callbacks):
    import io

    from django.core.management.base import CommandError

    settings.TASKS = IMMEDIATE
    settings.SMS_BACKEND = "file"
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_test", world.villager_a.phone, stdout=out)
    assert "inbox, sms" in out.getvalue()
    notice = Notice.objects.get(template="test")
    assert set(Delivery.objects.filter(notice=notice).values_list("status", flat=True)) == {DeliveryStatus.SENT}
    with pytest.raises(CommandError):
        call_command("notify_test", "10000000000")


def test_template_texts_are_escaped_once_where_shown(world, settings, tmp_path, login):
    """Plain text (inbox, text message, plain e-mail) carries the words as written; HTML escapes them once."""
    folder = tmp_path / "templates" / "notify" / "messages"
    folder.mkdir(parents=True)
    (folder / "quoted.subject.txt").write_text("关于“{{ title }}”的通知", encoding="utf-8")
    (folder / "quoted.body.txt").write_text("{{ title }} & {{ note }}", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path / "templates")]}]
    world.villager_a.email = "zhang@example.org"
    world.villager_a.save()
    title, note = '"美丽乡村" <项目>', "张三's field"
    notice = send(
        [world.villager_a], subject=None, body=None, template="quoted", context={"title": title, "note": note}
    )
    assert services.notice_render(notice, "en") == (f"关于“{title}”的通知", f"{title} & {note}")
    for token in set(
        Delivery.objects.filter(notice=notice).exclude(channel=Channel.INBOX).values_list("claimed_by", flat=True)
    ):
        services.deliveries_send(token=token)
    email = mail.outbox[0]
    assert email.subject == f"关于“{title}”的通知" and f"{title} & {note}" in email.body
    html = email.alternatives[0][0]
    assert "&quot;美丽乡村&quot; &lt;项目&gt; &amp; 张三&#x27;s field" in html and "&amp;quot;" not in html
    page = login(world.villager_a).get(f"/notify/n/{notice.public_id}/").content.decode()
    assert "&quot;美丽乡村&quot; &lt;项目&gt; &amp; 张三&#x27;s field" in page and "&amp;quot;" not in page
    inbox = login(world.villager_a).get("/notify/inbox/").content.decode()
    assert "关于“&quot;美丽乡村&quot; &lt;项目&gt;”的通知" in inbox and "&amp;quot;" not in inbox
