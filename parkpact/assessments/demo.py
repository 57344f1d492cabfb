"""The demo's monthly assessments: every month of the supervision history (inspections.demo's
twelve months before today's, in the contracts' term) assessed from the evidence the earlier
demos recorded, and taken through the whole workflow; today's month is left a computed draft.

Each ended month, early in the next one: the worker computes the drafts, the manager sends
them, the provider confirms (or appeals lines), a manager decides the appeals, the manager
approves (which issues the certificate and writes the rating) and finance approves the
certificate. Every service takes ``now=``, so the records carry the story's times while the
audit ledger, stamped by core.services, shows when the demo was loaded.

The story (docs/demo.md) lives in the evidence — inspections.demo fails more of 洁美环境's
checks in June–August and none of 安泰保安's in April — and in a few decisions made here:

- July, cleaning: 洁美环境 appeals the toilet line (CL-02), the city cut the water supply that
  day; ``manager2`` upholds it.
- August, cleaning: 洁美环境 appeals the litter line (CL-01), blaming a typhoon; ``manager``
  dismisses it.
- September, cleaning: after approval the manager corrects the month (extra cleaners the centre
  asked for before National Day, left off the certificate); October's certificate pays it.

``seed`` is idempotent: a month whose assessment is past draft is left as it is; a draft of an
ended month (from a load in an earlier month) is taken through the workflow; the correction is
made once. Months whose story steps would fall after now are squeezed between the month's end
and now, in the same order.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from parkpact.contracts.models import Contract
from parkpact.core.models import Notification, User
from parkpact.inspections.demo import history_months, photo
from parkpact.inspections.models import Inspection
from parkpact.inspections.services import first_of_month

from . import scoring
from .models import Adjustment, Assessment, AssessmentLine
from .services import (
    AppealRequest,
    appeal_lines,
    approve_assessment,
    approve_certificate,
    compute_assessment,
    confirm_assessment,
    decide_appeal,
    make_adjustment,
    send_assessment,
)

Status = Assessment.Status


@dataclass(frozen=True)
class AppealStory:
    """An appeal the provider makes on one line of a month, and how it is decided."""

    month: int  # month of the year
    codes: tuple[str, ...]  # the line appealed: the first of these that deducts points
    reason: str  # {day}: the day of the first failed record
    upheld: bool
    decided_by: str
    decision: str
    with_photo: bool = False


APPEALS: dict[str, list[AppealStory]] = {
    "cleaning": [
        AppealStory(
            month=7,
            codes=("CL-02", "CL-01", "CL-06"),
            reason=(
                "{day}东湖片区市政供水管网抢修停水，公厕无法冲洗，当日检查不合格非我方原因。"
                "附泉州市自来水公司停水通知照片。"
            ),
            upheld=True,
            decided_by="manager2",
            decision=(
                "经向市自来水公司核实，{day}该片区确因管网抢修停水，公厕无法冲洗不属承包方责任，"
                "撤销该项扣分。"
            ),
            with_photo=True,
        ),
        AppealStory(
            month=8,
            codes=("CL-02", "CL-01", "CL-06"),
            reason=(
                "{day}前后台风过境，园内积水、落叶和漂浮物骤增，人手全部用于应急清理，属不可抗力，"
                "请求撤销扣分。"
            ),
            upheld=False,
            decided_by="manager",
            decision=(
                "检查日距台风过境已超过三天，应急清扫应在 24 小时内完成；清扫不到位属承包方责任，"
                "驳回申诉。"
            ),
        ),
    ],
    "security": [],
}

# The correction: which contract and month of the year, the amount and why.
ADJUSTMENT = (
    "cleaning",
    9,
    Decimal("2400.00"),
    "9月28日国庆节前应管理中心要求加派保洁人员 8 人·天清理湖面漂浮物，当月付款证书漏计；"
    "按合同单价 300 元/人·天补付。",
)
ADJUSTED_ON = (19, 10)  # day of the next month and hour

# When each step happens, counted from the end of the month assessed.
COMPUTED = timedelta(hours=6)  # the worker's monthly run, 06:00 on the 1st
SENT = timedelta(hours=10)
CONFIRMED = timedelta(days=2, hours=16)
APPEALED = timedelta(days=3, hours=15)
DECIDED = timedelta(days=5, hours=10)
APPROVED = timedelta(days=5, hours=16)
PAID = timedelta(days=7, hours=10)
STEPS = (COMPUTED, SENT, CONFIRMED, APPEALED, DECIDED, APPROVED, PAID)


def _month_end(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(scoring.add_months(month, 1), datetime.min.time()))


class Clock:
    """The moments of one month's steps: after the month's end, in order, never after now
    (squeezed towards the month's end when the whole story would not fit)."""

    def __init__(self, month: date, now: datetime) -> None:
        self.start = _month_end(month)
        last = self.start + max(STEPS)
        room = now - timedelta(minutes=1) - self.start
        self.scale = min(1.0, max(room, timedelta(0)) / (last - self.start))

    def at(self, offset: timedelta) -> datetime:
        return self.start + offset * self.scale


def _failed_day(line: AssessmentLine) -> str:
    """The day of the line's first failed inspection, as the provider would write it."""
    ids = [pk for kind, pk in line.records if kind == "inspection"]
    first = Inspection.objects.filter(pk__in=ids).order_by("window_start").first()
    if first is None:
        return f"{line.assessment.month:%-m月}"
    day = timezone.localdate(first.window_start)
    return f"{day.month}月{day.day}日"


def _appealed_line(assessment: Assessment, story: AppealStory) -> AssessmentLine | None:
    lines = {line.standard.code: line for line in assessment.lines.select_related("standard")}
    for code in story.codes:
        line = lines.get(code)
        if line is not None and line.points > 0:
            return line
    return None


class Month:
    """Takes one contract's month from the evidence to the certificate finance approved."""

    def __init__(self, context: dict[str, Any], key: str, contract: Contract, now: datetime):
        self.users: dict[str, User] = context["users"]
        self.key = key
        self.contract = contract
        self.now = now
        self.provider_user = self.users["cleaner" if key == "cleaning" else "guard"]

    def run(self, month: date) -> None:
        clock = Clock(month, self.now)
        manager = self.users["manager"]
        assessment = Assessment.objects.filter(contract=self.contract, month=month).first()
        if assessment is None or assessment.status == Status.DRAFT:
            assessment = compute_assessment(
                contract=self.contract, month=month, by=None, now=clock.at(COMPUTED)
            )
        if assessment.status == Status.DRAFT:
            assessment = send_assessment(assessment=assessment, by=manager, now=clock.at(SENT))
        else:
            return  # already on its way: a previous load took it from here
        stories = [s for s in APPEALS[self.key] if s.month == month.month]
        requests = []
        for story in stories:
            line = _appealed_line(assessment, story)
            if line is not None:
                requests.append((story, line, _failed_day(line)))
        if requests:
            self._appeal(assessment, requests, clock)
        else:
            confirm_assessment(
                assessment=assessment, by=self.provider_user, now=clock.at(CONFIRMED)
            )
        certificate = approve_assessment(assessment=assessment, by=manager, now=clock.at(APPROVED))
        approve_certificate(certificate=certificate, by=self.users["finance"], now=clock.at(PAID))

    def _appeal(
        self,
        assessment: Assessment,
        requests: list[tuple[AppealStory, AssessmentLine, str]],
        clock: Clock,
    ) -> None:
        made = appeal_lines(
            assessment=assessment,
            by=self.provider_user,
            appeals=[
                AppealRequest(
                    line=line,
                    reason=story.reason.format(day=day),
                    photo=(
                        photo(
                            f"appeal {assessment}",
                            put_right=False,
                            rng=random.Random(f"{assessment} appeal"),
                        ).read()
                        if story.with_photo
                        else None
                    ),
                )
                for story, line, day in requests
            ],
            now=clock.at(APPEALED),
        )
        by_line = {appeal.line_id: appeal for appeal in made}
        for n, (story, line, day) in enumerate(requests):
            decide_appeal(
                appeal=by_line[line.pk],
                by=self.users[story.decided_by],
                upheld=story.upheld,
                reason=story.decision.format(day=day),
                now=clock.at(DECIDED) + timedelta(minutes=20 * n),
            )


def _adjust(context: dict[str, Any], month: date, now: datetime) -> None:
    """The correction, made once the month it corrects is approved (and before the next one is)."""
    key, month_of_year, amount, reason = ADJUSTMENT
    contract: Contract = context["contracts"][key]
    if month.month != month_of_year or Adjustment.objects.filter(contract=contract).exists():
        return
    corrects = Assessment.objects.filter(
        contract=contract, month=month, status=Status.APPROVED
    ).first()
    if corrects is None:
        return
    day, hour = ADJUSTED_ON
    made_at = _month_end(month) + timedelta(days=day - 1, hours=hour)
    if made_at >= now:
        return
    make_adjustment(
        corrects=corrects, amount=amount, reason=reason, by=context["users"]["manager"], now=made_at
    )


def _read_settled_notifications() -> None:
    """Notifications about approved months were read when they came; the current month's
    draft has sent none."""
    links = [
        reverse("assessments:assessment_detail", args=[pk])
        for pk in Assessment.objects.filter(status=Status.APPROVED).values_list("pk", flat=True)
    ]
    if not Assessment.objects.filter(certificate__status="pending").exists():
        links.append(reverse("assessments:certificate_list"))
    Notification.objects.filter(link__in=links, read_at__isnull=True).update(read_at=timezone.now())


def seed(context: dict[str, Any]) -> None:
    """Assess every ended month of the history through the workflow, then compute the current
    month's drafts (see the module docstring)."""
    today: date = context["today"]
    now = timezone.now()
    this_month = first_of_month(today)
    contracts: dict[str, Contract] = context["contracts"]
    months = sorted({m for contract in contracts.values() for m in history_months(contract, today)})
    for month in months:
        if month > this_month:
            continue
        for key, contract in contracts.items():
            if month not in history_months(contract, today):
                continue
            if month == this_month:
                if not Assessment.objects.filter(contract=contract, month=month).exists():
                    compute_assessment(contract=contract, month=month, by=None, now=now)
                continue
            Month(context, key, contract, now).run(month)
        _adjust(context, month, now)
    transaction.on_commit(_read_settled_notifications)
