"""Demo meetings in 余村 for `manage.py seed_demo`, made through the services.

- a villagers' meeting held last month (homestead use plan by secret ballot, road hardening by open
  vote), streamed live: members working away followed it and asked (one by a voice note), the chair
  marked their questions; its recording (made with ffmpeg from a test picture, when ffmpeg is present)
  is linked from the minutes and the disclosure post; minutes published as a PDF and posted for the
  village;
- a representatives' meeting in session now (urgent notice recorded), members checking in, a motion
  on the floor: log in as the representative or the villager living away to check in and vote;
- a villagers' meeting in twelve days, notice sent to every member (by text to those without an
  account), with a live-stream address; the grid worker's door-to-door round for members without a
  mobile number done but for a few not at home;
- a petition collecting signatures, and the villagers' meeting's delegation of public-welfare
  projects to the representatives.
"""

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from cunzhi.meetings import law, services
from cunzhi.meetings.live import services as live_services
from cunzhi.meetings.live.models import LiveStream, QuestionKind, QuestionStatus, StreamStatus
from cunzhi.meetings.models import Body, Meeting, PetitionKind
from cunzhi.notify.models import Channel, Delivery, DoorOutcome
from cunzhi.notify.services import door_visit_record
from cunzhi.people.models import Role, Villager

MAIN_VILLAGE = "330523100201"


def _backdate(meeting: Meeting, starts_at: dt.datetime) -> Meeting:
    """Demo only: move a meeting into the past (services refuse to convene one there)."""
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        notice_sent_at=starts_at - dt.timedelta(days=12),
        notice_due_by=law.notice_deadline(starts_at, 10),
    )
    meeting.refresh_from_db()
    return meeting


def _door_round(meeting: Meeting, worker) -> int:
    """The grid worker's round for the members no text can reach (no mobile number): most told in
    person, a few not at home yet — they stay on the door-to-door list."""
    door = list(
        Delivery.objects.filter(notice=meeting.notice, channel=Channel.DOOR)
        .select_related("villager")
        .order_by("villager__name_pinyin", "pk")
    )
    for i, d in enumerate(door):
        outcome = DoorOutcome.NOT_HOME if i % 8 == 7 else DoorOutcome.TOLD
        door_visit_record(notice=meeting.notice, villager=d.villager, outcome=outcome, actor=worker)
    return len(door)


RECORDING_SECONDS = 8  # the demo recording: short, so the demo builds fast


