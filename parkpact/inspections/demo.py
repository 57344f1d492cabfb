"""The demo's supervision history: the twelve months before the day the demo is loaded, for
Donghu's cleaning and security contracts, replayed through the supervision services.

Each month the manager drafts and commits, before the month begins, a plan for every standard
checked by inspection (random sample, 100 % check, periodic); the drawn inspectors submit their
visits inside the windows, standing in the zone (a few just outside it, which flags the visit for
review); a failed check carries a photo and raises a rectification order, which the contractor's
staff put right with a photo and an inspector closes or reopens; the worker marks late orders
overdue and reveals each month's seed once the month is over. Past months end revealed, so
``manage.py verify_sample`` re-draws them; the current month is committed, its visits before
today submitted and the rest still to do.

The story needs its own times, and only some services take ``now=``: submitting, storing
evidence and moving an order read Django's clock. So the history is replayed step by step in
time order with ``django.utils.timezone.now`` set to each step's moment, inside ``seed`` only.
The audit ledger is not fooled: core.services stamps entries with the real time, so the ledger
shows when the demo was loaded while the records carry the times of the story.

One liberty with the draw: the field app must show the demo inspector work today and tomorrow,
which a fair draw cannot promise. For the current month's FIELD_DAY_STANDARD plan the demo
draws fresh seeds until one gives ``inspector`` visits on both days, and commits that seed.
The draw, the commitment and ``verify_sample`` are untouched (see docs/demo.md).

``seed`` is idempotent: a plan is found by contract, standard and month, and a plan that exists
is left as it is; the second inspector is found by username, the conflict by inspector and
company. What the replay of a month leaves unfinished (orders, later visits) stays as it is.
"""

import heapq
import io
import itertools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw
from shapely.geometry import Point, Polygon, shape

from parkpact.contracts.models import Contract, ContractVersion, PerformanceStandard
from parkpact.core.models import Notification, Role, User
from parkpact.core.services import create_user
from parkpact.parks.demo import METRES_PER_DEGREE_LONGITUDE
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider

from . import sampling
from .evidence import store_evidence
from .models import Finding, Inspection, InspectorConflict, RectificationOrder, SurveillancePlan
from .rectification import mark_overdue_orders, mark_rectified, reinspect
from .services import (
    commit_plan,
    create_plan,
    declare_conflict,
    eligible_inspectors,
    first_of_month,
    month_begins_at,
    next_month,
    plan_parameters,
    plannable_standards,
    reveal_plan,
    zones_in_scope,
)
from .submission import (
    FindingInput,
    Position,
    checklist_of,
    submit_inspection,
    version_on,
    visit_day,
)

Method = PerformanceStandard.Method
Status = RectificationOrder.Status

DEMO_USERNAMES = ["inspector2"]
SECOND_INSPECTOR = "inspector2"
SECOND_INSPECTOR_NAME = "蔡雅琴"
CONFLICT_REASON = "其弟在安泰保安东湖项目部任保安员，按回避规定不参与对安泰保安的检查。"
FIELD_INSPECTOR = "inspector"

MONTHS_OF_HISTORY = 12
# Zone-visits a month: modest samples, and a 100 % check visits each zone once.
SAMPLE_SIZES: dict[str, int] = {Method.RANDOM_SAMPLE: 24, Method.PERIODIC: 12}
VISITS_PER_ZONE = 1
WINDOWS: dict[str, list[list[str]]] = {
    Contract.ServiceKind.CLEANING: [["07:30", "10:00"], ["14:00", "16:30"]],
    Contract.ServiceKind.SECURITY: [["09:00", "11:30"], ["19:00", "21:00"]],
}
DEFAULT_WINDOWS = [["09:00", "11:00"], ["14:00", "16:00"]]

# When the manager plans the next month, and how soon the worker's sweeps act.
DRAFTED_ON = (20, time(15, 30))
COMMITTED_ON = (24, time(10, 0))
REVEAL_DELAY = timedelta(minutes=10)
SWEEP_DELAY = timedelta(minutes=5)

