"""Demo data for service applications: six real service items of a Zhejiang county with realistic
checklists, and applications of 余村 villagers in every state (waiting for acceptance, accepted
conditionally with materials due, in review at each step, overdue, approved with a certificate,
returned, terminated), plus one e-mail kept for staff. Written through the services.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from cunzhi.applications import inbound, jobs, services
from cunzhi.applications.models import Application, Level, Matter, ServiceItem, Source, StepState
from cunzhi.people.models import Office, OfficeKind, Role, RoleAssignment, Villager

MAIN_VILLAGE = "330523100201"
# The national rule behind once-only reuse (国发〔2016〕55号: materials that can be shared are not asked again).
BASIS = "《国务院关于加快推进“互联网+政务服务”工作的指导意见》（国发〔2016〕55号）：能通过网络共享复用的材料，不得要求群众重复提交"
BASIS_SOCIAL = "《社会保险法》第十条、《城乡居民基本养老保险经办规程》：参保信息由社会保险经办机构共享核验"

ITEMS = [
    {
        "code": "pension-enrol",
        "name": "城乡居民基本养老保险参保登记",
        "matter": Matter.PENSION,
        "description": "年满16周岁（不含在校学生）、非国家机关和事业单位工作人员及不属于职工基本养老保险覆盖范围的城乡居民，"
        "可在户籍地参加城乡居民基本养老保险。",
        "level": Level.TOWNSHIP,
        "kind": OfficeKind.SOCIAL_SECURITY,
        "days": 10,
        "conditional": True,
        "valid": None,
        "steps": [
            ("村级代办核对", Level.VILLAGE, "", 2),
            ("乡镇社保所审核", Level.TOWNSHIP, OfficeKind.SOCIAL_SECURITY, 3),
            ("县人社局登记", Level.COUNTY, OfficeKind.SOCIAL_SECURITY, 5),
        ],
        "materials": [
            ("居民身份证", True, "原件正反面照片", "", Source.IDENTITY, None, BASIS),
            ("居民户口簿", True, "户主页和本人页照片", "", Source.HOUSEHOLD, None, BASIS),
            (
                "城乡居民基本养老保险参保登记表",
                True,
                "本人签字后拍照或扫描PDF",
                "选择缴费档次（每年300元至5000元）",
                "",
                None,
                "",
            ),
            ("社会保障卡或本人银行卡", False, "卡面正面照片", "用于养老金发放，须为本人名下一类账户", "", None, ""),
        ],
    },
    {
        "code": "pension-certify",
        "name": "城乡居民养老保险待遇领取资格认证",
        "matter": Matter.PENSION,
        "description": "已领取城乡居民养老保险待遇的人员每年进行一次领取资格认证；行动不便的老人可由家人或村代办员代为申请。",
        "level": Level.TOWNSHIP,
        "kind": OfficeKind.SOCIAL_SECURITY,
        "days": 5,
        "conditional": False,
        "valid": 365,
        "steps": [
            ("村级核实（在世及居住情况）", Level.VILLAGE, "", 2),
            ("乡镇社保所认证", Level.TOWNSHIP, OfficeKind.SOCIAL_SECURITY, 3),
        ],
        "materials": [
            ("居民身份证", True, "原件正反面照片", "", Source.IDENTITY, None, BASIS),
            ("养老保险参保登记凭证", True, "参保登记证书", "", Source.CERTIFICATE, "pension-enrol", BASIS_SOCIAL),
            ("本人近期正面照片", True, "手机拍摄的清晰正面照片", "光线充足、不戴帽子，背景简单", "", None, ""),
        ],
    },
    {
        "code": "homestead",
        "name": "农村宅基地和建房（规划许可）申请",
        "matter": Matter.HOMESTEAD,
        "description": "符合“一户一宅”条件的农村村民，经村民小组讨论、村级审查公示后，由乡镇审核批准；"
        "宅基地使用方案属村民会议决定事项。",
        "level": Level.TOWNSHIP,
        "kind": OfficeKind.NATURAL_RESOURCES,
        "days": 20,
        "conditional": False,
        "valid": None,
        "steps": [
            ("村民小组讨论及村级审查公示", Level.VILLAGE, "", 10),
            ("乡镇自然资源所现场踏勘审核", Level.TOWNSHIP, OfficeKind.NATURAL_RESOURCES, 5),
            ("乡镇人民政府审批", Level.TOWNSHIP, OfficeKind.SERVICE_CENTRE, 5),
        ],
        "materials": [
            (
                "农村宅基地和建房（规划许可）申请表",
                True,
                "签字后拍照或扫描PDF",
                "写明申请理由、拟建位置和面积",
                "",
                None,
                "",
            ),
            ("居民户口簿", True, "户主页和全部成员页照片", "", Source.HOUSEHOLD, None, BASIS),
            ("居民身份证", True, "原件正反面照片", "", Source.IDENTITY, None, BASIS),
            ("村民小组会议讨论记录", True, "会议记录照片", "参会户代表签名", "", None, ""),
            ("农村宅基地使用承诺书", True, "签字后拍照", "承诺建新拆旧、一户一宅", "", None, ""),
            ("建房设计图或通用图", False, "PDF或图纸照片", "可选用县里提供的农房通用图集", "", None, ""),
        ],
    },
    {
        "code": "disability-cert",
        "name": "残疾人证新办",
        "matter": Matter.DISABILITY,
        "description": "经指定医疗机构评定为残疾的本县户籍居民，可申请办理第二代残疾人证。",
        "level": Level.COUNTY,
        "kind": OfficeKind.DISABLED,
        "days": 20,
        "conditional": False,
        "valid": None,
        "steps": [
            ("县残联审核", Level.COUNTY, OfficeKind.DISABLED, 10),
            ("县残联制证", Level.COUNTY, OfficeKind.DISABLED, 5),
        ],
        "materials": [
            ("居民身份证", True, "原件正反面照片", "", Source.IDENTITY, None, BASIS),
            ("居民户口簿", True, "户主页和本人页照片", "", Source.HOUSEHOLD, None, BASIS),
            ("残疾评定表", True, "指定医疗机构出具的评定表扫描件", "", "", None, ""),
            ("近期二寸免冠彩色照片", True, "照片电子版", "白底", "", None, ""),
        ],
    },
    {
        "code": "dibao",
        "name": "最低生活保障申请",
        "matter": Matter.ASSISTANCE,
        "description": "共同生活的家庭成员人均收入低于当地最低生活保障标准、且财产符合规定的家庭，可申请最低生活保障。",
        "level": Level.TOWNSHIP,
        "kind": OfficeKind.CIVIL_AFFAIRS,
        "days": 30,
        "conditional": True,
        "valid": None,
        "steps": [
            ("村级入户调查及民主评议", Level.VILLAGE, "", 7),
            ("乡镇民政办审核", Level.TOWNSHIP, OfficeKind.CIVIL_AFFAIRS, 10),
            ("县民政局审批", Level.COUNTY, OfficeKind.CIVIL_AFFAIRS, 10),
        ],
        "materials": [
            ("居民身份证", True, "原件正反面照片", "", Source.IDENTITY, None, BASIS),
            ("居民户口簿", True, "户主页和全部成员页照片", "", Source.HOUSEHOLD, None, BASIS),
            (
                "家庭经济状况核对授权书",
                True,
                "全体家庭成员签字后拍照",
                "授权民政部门核对存款、车辆、房产等",
                "",
                None,
                "",
            ),
            ("家庭收入情况说明", False, "签字后拍照或PDF", "近12个月务工、种养殖等收入", "", None, ""),
            ("残疾人证", False, "证件照片", "家庭成员有残疾的提供", Source.CERTIFICATE, "disability-cert", ""),
            ("医疗费用票据", False, "票据照片", "因病支出较大的提供近一年票据", "", None, ""),
        ],
    },
    {
        "code": "medical-enrol",
        "name": "城乡居民基本医疗保险参保登记",
        "matter": Matter.MEDICAL,
        "description": "未参加职工医保的城乡居民每年集中参保缴费；低保对象、特困人员等由财政资助参保。",
        "level": Level.TOWNSHIP,
        "kind": OfficeKind.SERVICE_CENTRE,
        "days": 5,
        "conditional": True,
        "valid": 365,
        "steps": [
            ("乡镇便民服务中心核对", Level.TOWNSHIP, OfficeKind.SERVICE_CENTRE, 2),
            ("县医保局登记", Level.COUNTY, OfficeKind.HEALTH, 3),
        ],
        "materials": [
            ("居民身份证", True, "原件正反面照片", "", Source.IDENTITY, None, BASIS),
            ("居民户口簿", True, "户主页和本人页照片", "", Source.HOUSEHOLD, None, BASIS),
            ("资助参保身份证明", False, "低保证明等", "享受资助参保的提供", Source.CERTIFICATE, "dibao", BASIS),
        ],
    },
]


# Materials needed only in some cases, with the case (an applicant they do not apply to says so).
CONDITIONS = {"残疾人证": "家庭成员有残疾的", "医疗费用票据": "因病支出较大的", "资助参保身份证明": "享受资助参保的"}


def _picture(text: str) -> SimpleUploadedFile:
    """A small 'photo' of a document (a white page with lines), like a phone picture of a form."""
    img = Image.new("RGB", (420, 300), (250, 250, 246))
    draw = ImageDraw.Draw(img)
    for y in range(40, 280, 24):
        draw.line((30, y, 390, y), fill=(150, 150, 150), width=2)
    draw.rectangle((10, 10, 410, 290), outline=(80, 80, 80), width=3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return SimpleUploadedFile(f"{text}.jpg", buf.getvalue(), content_type="image/jpeg")


def _staff(office: Office):
    row = RoleAssignment.objects.filter(office=office, role=Role.OFFICE_STAFF).select_related("user").first()
    return row.user if row else None


def _village_committee(code: str):
    row = RoleAssignment.objects.filter(region__code=code, role=Role.CADRE).select_related("user").first()
    return row.user if row else None


def _handler(app: Application):
    """Whoever must act on the application now (office staff, or the village cadre)."""
    app.refresh_from_db()
    if app.handler_office_id:
        return _staff(app.handler_office)
    return _village_committee(app.region_code[:12])


def _advance(app: Application, steps: int) -> None:
    for _n in range(steps):
        actor = _handler(app)
        services.step_decide(actor=actor, application=app, decision="approve")


def _upload_all(item: ServiceItem, villager=None, *, skip=()) -> dict:
    """Photos of every material the records do not already hold (except those in `skip`)."""
    return {
        m.pk: [_picture(m.name)]
        for m in item.materials.all()
        if m.name not in skip
        and (not m.source or villager is None or services.source_snapshot(spec=m, villager=villager) is None)
    }


def _backdate(app: Application, days: int) -> None:
    """Move an application's clocks back, so the demo has overdue work (the clocks are data)."""
    delta = dt.timedelta(days=days)
    fields = {
        f: getattr(app, f) - delta
        for f in ("submitted_at", "accepted_at", "promised_due_at", "due_at", "supply_due_at")
        if getattr(app, f)
    }
    Application.objects.filter(pk=app.pk).update(**fields)
    for step in app.steps.all():
        step_fields = {f: getattr(step, f) - delta for f in ("started_at", "due_at", "decided_at") if getattr(step, f)}
        type(step).objects.filter(pk=step.pk).update(**step_fields)