def _ffmpeg(*args: str, timeout: int = 60) -> bool:
    try:
        done = subprocess.run(  # noqa: S603  # the program named in settings, fixed arguments
            [settings.MEETINGS_LIVE_FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _test_media() -> dict[str, bytes]:
    """A short recording (ffmpeg's test picture and a tone: MP4 and its sound as M4A) and a voice note
    (a tone, WebM/Opus as Chrome records it); empty without ffmpeg (the demo then has no files)."""
    if not shutil.which(settings.MEETINGS_LIVE_FFMPEG):
        return {}
    with tempfile.TemporaryDirectory(prefix="cunzhi-demo-live-") as tmp:
        mp4, m4a, note = Path(tmp) / "r.mp4", Path(tmp) / "r.m4a", Path(tmp) / "v.webm"
        n = str(RECORDING_SECONDS)
        ok = _ffmpeg(
            *("-f", "lavfi", "-i", f"testsrc=size=640x360:rate=25:duration={n}"),
            *("-f", "lavfi", "-i", f"sine=frequency=330:duration={n}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-b:v", "300k", "-pix_fmt", "yuv420p", "-g", "50"),
            *("-c:a", "aac", "-b:a", "48k", "-ac", "1", "-movflags", "+faststart", str(mp4)),
        )
        ok = ok and _ffmpeg("-i", str(mp4), "-vn", "-c:a", "copy", "-movflags", "+faststart", str(m4a))
        voice = _ffmpeg(
            *("-f", "lavfi", "-i", "sine=frequency=220:duration=4", "-c:a", "libopus", "-b:a", "24k", str(note))
        )
        if not ok:
            return {}
        made = {"mp4": mp4.read_bytes(), "m4a": m4a.read_bytes()}
        if voice:
            made["voice"] = note.read_bytes()
        return made


def _streamed(meeting: Meeting, *, cadre, remote_members, start: dt.datetime) -> dict[str, int]:
    """The past meeting's live stream: who followed, their questions (through the services), the chair's
    marks. The stream row itself is written here (demo only): the meeting is in the past, and its
    recording comes from a test source rather than from chunks."""
    counts = {"live_questions": 0, "live_viewers": 0}
    stream = LiveStream.objects.create(
        meeting=meeting, status=StreamStatus.LIVE, take=1, started_by=cadre, started_at=start
    )
    for m in remote_members:
        live_services.live_watch_record(meeting_id=meeting.pk, user_id=m.user_id, now=start)
        counts["live_viewers"] += 1
    files = _test_media()
    asked = [
        ("无房户的认定以什么时间为准？", QuestionKind.QUESTION, QuestionStatus.ANSWERED, "以2023年12月31日户籍为准。"),
        ("建议村道硬化时同步铺设排水管。", QuestionKind.SUGGESTION, QuestionStatus.TAKEN_UP, "列入施工方案。"),
        ("", QuestionKind.QUESTION, QuestionStatus.ANSWERED, "会上已口头答复：工程由镇质监站监督。"),
    ]
    for member, (text, kind, status, outcome) in zip(remote_members, asked, strict=False):
        voice = None if text else files.get("voice")
        if not text and voice is None:
            continue
        question = live_services.question_ask(
            actor=member.user, meeting=meeting, member=member, text=text, kind=kind, voice=voice
        )
        live_services.question_handle(actor=cadre, question=question, status=status, outcome=outcome)
        counts["live_questions"] += 1
    ended = start + dt.timedelta(hours=1, minutes=50)
    stream.status, stream.ended_at = StreamStatus.ENDED, ended
    if files:
        stream.recording.save(f"{meeting.public_id}.mp4", ContentFile(files["mp4"]), save=False)
        stream.recording_audio.save(f"{meeting.public_id}.m4a", ContentFile(files["m4a"]), save=False)
        stream.recording_seconds = RECORDING_SECONDS
    stream.save()
    return counts


def seed(*, rng, today, logins) -> dict:
    cadre = logins["cadre"]
    village = cadre.roles.get(role=Role.CADRE).region
    if village.code != MAIN_VILLAGE:
        return {}
    now = timezone.now()
    counts = {"meetings": 0, "meeting_check_ins": 0, "meeting_ballots": 0, "petitions": 0}

    # --- last month's villagers' meeting, with published minutes ------------------------------
    past = services.meeting_create(
        actor=cadre,
        village=village,
        body=Body.VILLAGERS,
        title="2024年宅基地使用方案和村道硬化工程",
        agenda="一、审议本村2024年宅基地使用方案\n二、表决村道硬化工程（约1.2公里）及资金筹集\n三、其他事项",
        place="余村村委会二楼大会议室",
        starts_at=now + dt.timedelta(days=11),
        stream_url="https://live.example.cn/yucun/villagers.m3u8",
    )
    services.meeting_notice_send(actor=cadre, meeting=past)
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=30), dt.time(19, 0)))
    past = _backdate(past, start)
    services.meeting_open(actor=cadre, meeting=past, now=start)
    members = list(past.members.select_related("villager", "user"))
    present = [m for m in members if rng.random() < 0.62]
    for m in present:
        remote = bool(m.user_id and m.living_away)  # those working away check in themselves, remotely
        services.attendance_check_in(actor=m.user if remote else cadre, meeting=past, member=m, at_venue=not remote)
    counts["meeting_check_ins"] += len(present)
    remote = {m.pk for m in present if m.user_id and m.living_away}
    # Members working away followed the stream (those with an account), present or not; some asked.
    away = [m for m in members if m.user_id and m.living_away]
    away += [m for m in members if m.user_id and not m.living_away][: max(0, 3 - len(away))]
    counts |= _streamed(past, cadre=cadre, remote_members=away, start=start)
    m1 = services.motion_add(
        actor=cadre,
        meeting=past,
        title="2024年宅基地使用方案",
        ballot="secret",
        text="本年度安排新增宅基地12宗，优先保障无房户和危房户，具体名单经公示无异议后报镇政府审批。",
        matter="homestead",
    )
    m2 = services.motion_add(
        actor=cadre,
        meeting=past,
        title="村道硬化工程及资金筹集",
        text="硬化村道约1.2公里，预算48万元，上级补助30万元，村集体出资18万元，不向农户筹资。",
        matter="public_welfare",
    )
    # Remote members vote themselves; the tellers enter the ballots of those at the venue.
    for motion, weights in ((m1, (0.8, 0.12)), (m2, (0.86, 0.08))):
        services.motion_open(actor=cadre, motion=motion, now=start + dt.timedelta(minutes=20))
        motion.meeting = past
        for m in present:
            r = rng.random()
            choice = "yes" if r < weights[0] else "no" if r < weights[0] + weights[1] else "abstain"
            services.ballot_cast(actor=m.user if m.pk in remote else cadre, motion=motion, member=m, choice=choice)
            counts["meeting_ballots"] += 1
        services.motion_close(actor=cadre, motion=motion)
    services.meeting_close(actor=cadre, meeting=past)
    services.minutes_save(
        actor=cadre,
        meeting=past,
        minutes=(
            "会议由村党支部书记主持，村民委员会主任介绍了宅基地使用方案和村道硬化工程的情况。\n"
            "与会村民就无房户认定标准、工程质量监督等问题提问，村委会逐一作了答复。\n"
            "两项议题分别以无记名投票和举手表决方式表决，结果当场宣布。"
        ),
    )
    try:
        services.minutes_publish(actor=cadre, meeting=past)
    except Exception:  # the PDF needs WeasyPrint and its fonts; the demo works without the file  # noqa: BLE001, S110
        pass
    counts["meetings"] += 1

    # --- the representatives' meeting in session now -------------------------------------------
    live = services.meeting_create(
        actor=cadre,
        village=village,
        body=Body.REPRESENTATIVES,
        title="村民代表会议：防汛物资采购",
        agenda="一、审议防汛物资紧急采购方案\n二、通报近期村务工作",
        place="余村村委会一楼会议室",
        starts_at=now + dt.timedelta(minutes=20),
        stream_url="https://meeting.tencent.com/dm/yucun-daibiao",
    )
    services.meeting_notice_send(
        actor=cadre, meeting=live, urgent=True, urgent_reason="台风“梅花”预计三天内登陆，须及时决定防汛物资采购"
    )
    services.meeting_open(actor=cadre, meeting=live)
    reps = list(live.members.select_related("villager"))
    skip = {logins[k].pk for k in ("representative", "villager", "villager_away") if k in logins}
    for m in reps:
        if m.user_id not in skip:
            services.attendance_check_in(actor=cadre, meeting=live, member=m, at_venue=True)
            counts["meeting_check_ins"] += 1
    motion = services.motion_add(
        actor=cadre,
        meeting=live,
        title="防汛物资紧急采购",
        text="采购沙袋2000只、救生衣50件、应急照明20套，预算3.6万元，从村集体公益金列支。",
    )
    try:
        services.motion_open(actor=cadre, motion=motion)
    except ValidationError:  # without the quorum the chair waits for more check-ins; the demo still shows it
        pass
    counts["meetings"] += 1

    # --- the next villagers' meeting, noticed ---------------------------------------------------
    nxt = services.meeting_create(
        actor=cadre,
        village=village,
        body=Body.VILLAGERS,
        title="美丽乡村建设和垃圾分类村规民约",
        agenda="一、讨论美丽乡村建设项目安排\n二、审议垃圾分类村规民约（修订稿）\n三、选举垃圾分类监督员",
        place="余村文化礼堂",
        starts_at=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=12), dt.time(19, 30))),
        stream_url="https://live.example.cn/yucun/meeting.m3u8",
    )
    services.meeting_notice_send(actor=cadre, meeting=nxt)
    counts["meetings"] += 1
    counts["door_visits"] = _door_round(nxt, logins.get("grid_worker") or cadre)

    # --- a petition and a recorded delegation ---------------------------------------------------
    signers = [
        v for v in Villager.objects.filter(village=village, user__isnull=False).select_related("user") if v.is_adult
    ][:6]
    if signers:
        petition = services.petition_start(
            actor=signers[0].user,
            village=village,
            kind=PetitionKind.VILLAGERS,
            title="召开村民会议讨论村集体茶园承包到期后的安排",
            reason="村集体茶园承包合同年底到期，续包还是收回统一经营，涉及全村利益，应由村民会议讨论决定。",
        )
        for v in signers[1:]:
            services.petition_sign(actor=v.user, petition=petition)
        counts["petitions"] += 1
    services.authorisation_record(
        actor=cadre,
        village=village,
        matters=["public_welfare", "collective_project"],
        reference=f"{today.year - 1}年第2次村民会议决议（授权村民代表会议）",
        granted_on=today - dt.timedelta(days=200),
        valid_until=today + dt.timedelta(days=900),
    )
    return counts