# The plan whose current-month draw must give the field inspector visits today (at least two)
# and tomorrow (at least one): security's fire-equipment check, drawn from ``inspector`` alone since
# ``inspector2`` declared a conflict with the security company.
FIELD_DAY_STANDARD = "SE-03"
FIELD_DAY_VISITS = (2, 1)
FIELD_DAY_TRIES = 5000

FAIL_RATE = 0.07
# The year's story (docs/demo.md): the cleaning company has a tidy spring and a bad summer; the
# security company's fire-equipment check finds a few faults most months but none in April, its
# bonus month. Each visit's draw is fixed (seeded by plan and visit), so these rates, chosen
# against those draws, give the same counts at every load; other months fail at FAIL_RATE.
MONTHLY_FAIL_RATES: dict[str, dict[int, float]] = {
    Contract.ServiceKind.CLEANING: {3: 0.01, 4: 0.01, 5: 0.01, 6: 0.18, 7: 0.1, 8: 0.05},
    Contract.ServiceKind.SECURITY: {
        1: 0.16,
        2: 0.1,
        3: 0.11,
        4: 0.0,
        6: 0.05,
        7: 0.15,
        8: 0.22,
        9: 0.27,
    },
}
OUTSIDE_RATE = 0.02
# How far beyond the tolerance (settings.INSPECTION_POSITION_TOLERANCE_M) such a start lies.
OUTSIDE_METRES = (30.0, 100.0)

# How the year's orders end, in turn. In the last two weeks the contractors slip: from 16 to
# 2 days ago every fifth visit fails too, and orders follow RECENT_FATES, some left unfinished,
# so that the order pages show every status, overdue ones included.
ON_TIME, LATE, REOPENED = "on_time", "late", "reopened"
IGNORED, AWAITING_REINSPECTION, REOPENED_AWAITING = "ignored", "awaiting", "reopened_awaiting"
SETTLED_FATES = [ON_TIME, ON_TIME, LATE, ON_TIME, REOPENED, ON_TIME]
RECENT_FATES = [IGNORED, REOPENED_AWAITING, AWAITING_REINSPECTION, ON_TIME, IGNORED, LATE]
RECENT = (timedelta(days=16), timedelta(days=2))
RECENT_FAIL_EVERY = 5


@dataclass(frozen=True)
class Story:
    """What an inspector writes when a standard fails, and what follows."""

    failed: str
    rectified: str
    reopened: str
    passing: tuple[int, int] | None = None  # a measured value, when the standard has one
    failing: tuple[int, int] | None = None


STORIES = {
    "CL-01": Story(
        "样方内可见垃圾 {value} 件/100 m²，以烟头、塑料袋和果皮为主。",
        "已安排保洁员重新清扫样方及周边，见整改照片。",
        "复查时步道边仍有烟头和纸屑未清理。",
        passing=(0, 2),
        failing=(3, 7),
    ),
    "CL-02": Story(
        "公厕内发现成蝇，臭味强度 2 级，小便池尿垢明显。",
        "已全面冲洗消毒并喷洒灭蝇药，加挂门帘，见整改照片。",
        "复查时仍有明显异味，地漏未清理。",
    ),
    "CL-06": Story(
        "上一期整改通知单要求清运的堆积落叶仍未清运。",
        "堆积落叶已全部清运，见整改照片。",
        "复查时林下仍有成堆落叶。",
    ),
    "SE-01": Story(
        "本区域巡更点有一轮漏扫，现场未见保安巡逻。",
        "已对当班保安员批评教育并补齐巡更，见整改照片。",
        "复查时巡更记录仍有漏扫。",
    ),
    "SE-02": Story(
        "模拟报警后保安员 {value} 分钟到场，超过 5 分钟。",
        "已调整岗位布点并组织快速到场演练，见整改照片。",
        "复查演练时到场仍超过 5 分钟。",
        passing=(2, 5),
        failing=(6, 11),
    ),
    "SE-03": Story(
        "灭火器压力表指针在红区，铅封缺失。",
        "已更换灭火器并补加铅封，见整改照片。",
        "复查时更换的灭火器未张贴检查卡。",
    ),
}
DEFAULT_STORY = Story("检查不合格，见照片。", "已整改，见整改照片。", "复查仍不合格。")
CLOSED_NOTE = "复查合格，同意关闭。"


