"""The demo's tenders: the next cleaning contract of Donghu Park, awarded, and a security tender
open for bids today.

- ``QZGY-ZB-2027-003`` 东湖公园 2028—2029 年度环境卫生保洁服务: bids from 洁美环境 (the current
  contractor, past performance from its ParkPact ratings), 清源物业 (user ``bidder``; no
  history: the neutral value) and 天禾环境 (a company registered here, user ``tianhe``), whose
  price is abnormally low on all three tests; its explanation is rejected. The panel is
  ``inspector`` and ``inspector2``, who declared a conflict with 清源物业 (a former employer) and
  scores 洁美环境 only. 洁美环境 ranks first on past performance and technical merit, although
  清源物业 is cheaper; the award drafts contract ``QZGY-ZB-2027-003-1``.
- ``QZGY-ZB-2027-004`` 东湖公园 2028—2029 年度安保服务: open from three days before the load to
  two weeks after it, with one bid (安泰保安), so the portal shows an open tender.

Dates are counted back from the moment of the load (the submission period of the first ends two
days before it), and every service that takes ``now=`` is given the story's time. ``seed`` is
idempotent: a tender found by its reference is left as it is.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parkpact.contracts.models import Contract
from parkpact.core.models import User
from parkpact.providers.credit_code import complete
from parkpact.providers.models import Provider, Qualification
from parkpact.providers.services import add_qualification, add_staff_member, create_provider

from . import services
from .models import Bid, Criterion, Tender

DEMO_USERNAMES = ("tianhe",)
CLEANING_TENDER = "QZGY-ZB-2027-003"
SECURITY_TENDER = "QZGY-ZB-2027-004"

THIRD_COMPANY: dict[str, Any] = {
    "name": "泉州市天禾环境工程有限公司",
    "short_name": "天禾环境",
    # Registered in Licheng district (350502); the last two characters are computed.
    "credit_code": complete("91350502MA8T6H3C"),
    "address": "福建省泉州市鲤城区江南街道紫华路 66 号",
    "contact_name": "蔡文斌",
    "contact_phone": "0595-28891203",
    "email": "tender@tianhe-env.example.com",
}
THIRD_STAFF = {"username": "tianhe", "first_name": "蔡文斌", "position": "投标专员"}

CLEANING_METHOD: list[tuple[str, str, Decimal, bool]] = [
    (Criterion.Kind.PRICE, "价格", Decimal(30), False),
    (Criterion.Kind.PAST_PERFORMANCE, "履约评价（ParkPact 考核记录）", Decimal(15), True),
    (Criterion.Kind.JUDGED, "保洁服务方案", Decimal(30), True),
    (Criterion.Kind.JUDGED, "人员与设备配置", Decimal(25), True),
]
SECURITY_METHOD: list[tuple[str, str, Decimal, bool]] = [
    (Criterion.Kind.PRICE, "价格", Decimal(30), False),
    (Criterion.Kind.PAST_PERFORMANCE, "履约评价（ParkPact 考核记录）", Decimal(15), True),
    (Criterion.Kind.JUDGED, "安保服务方案", Decimal(35), True),
    (Criterion.Kind.JUDGED, "人员配置与培训", Decimal(20), True),
]


@dataclass(frozen=True)
class DemoBid:
    company: str  # key in context["providers"], or "third"
    username: str
    price: Decimal
    days_after_start: int
    # (plan, staffing) by evaluator username
    scores: dict[str, tuple[str, str]]


CLEANING_BIDS = [
    DemoBid(
        "cleaning",
        "cleaner",
        Decimal("172800.00"),
        10,
        {"inspector": ("26", "21"), "inspector2": ("25", "22")},
    ),
    DemoBid("bidder", "bidder", Decimal("163500.00"), 15, {"inspector": ("24", "20")}),
    DemoBid("third", "tianhe", Decimal("76000.00"), 20, {}),
]
EXPLANATION = (
    "我公司在鲤城区另有两个保洁项目，可共用机扫车和洒水车，设备折旧不计入本项目；"
    "部分岗位拟招用退休返聘人员，人工成本较低。"
)
REJECTION = (
    "报价仅为其他有效报价平均值的 45%；按福建省最低工资标准测算，本项目 36 名保洁员月工资"
    "及社保合计已超过 9 万元，说明不能证明以该价格可按合同标准履约，按异常低价否决。"
)


def _pdf(title: str) -> SimpleUploadedFile:
    """A small, valid one-page PDF standing in for the technical proposal."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return SimpleUploadedFile("proposal.pdf", bytes(out), content_type="application/pdf")


def _third_company(context: dict[str, Any]) -> Provider:
    """天禾环境, registered by the manager with a licence and a cleaning grade certificate."""
    manager: User = context["users"]["manager"]
    provider = Provider.objects.filter(credit_code=THIRD_COMPANY["credit_code"]).first()
    if provider is None:
        provider = create_provider(by=manager, **THIRD_COMPANY)
        add_qualification(
            provider=provider,
            by=manager,
            kind=Qualification.Kind.BUSINESS_LICENCE,
            number=THIRD_COMPANY["credit_code"],
            issued_by="泉州市鲤城区市场监督管理局",
            valid_from=date(2021, 3, 18),
            valid_until=None,
        )
        add_qualification(
            provider=provider,
            by=manager,
            kind=Qualification.Kind.CLEANING_GRADE,
            number="FJHW-QJ-C-2025-1138",
            issued_by="福建省环境卫生协会",
            valid_from=date(2025, 5, 1),
            valid_until=date(2028, 4, 30),
        )
    user = User.objects.filter(username=THIRD_STAFF["username"]).first()
    if user is None:
        staff = dict(THIRD_STAFF)
        user = add_staff_member(
            provider=provider,
            username=staff.pop("username"),
            password=context["password"],
            by=manager,
            **staff,
        ).user
    context["providers"]["third"] = provider
    context["users"][user.username] = user
    return provider