def seed(*, rng, today, logins) -> dict:
    admin = logins["county_admin"]
    county_code = admin.roles.first().region.code
    by_code = {}
    for spec in ITEMS:
        item = ServiceItem(
            code=spec["code"],
            name=spec["name"],
            description=spec["description"],
            matter=spec["matter"],
            office_level=spec["level"],
            office_kind=spec["kind"],
            promised_days=spec["days"],
            conditional_allowed=spec["conditional"],
            valid_days=spec["valid"],
            region_code=county_code,
        )
        steps = [{"name": n, "level": lv, "office_kind": k, "time_limit_days": d} for n, lv, k, d in spec["steps"]]
        materials = [
            {
                "name": n,
                "core": core,
                "forms": forms,
                "example": ex,
                "source": src,
                "source_item": by_code.get(src_item) if src_item else None,
                "legal_basis": basis,
                "conditional": n in CONDITIONS,
                "condition": CONDITIONS.get(n, ""),
            }
            for n, core, forms, ex, src, src_item, basis in spec["materials"]
        ]
        by_code[spec["code"]] = services.item_configure(actor=admin, item=item, steps=steps, materials=materials)

    villager, away, helper = logins["villager"], logins["villager_away"], logins["helper"]
    # Registered e-mail addresses, so that missing materials can be sent by e-mail in the demo.
    for user, address in (
        (villager, "chenguoqiang@example.com"),
        (away, "chenxiaoyan@example.com"),
        (helper, "chenhao@example.com"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    counts = {"applications": 0}

    def submit(actor, who, code, **kw):
        app = services.application_submit(actor=actor, item=by_code[code], villager=who, **kw)
        counts["applications"] += 1
        return app

    # 陈国强 (the printed villager): pension enrolled and certified; the allowance accepted conditionally.
    me = villager.villager
    enrol = submit(villager, me, "pension-enrol", uploads=_upload_all(by_code["pension-enrol"]))
    services.application_accept(actor=_staff(enrol.accepting_office), application=enrol)
    _advance(enrol, 3)
    certify = submit(helper, me, "pension-certify", uploads=_upload_all(by_code["pension-certify"]))
    services.application_accept(actor=_staff(certify.accepting_office), application=certify)
    # Nobody in the household is disabled: the helper says so, and the certificate is not in the notice.
    disability = next(m for m in by_code["dibao"].materials.all() if m.name == "残疾人证")
    dibao = submit(
        helper,
        me,
        "dibao",
        commitment=True,
        uploads=_upload_all(by_code["dibao"], skip=("家庭收入情况说明", "医疗费用票据", "残疾人证")),
        not_applicable={disability.pk: "家中没有残疾人"},
    )
    services.application_accept_conditionally(
        actor=_staff(dibao.accepting_office), application=dibao, deadline=today + dt.timedelta(days=7)
    )
    # 陈晓燕 (works in Hangzhou): homestead application at the village step.
    home = submit(away, away.villager, "homestead", uploads=_upload_all(by_code["homestead"]))
    services.application_accept(actor=_staff(home.accepting_office), application=home)

    # Other villagers of 余村 with applications in every state, through the village service station.
    station = logins["cadre"]
    others = list(
        Villager.objects.filter(
            region_code=MAIN_VILLAGE, user__isnull=True, birth_date__lte=today - dt.timedelta(days=365 * 20)
        ).order_by("id")[:40]
    )
    rng.shuffle(others)
    plans = [
        "waiting",
        "waiting",
        "overdue",
        "returned",
        "conditional",
        "village",
        "township",
        "approved",
        "approved",
        "terminated",
        "waiting",
        "village",
    ]
    codes = [
        "dibao",
        "medical-enrol",
        "pension-enrol",
        "homestead",
        "dibao",
        "pension-enrol",
        "dibao",
        "medical-enrol",
        "pension-certify",
        "medical-enrol",
        "disability-cert",
        "homestead",
    ]
    for who, plan, code in zip(others, plans, codes):
        item = by_code[code]
        conditional = plan in ("conditional", "terminated") and item.conditional_allowed
        skip = tuple(m.name for m in item.materials.all() if not m.core)[:1] if conditional else ()
        if code == "pension-certify":
            first = submit(
                station, who, "pension-enrol", uploads=_upload_all(by_code["pension-enrol"]), station_confirmed=True
            )
            services.application_accept(actor=_staff(first.accepting_office), application=first)
            _advance(first, 3)
        app = submit(
            station,
            who,
            code,
            uploads=_upload_all(item, who, skip=skip),
            commitment=conditional,
            station_confirmed=True,
        )
        office_staff = _staff(app.accepting_office)
        missing = [m for m in app.materials.all() if m.state == "missing"]
        if plan in ("waiting",):
            continue
        if plan == "overdue":
            _backdate(app, 9)
            continue
        if plan == "returned":
            services.application_return(
                actor=office_staff,
                application=app,
                corrections={app.materials.exclude(source__gt="").first().pk: "照片模糊，请在光线充足处重新拍摄"},
                message="户口簿成员页请拍全。",
            )
            continue
        if conditional and missing:
            services.application_accept_conditionally(
                actor=office_staff, application=app, deadline=today + dt.timedelta(days=5)
            )
        elif not missing:
            services.application_accept(actor=office_staff, application=app)
        else:
            continue
        if plan == "terminated":
            app.refresh_from_db()
            _backdate(app, 10)  # its supply deadline has passed: the periodic job terminates it
            jobs.applications_terminate_overdue()
        elif plan == "township":
            _advance(app, 1)
            _backdate(app, 16)  # the township step is overdue: it shows on the overdue list
        elif plan == "approved" and not missing:
            app.refresh_from_db()
            _advance(app, app.steps.filter(state__in=[StepState.ACTIVE, StepState.WAITING]).count())

    # One e-mail nobody could match: kept for staff on the "e-mail to sort" page.
    raw = (
        "From: 13957211826@139.com\r\nTo: banshi@anji.example\r\nSubject: =?utf-8?b?"
        "6KGl5YWF5p2Q5paZ?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "我妈的低保材料，编号忘记了。\r\n"
    ).encode()
    inbound.mail_receive(raw=raw, envelope_from="13957211826@139.com")
    counts["service_items"] = len(by_code)
    counts["certificates"] = sum(1 for a in Application.objects.filter(status="approved"))
    counts["inbound_mail"] = 1
    return counts