def months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def history_months(contract: Contract, today: date) -> list[date]:
    """The months the demo plans for a contract: the twelve before today's, today's, and
    tomorrow's when today ends a month; only those in the contract's term."""
    last = first_of_month(today + timedelta(days=1))
    month = months_before(first_of_month(today), MONTHS_OF_HISTORY)
    months = []
    while month <= last:
        if first_of_month(contract.start_date) <= month <= contract.end_date:
            months.append(month)
        month = next_month(month)
    return months


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _during(moment: datetime, opens: int, closes: int) -> datetime:
    """The moment, moved to the next opening hour when it falls outside working hours."""
    local = timezone.localtime(moment)
    if local.hour < opens:
        return local.replace(hour=opens)
    if local.hour >= closes:
        return (local + timedelta(days=1)).replace(hour=opens)
    return local


def photo(label: str, *, put_right: bool, rng: random.Random) -> SimpleUploadedFile:
    """A small JPEG standing in for a phone photo: litter on the ground, or the spot cleared.
    The label goes into the JPEG comment, so no two demo photos share a SHA-256."""
    ground = (rng.randrange(70, 110), rng.randrange(120, 160), rng.randrange(60, 90))
    image = Image.new("RGB", (64, 48), ground)
    draw = ImageDraw.Draw(image)
    x, y = rng.randrange(4, 36), rng.randrange(4, 24)
    width, height = rng.randrange(12, 24), rng.randrange(8, 18)
    if put_right:
        draw.rectangle((x, y, x + width, y + height), fill=(210, 230, 210))
    else:
        colour = (rng.randrange(150, 240), rng.randrange(30, 90), rng.randrange(20, 60))
        draw.ellipse((x, y, x + width, y + height), fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, comment=f"ParkPact demo: {label}".encode())
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


@dataclass(order=True)
class _Step:
    at: datetime
    number: int
    action: Callable[[], object] = field(compare=False)


class Replay:
    """The demo's steps in time order, each run with Django's clock at its moment; a step
    after ``present`` is left out (the story stops today)."""

    def __init__(self, present: datetime) -> None:
        self.present = present
        self.moment = present
        self._steps: list[_Step] = []
        self._numbers = itertools.count()
        self._running = False

    def at(self, moment: datetime, action: Callable[[], object]) -> None:
        if self._running and moment < self.moment:
            raise ValueError(f"a step at {moment} would run after {self.moment}")
        if moment <= self.present:
            heapq.heappush(self._steps, _Step(moment, next(self._numbers), action))

    def __bool__(self) -> bool:
        return bool(self._steps)

    def now(self) -> datetime:
        return self.moment

    def run(self) -> None:
        self._running = True
        with mock.patch.object(timezone, "now", self.now):
            while self._steps:
                step = heapq.heappop(self._steps)
                self.moment = step.at
                step.action()


class Places:
    """GPS fixes an inspector's phone would report: inside a zone, or just beyond it."""

    def __init__(self) -> None:
        self._outlines: dict[int, Polygon] = {}

    def _outline(self, zone: Zone) -> Polygon:
        if zone.pk not in self._outlines:
            self._outlines[zone.pk] = shape(zone.boundary)
        return self._outlines[zone.pk]

    def inside(self, zone: Zone, rng: random.Random) -> Position:
        outline = self._outline(zone)
        west, south, east, north = outline.bounds
        point = outline.representative_point()
        for _attempt in range(200):
            candidate = Point(rng.uniform(west, east), rng.uniform(south, north))
            if outline.contains(candidate):
                point = candidate
                break
        return Position(round(point.x, 6), round(point.y, 6), round(rng.uniform(3, 12), 1))

    def outside(self, zone: Zone, rng: random.Random) -> Position:
        """East of the zone's bounds by more than the tolerance, so at least that far out."""
        _west, south, east, north = self._outline(zone).bounds
        metres = settings.INSPECTION_POSITION_TOLERANCE_M + rng.uniform(*OUTSIDE_METRES)
        longitude = east + metres / METRES_PER_DEGREE_LONGITUDE
        return Position(round(longitude, 6), round((south + north) / 2, 6), 8.0)