def _tender(
    context: dict[str, Any],
    *,
    reference: str,
    title: str,
    service_kind: str,
    contract: Contract,
    ceiling: Decimal,
    requirements: list[str],
    method: list[tuple[str, str, Decimal, bool]],
    start: datetime,
    end: datetime,
    description: str,
) -> Tender:
    manager: User = context["users"]["manager"]
    tender = services.create_tender(
        by=manager,
        reference=reference,
        title=title,
        description=description,
        service_kind=service_kind,
        submission_start=start,
        submission_end=end,
        contract_start=date(2028, 1, 1),
        contract_end=date(2029, 12, 31),
    )
    services.add_lot(
        tender=tender,
        by=manager,
        number=1,
        title=title,
        zones=list(contract.zones.order_by("code")),
        budget_ceiling=ceiling,
    )
    for kind in requirements:
        services.add_requirement(tender=tender, by=manager, kind=kind)
    for kind, name, weight, technical in method:
        services.add_criterion(
            tender=tender, by=manager, kind=kind, name=name, weight=weight, is_technical=technical
        )
    return services.publish_tender(tender=tender, by=manager, now=start - timedelta(days=2))


def _cleaning(context: dict[str, Any], now: datetime) -> None:
    users: dict[str, User] = context["users"]
    manager = users["manager"]
    end = now - timedelta(days=2)
    start = end - timedelta(days=26)
    tender = _tender(
        context,
        reference=CLEANING_TENDER,
        title="东湖公园 2028—2029 年度环境卫生保洁服务",
        service_kind=Contract.ServiceKind.CLEANING,
        contract=context["contracts"]["cleaning"],
        ceiling=Decimal("180000.00"),
        requirements=[Qualification.Kind.BUSINESS_LICENCE, Qualification.Kind.CLEANING_GRADE],
        method=CLEANING_METHOD,
        start=start,
        end=end,
        description=(
            "东湖公园全园（水面、环湖亲水带、步道、草坪、林地、广场、停车场及公厕）日常保洁，"
            "综合评分法，履约评价取自 ParkPact 近 36 个月考核记录。"
        ),
    )
    lot = tender.lots.get()
    services.add_evaluator(tender=tender, by=manager, user=users["inspector"], conflicts=[])
    services.add_evaluator(
        tender=tender,
        by=manager,
        user=users["inspector2"],
        conflicts=[context["providers"]["bidder"]],
    )
    bids: dict[str, Bid] = {}
    for demo in CLEANING_BIDS:
        provider = context["providers"][demo.company]
        bids[demo.company] = services.submit_bid(
            lot=lot,
            by=users[demo.username],
            price=demo.price,
            qualifications=list(provider.qualifications.all()),
            proposal=_pdf(f"{CLEANING_TENDER} technical proposal: {provider.credit_code}"),
            now=start + timedelta(days=demo.days_after_start, hours=3),
        )
    services.close_submissions(tender=tender, by=manager, now=end + timedelta(hours=1))
    low = Bid.objects.get(pk=bids["third"].pk)
    services.explain_bid(bid=low, by=users["tianhe"], text=EXPLANATION)
    services.decide_explanation(bid=low, by=manager, accept=False, reason=REJECTION)
    judged = list(tender.criteria.filter(kind=Criterion.Kind.JUDGED).order_by("id"))
    for demo in CLEANING_BIDS:
        for evaluator, values in demo.scores.items():
            for criterion, value in zip(judged, values, strict=True):
                services.score_bid(
                    bid=bids[demo.company],
                    criterion=criterion,
                    by=users[evaluator],
                    score=Decimal(value),
                    note="",
                    now=end + timedelta(days=1),
                )
    services.award_lot(lot=lot, by=manager, now=end + timedelta(days=1, hours=6))


def _security(context: dict[str, Any], now: datetime) -> None:
    users: dict[str, User] = context["users"]
    start = now - timedelta(days=3)
    tender = _tender(
        context,
        reference=SECURITY_TENDER,
        title="东湖公园 2028—2029 年度安保服务",
        service_kind=Contract.ServiceKind.SECURITY,
        contract=context["contracts"]["security"],
        ceiling=Decimal("98000.00"),
        requirements=[Qualification.Kind.BUSINESS_LICENCE, Qualification.Kind.SECURITY_PERMIT],
        method=SECURITY_METHOD,
        start=start,
        end=now + timedelta(days=14),
        description="东湖公园全园安全巡逻、门岗值守、监控值班及大型活动安保，综合评分法。",
    )
    services.add_evaluator(
        tender=tender, by=users["manager"], user=users["inspector"], conflicts=[]
    )
    provider = context["providers"]["security"]
    services.submit_bid(
        lot=tender.lots.get(),
        by=users["guard"],
        price=Decimal("91600.00"),
        qualifications=list(provider.qualifications.all()),
        proposal=_pdf(f"{SECURITY_TENDER} technical proposal: {provider.credit_code}"),
        now=now - timedelta(days=1),
    )


def has_data() -> bool:
    return Tender.objects.exists()


def seed(context: dict[str, Any]) -> None:
    """The two tenders of the module docstring, each once."""
    now = timezone.now()
    _third_company(context)
    if not Tender.objects.filter(reference=CLEANING_TENDER).exists():
        _cleaning(context, now)
    if not Tender.objects.filter(reference=SECURITY_TENDER).exists():
        _security(context, now)