class History:
    """Schedules the year's plans, visits and orders on a Replay."""

    def __init__(self, context: dict[str, Any], replay: Replay) -> None:
        self.replay = replay
        self.today: date = context["today"]
        self.manager: User = context["users"]["manager"]
        self.places = Places()
        self.recent_visits = 0
        self.settled_orders = 0
        self.recent_orders = 0
        self._versions: dict[int, list[ContractVersion]] = {}
        self._checklists: dict[tuple[int, str], list[PerformanceStandard]] = {}

    # ---- Plans -------------------------------------------------------------------------------

    def plan(self, contract: Contract, standard: PerformanceStandard, month: date) -> None:
        if SurveillancePlan.objects.filter(
            contract=contract, standard=standard, month=month
        ).exists():
            return
        planned = months_before(month, 1)
        self.replay.at(
            _local(planned.replace(day=DRAFTED_ON[0]), DRAFTED_ON[1]),
            partial(self._draft, contract, standard, month),
        )

    def _draft(self, contract: Contract, standard: PerformanceStandard, month: date) -> None:
        plan = create_plan(
            contract=contract,
            standard=standard,
            month=month,
            sample_size=SAMPLE_SIZES.get(standard.method, 1),
            visits_per_zone=VISITS_PER_ZONE,
            windows=WINDOWS.get(contract.service_kind, DEFAULT_WINDOWS),
            by=self.manager,
            now=self.replay.moment,
        )
        planned = months_before(month, 1)
        self.replay.at(
            _local(planned.replace(day=COMMITTED_ON[0]), COMMITTED_ON[1]),
            partial(self._commit, plan),
        )

    def _commit(self, plan: SurveillancePlan) -> None:
        seed = self._field_day_seed(plan)
        if seed is None:
            plan = commit_plan(plan=plan, by=self.manager, now=self.replay.moment)
        else:
            with mock.patch.object(sampling, "new_seed", return_value=seed):
                plan = commit_plan(plan=plan, by=self.manager, now=self.replay.moment)
        visits = plan.inspections.select_related("zone", "inspector", "contract")
        for visit in visits.order_by("visit_index"):
            if timezone.localdate(visit.window_start) < self.today:
                self._visit(plan, visit)
        after = next_month(plan.month)
        if after <= first_of_month(self.today):
            # The worker's sweep, a few minutes into the next month (or now, if that is sooner).
            self.replay.at(
                min(month_begins_at(after) + REVEAL_DELAY, self.replay.present),
                lambda: reveal_plan(plan=plan, by=None, now=self.replay.moment),
            )

    def _field_day_seed(self, plan: SurveillancePlan) -> str | None:
        """For the current month's FIELD_DAY_STANDARD plan, a fresh seed whose draw gives
        the field inspector visits today and tomorrow; None for any other plan."""
        days = [
            (day, need)
            for day, need in zip(
                (self.today, self.today + timedelta(days=1)), FIELD_DAY_VISITS, strict=True
            )
            if first_of_month(day) == plan.month
        ]
        if plan.standard.code != FIELD_DAY_STANDARD or not days:
            return None
        zones = zones_in_scope(plan.contract, plan.standard)
        full_check = plan.standard.method == Method.FULL_CHECK
        parameters = plan_parameters(
            plan=plan,
            zones=zones,
            inspectors=eligible_inspectors(plan.contract.provider),
            visits_per_zone=plan.sample_size // len(zones) if full_check else None,
        )
        for _attempt in range(FIELD_DAY_TRIES):
            seed = sampling.new_seed()
            drawn = sampling.draw_from_parameters(seed, parameters)
            if all(
                sum(1 for v in drawn if v.inspector == FIELD_INSPECTOR and v.day == day.day) >= need
                for day, need in days
            ):
                return seed
        return None

    # ---- Visits ------------------------------------------------------------------------------

    def _visit(self, plan: SurveillancePlan, visit: Inspection) -> None:
        rng = random.Random(f"{plan}|{visit.visit_index}")
        started = visit.window_start + timedelta(minutes=rng.randint(0, 20))
        finished = started + timedelta(minutes=rng.randint(8, 30))
        self.replay.at(
            finished + timedelta(minutes=rng.randint(1, 6)),
            partial(self._submit, plan, visit, rng, started, finished),
        )

    def _checklist(self, visit: Inspection) -> list[PerformanceStandard]:
        """What the field app lists for the visit: the terms of its day, for its zone's kind."""
        if visit.contract_id not in self._versions:
            self._versions[visit.contract_id] = list(
                visit.contract.versions.filter(in_force=True).prefetch_related("standards")
            )
        terms = version_on(self._versions[visit.contract_id], visit_day(visit))
        key = (terms.pk if terms else 0, visit.zone.kind)
        if key not in self._checklists:
            self._checklists[key] = checklist_of(terms, visit.zone.kind)
        return self._checklists[key]

    def _fails(self, rng: random.Random, plan: SurveillancePlan) -> bool:
        recent = self.replay.present - RECENT[0] <= self.replay.moment
        recent = recent and self.replay.moment <= self.replay.present - RECENT[1]
        if recent:
            self.recent_visits += 1
            if self.recent_visits % RECENT_FAIL_EVERY == 0:
                return True
        rates = MONTHLY_FAIL_RATES.get(plan.contract.service_kind, {})
        return rng.random() < rates.get(plan.month.month, FAIL_RATE)

    def _submit(
        self,
        plan: SurveillancePlan,
        visit: Inspection,
        rng: random.Random,
        started: datetime,
        finished: datetime,
    ) -> None:
        failed = self._fails(rng, plan)
        story = STORIES.get(plan.standard.code, DEFAULT_STORY)
        span = story.failing if failed else story.passing
        value = Decimal(rng.randint(*span)) if span else None
        photo_id = uuid.uuid4()
        checked = FindingInput(
            uuid=uuid.uuid4(),
            standard=plan.standard.code,
            result=Finding.Result.FAIL if failed else Finding.Result.PASS,
            measured_value=value,
            note=story.failed.format(value=value) if failed else "",
            photos=(photo_id,) if failed else (),
        )
        # The field app sends the whole checklist: the other items were not what the plan
        # drew this visit for.
        items = [
            checked
            if standard.code == plan.standard.code
            else FindingInput(
                uuid=uuid.uuid4(), standard=standard.code, result=Finding.Result.NOT_INSPECTED
            )
            for standard in self._checklist(visit)
        ]
        outside = rng.random() < OUTSIDE_RATE
        submit_inspection(
            inspection=visit,
            by=visit.inspector,
            started_at=started,
            start_position=(
                self.places.outside(visit.zone, rng)
                if outside
                else self.places.inside(visit.zone, rng)
            ),
            finished_at=finished,
            finish_position=self.places.inside(visit.zone, rng),
            findings=items,
            expected_version=visit.version,
        )
        if not failed:
            return
        finding = Finding.objects.get(uuid=checked.uuid)
        store_evidence(
            upload=photo(f"{plan} visit {visit.visit_index}", put_right=False, rng=rng),
            by=visit.inspector,
            finding=finding,
            evidence_uuid=photo_id,
            taken_at=started + timedelta(minutes=3),
        )
        self._follow_up(RectificationOrder.objects.get(finding=finding), visit, story, rng)

    # ---- Orders ------------------------------------------------------------------------------

    def _fate(self) -> str:
        if self.replay.moment >= self.replay.present - RECENT[0]:
            fate = RECENT_FATES[self.recent_orders % len(RECENT_FATES)]
            self.recent_orders += 1
            return fate
        fate = SETTLED_FATES[self.settled_orders % len(SETTLED_FATES)]
        self.settled_orders += 1
        return fate

    def _follow_up(
        self, order: RectificationOrder, visit: Inspection, story: Story, rng: random.Random
    ) -> None:
        """Schedule what happens to a new order: the contractor's fix, the re-inspection(s),
        and the worker's overdue sweep just after the deadline."""
        self.replay.at(
            order.deadline + SWEEP_DELAY, lambda: mark_overdue_orders(now=self.replay.moment)
        )
        staff = (
            User.objects.filter(
                staff_membership__provider_id=order.provider_id, role=Role.PROVIDER, is_active=True
            )
            .order_by("pk")
            .first()
        )
        fate = self._fate()
        if staff is None or fate == IGNORED:
            return
        label = f"order {order.pk}"
        if fate == LATE:
            fixed = _during(order.deadline + timedelta(hours=rng.uniform(4, 20)), 7, 21)
        else:
            # Put right within the time the standard gives (2 hours for litter, 4 for toilets…).
            fixed = order.issued_at + (order.deadline - order.issued_at) * rng.uniform(0.3, 0.9)
        self.replay.at(fixed, partial(self._rectify, order, staff, story, f"{label} fix", rng))
        if fate == AWAITING_REINSPECTION:
            return
        checked = _during(fixed + timedelta(hours=rng.uniform(1, 4)), 8, 18)
        if fate in (REOPENED, REOPENED_AWAITING):
            self.replay.at(checked, partial(self._reinspect, order, visit.inspector, story, False))
            if fate == REOPENED_AWAITING:
                return
            fixed = _during(checked + timedelta(hours=rng.uniform(2, 5)), 7, 21)
            self.replay.at(
                fixed, partial(self._rectify, order, staff, story, f"{label} second fix", rng)
            )
            checked = _during(fixed + timedelta(hours=rng.uniform(1, 3)), 8, 18)
        self.replay.at(checked, partial(self._reinspect, order, visit.inspector, story, True))

    def _rectify(
        self,
        order: RectificationOrder,
        staff: User,
        story: Story,
        label: str,
        rng: random.Random,
    ) -> None:
        mark_rectified(
            order=order,
            by=staff,
            note=story.rectified,
            photo=photo(label, put_right=True, rng=rng),
        )

    def _reinspect(
        self, order: RectificationOrder, inspector: User, story: Story, passed: bool
    ) -> None:
        reinspect(
            order=order,
            by=inspector,
            passed=passed,
            note=CLOSED_NOTE if passed else story.reopened,
        )


def _second_inspector(context: dict[str, Any]) -> User:
    user = User.objects.filter(username=SECOND_INSPECTOR).first()
    if user is None:
        user = create_user(
            username=SECOND_INSPECTOR,
            password=context["password"],
            role=Role.INSPECTOR,
            by=context["users"]["admin"],
            first_name=SECOND_INSPECTOR_NAME,
        )
    context["users"][SECOND_INSPECTOR] = user
    return user


def _read_settled_notifications() -> None:
    """Notifications about orders that are closed were read long ago in the story; those
    about open orders stay unread, so the bell shows what needs doing."""
    links = [
        reverse("inspections:order_detail", kwargs={"pk": pk})
        for pk in RectificationOrder.objects.filter(status=Status.CLOSED).values_list(
            "pk", flat=True
        )
    ]
    Notification.objects.filter(link__in=links, read_at__isnull=True).update(read_at=timezone.now())


def seed(context: dict[str, Any]) -> None:
    """Add the second inspector and her conflict of interest, then replay the year's
    supervision of both Donghu contracts (see the module docstring).

    Adds ``context["users"]["inspector2"]``.
    """
    inspector2 = _second_inspector(context)
    security: Provider = context["providers"]["security"]
    replay = Replay(timezone.now())
    history = History(context, replay)
    if not InspectorConflict.objects.filter(inspector=inspector2, provider=security).exists():
        contract = context["contracts"]["security"]
        declared = _local(
            (contract.signed_on or contract.start_date) + timedelta(days=1), time(9, 30)
        )
        replay.at(
            declared,
            lambda: declare_conflict(
                inspector=inspector2,
                provider=security,
                reason=CONFLICT_REASON,
                by=context["users"]["manager"],
            ),
        )
    for key in ("cleaning", "security"):
        contract = context["contracts"][key]
        for month in history_months(contract, context["today"]):
            for standard in plannable_standards(contract, month):
                # Standards measured from records (orders closed on time, checkpoint scans,
                # response times) are not zone-visits; the demo plans the on-site checks only.
                if standard.zone_kinds:
                    history.plan(contract, standard, month)
    if replay:
        replay.at(replay.present, lambda: mark_overdue_orders(now=replay.present))
        replay.run()
        transaction.on_commit(_read_settled_notifications)
