"""The demo's public channel: a year of reports from Donghu Park's visitors, replayed through the
service-request services up to the day the demo is loaded.

Visitors report mostly by scanning a zone's QR poster, some through the city's 12345 hotline
(an Open311 client) and a few by calling the park office. There are a few reports a day, more in
summer (June–August), twice as many on weekends and public holidays, and most in the Spring
Festival week. Litter and full bins come first, then toilets, then security matters; lost persons
are rare. Each report stands at a point inside a zone that suits it (a bin or a toilet at the
facility itself), so it is routed to the Donghu cleaning or security contract, or to the centre's
own queue for broken facilities and "other".

Most reports are acknowledged and resolved in time by the contractor's staff (a photo each time),
validated by an inspector, and some rated by the reporter, mostly 4 or 5; a few miss a deadline
and the worker's sweep records the breach; some are rejected with a reason, some merged into an
earlier report of the same problem, and a few are reopened by a reporter who says "not fixed".
Reports of the last three days stop at various steps, so the queues have work, some of it overdue.

The story is drawn from a fixed random seed per day, so a day's reports are the same at every
load. Like inspections.demo it replays the steps in time order with Django's clock set to each
step's moment (its Replay); the audit ledger still records the real time of the load.

``seed`` is idempotent: if Donghu Park already has a report, it adds nothing.
"""

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from parkpact.core.models import Notification, Role, User
from parkpact.inspections.demo import Places, Replay, photo
from parkpact.parks.geometry import degrees_for
from parkpact.parks.models import Facility, Park, Zone

from . import services
from .models import Service, ServiceRequest

Status = ServiceRequest.Status
Channel = ServiceRequest.Channel
T = TypeVar("T")

SEED = "donghu-public-reports"
CLIENT_12345 = "12345 市民热线"

# Reports a day before the season, weekend and holiday factors (about 2 a day over a year:
# each report's story costs the load some 20 ms, and the demo should load in seconds).
BASE_RATE = 1.3
MONTH_FACTOR = {
    1: 0.75,
    2: 0.85,
    3: 0.9,
    4: 1.0,
    5: 1.1,
    6: 1.5,
    7: 1.75,
    8: 1.65,
    9: 1.1,
    10: 1.15,
    11: 0.9,
    12: 0.8,
}
HOLIDAY_FACTOR = 1.8  # weekends and public holidays
SPRING_FESTIVAL_FACTOR = 2.6  # the eve to the sixth day, on top of the month
# 春节 (the first day of the lunar year), and the holidays that move with the lunar calendar.
SPRING_FESTIVAL = {
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
}
LUNAR_HOLIDAYS = {
    2025: [(date(2025, 5, 31), 3)],
    2026: [(date(2026, 6, 19), 3), (date(2026, 9, 25), 3)],
    2027: [(date(2027, 6, 9), 3), (date(2027, 9, 15), 3)],
    2028: [(date(2028, 5, 28), 3), (date(2028, 10, 3), 1)],
}
# New Year, Qingming, Labour Day, National Day: (month, first day, days).
FIXED_HOLIDAYS = [(1, 1, 1), (4, 4, 3), (5, 1, 5), (10, 1, 7)]

# What visitors report, and how often (out of 100).
SERVICE_WEIGHTS = {
    "litter": 34,
    "bin_overflow": 22,
    "toilet": 16,
    "noise_disorder": 8,
    "safety": 7,
    "broken_facility": 7,
    "other": 4,
    "lost_person": 2,
}
# Where each kind of problem is found.
ZONE_KINDS: dict[str, set[str]] = {
    "litter": {"path", "lawn", "plaza", "lakeshore", "woodland", "water", "playground", "parking"},
    "bin_overflow": {"path", "plaza", "playground", "parking"},
    "toilet": {"toilet"},
    "noise_disorder": {"plaza", "lawn", "parking", "path"},
    "safety": {"lakeshore", "water", "playground", "woodland", "parking", "path"},
    "broken_facility": {"path", "plaza", "playground", "lawn", "lakeshore"},
    "other": {"path", "plaza", "lawn", "lakeshore", "playground", "parking"},
    "lost_person": {"plaza", "playground", "path", "lakeshore"},
}
# Reported at the facility itself.
AT_FACILITY = {"bin_overflow": "bin", "toilet": "toilet"}
CHANNEL_WEIGHTS = {Channel.QR: 70, Channel.OPEN311: 20, Channel.HOTLINE: 10}
# When visitors report: morning exercise, afternoon walks, evening square dancing.
HOUR_WEIGHTS = {
    6: 3,
    7: 8,
    8: 9,
    9: 8,
    10: 7,
    11: 5,
    12: 4,
    13: 4,
    14: 5,
    15: 6,
    16: 7,
    17: 7,
    18: 6,
    19: 8,
    20: 7,
    21: 3,
}

REJECT_RATE = 0.04
DUPLICATE_RATE = 0.05
LATE_ACKNOWLEDGEMENT_RATE = 0.03
LATE_RESOLUTION_RATE = 0.05
START_WORK_RATE = 0.3
FEEDBACK_RATE = 0.45
NOT_FIXED_RATE = 0.06  # of the reporters who answer
RATINGS = {5: 55, 4: 30, 3: 10, 2: 3, 1: 2}
# Reports of the QR form in the last month carry a photo half the time.
PHOTO_DAYS = 30
PHOTO_RATE = 0.5
# Reports of the last three days (at least five a day) stop at one of these steps in turn
# (None: they run their course), so that the queues have work.
RECENT_DAYS = 3
RECENT_MINIMUM = 5
STOPS: list[str | None] = [
    Status.SUBMITTED,
    Status.ACKNOWLEDGED,
    None,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    None,
    Status.RESOLVED,
    Status.ACKNOWLEDGED,
]
SWEEP_DELAY = timedelta(minutes=5)

DESCRIPTIONS: dict[str, list[str]] = {
    "litter": [
        "步道边有很多烟头和纸屑。",
        "草坪上有人野餐后留下一堆塑料袋和饭盒。",
        "湖面漂着塑料瓶和泡沫。",
        "亲水平台边有果皮和瓜子壳。",
        "树林里有一袋生活垃圾被扔在路边。",
        "广场上跳完舞后地上很多矿泉水瓶。",
        "停车场角落堆了不少垃圾。",
        "滑梯下面有零食包装袋。",
        "落叶堆在步道上好几天没扫了。",
        "石凳旁边有吐的口香糖和痰迹。",
    ],
    "bin_overflow": [
        "垃圾桶满了，垃圾掉到地上。",
        "这个垃圾桶溢出来了，味道很大。",
        "大门口的垃圾桶早上就满了，没人清。",
        "垃圾桶旁边堆了好几袋垃圾。",
        "分类垃圾桶的其他垃圾桶已经塞满。",
        "垃圾桶满了，苍蝇很多。",
    ],
    "toilet": [
        "厕所很臭，地面湿滑。",
        "女厕没有纸巾了。",
        "洗手液用完了，没人补。",
        "男厕小便池堵了。",
        "厕所里苍蝇很多，很久没打扫的样子。",
        "蹲位有一个堵了，水漫出来。",
        "厕所门口地面很脏，有泥脚印。",
    ],
    "noise_disorder": [
        "晚上广场舞音响声音太大，影响周边居民休息。",
        "有人在草坪上摆摊卖玩具，占了步道。",
        "停车场有车乱停，堵住了出口。",
        "几个人在凉亭里大声争吵。",
        "有人在湖边用音箱外放唱歌，声音很大。",
        "有商贩在门口拉客卖气球。",
    ],
    "safety": [
        "湖边护栏有一段松动了，小孩靠上去很危险。",
        "有人在湖里游泳，旁边有禁止游泳的牌子。",
        "消防通道被电动车堵住了。",
        "游乐场有个秋千链条快断了。",
        "树林里有一根断枝挂在树上，随时可能掉下来。",
        "有人在湖边钓鱼，甩竿差点打到路人。",
        "步道上有个井盖没盖好。",
    ],
    "broken_facility": [
        "湖边的长椅有一块木板断了。",
        "路灯晚上不亮，步道很黑。",
        "指示牌被风吹倒了。",
        "凉亭的一块地砖翘起来了，容易绊倒。",
        "健身器材的把手松了。",
        "饮水机坏了，不出水。",
    ],
    "other": [
        "建议在儿童游乐场附近增加几张座椅。",
        "希望公园能增加一些遮阳的地方。",
        "有流浪狗在公园里游荡，有点怕。",
        "公园导览图上的厕所位置和实际不一样。",
        "建议晚上延长湖边灯光的开放时间。",
    ],
    "lost_person": [
        "在这里看到一个小孩在哭，找不到家长。",
        "有位老人说找不到回家的路，记不清住址。",
        "我家孩子在这附近走丢了，请帮忙广播寻找。",
    ],
}
LOST_PERSONS = [
    "约5岁男孩，穿红色T恤、蓝色短裤，背小黄鸭书包。",
    "约70岁老人，白发，穿灰色外套，说闽南话。",
    "约7岁女孩，扎马尾，穿粉色连衣裙。",
    "约4岁男孩，穿恐龙图案上衣，黑色运动鞋。",
]
FACILITIES_NAMED = ["湖边第三张座椅", "南大门路灯", "文化广场指示牌", "樟树林凉亭", "游乐场饮水机"]
RESOLUTION_NOTES: dict[str, list[str]] = {
    "litter": ["已清扫干净，见照片。", "保洁员已到场清理。", "已清理，并加强该区域巡回保洁。"],
    "bin_overflow": [
        "已清运，垃圾桶已套新袋。",
        "已清空并冲洗垃圾桶。",
        "已清运，增加该点清运频次。",
    ],
    "toilet": ["已冲洗消毒并补充纸巾洗手液。", "已疏通并清洁。", "已全面保洁，加强巡查。"],
    "noise_disorder": [
        "保安已到场劝导，音量已调低。",
        "已劝离流动商贩。",
        "已联系车主挪车。",
        "已到场调解，双方离开。",
    ],
    "safety": [
        "已设置警示带并安排维修。",
        "保安已到场劝离，加强巡逻。",
        "已清理通道。",
        "已围挡隔离，等待专业维修。",
    ],
    "lost_person": ["已找到家属，当面交接。", "已联系社区和家属，老人已被接回。"],
    "broken_facility": ["已报修，维修班组已更换部件。", "已修复。"],
    "other": ["感谢建议，已转相关科室研究。", "已联系城管部门处理。"],
}
VALIDATION_NOTES = ["", "", "现场核实已处理完毕。", "监控回看确认已处理。"]
REJECT_NOTES: dict[str, list[str]] = {
    "litter": ["现场核实未发现所述情况。"],
    "noise_disorder": ["经核实为经备案的文艺演出，时间在 21:00 前。", "现场核实未发现所述情况。"],
    "safety": ["经核实为正常施工作业，已设置围挡和公示。"],
    "other": ["不属于公园管理范围，已告知向属地街道反映。", "内容与公园无关。"],
}
COMMENTS = {
    5: ["处理很快，点赞！", "谢谢，很及时。", "", ""],
    4: ["已处理，谢谢。", "", ""],
    3: ["处理了，但等得有点久。", ""],
    2: ["过了很久才处理。"],
    1: ["处理态度敷衍。"],
}
NOT_FIXED_COMMENTS = [
    "还是很脏，没有处理干净。",
    "垃圾桶又满了。",
    "厕所仍有异味。",
    "过去看了，问题还在。",
]
CONTACT_NAMES = ["陈女士", "林先生", "黄阿姨", "王先生", "张同学", "李女士", "吴先生", "蔡女士"]


def has_data() -> bool:
    """Whether any report is recorded: `seed_demo --if-empty` then leaves the database alone."""
    return ServiceRequest.objects.exists()


def _pick(rng: random.Random, weights: dict[T, int] | dict[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _poisson(rng: random.Random, mean: float) -> int:
    """How many reports a day brings, for a mean (Knuth's method: the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def is_holiday(day: date) -> bool:
    """A public holiday (roughly: days moved for make-up working days are ignored)."""
    for month, first, days in FIXED_HOLIDAYS:
        start = date(day.year, month, first)
        if start <= day < start + timedelta(days=days):
            return True
    return any(
        start <= day < start + timedelta(days=days)
        for start, days in LUNAR_HOLIDAYS.get(day.year, [])
    )


def in_spring_festival(day: date) -> bool:
    """From New Year's Eve to the sixth day of the lunar year."""
    first = SPRING_FESTIVAL.get(day.year)
    return first is not None and first - timedelta(days=1) <= day <= first + timedelta(days=6)


def daily_rate(day: date) -> float:
    """The expected number of reports on a day."""
    rate = BASE_RATE * MONTH_FACTOR[day.month]
    if in_spring_festival(day):
        return rate * SPRING_FESTIVAL_FACTOR
    if day.weekday() >= 5 or is_holiday(day):
        return rate * HOLIDAY_FACTOR
    return rate


def _at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _during(moment: datetime, opens: int, closes: int) -> datetime:
    """The moment, or the next opening hour if it falls outside working hours."""
    local = timezone.localtime(moment)
    if local.hour < opens:
        return local.replace(hour=opens, minute=local.minute % 30)
    if local.hour >= closes:
        return (local + timedelta(days=1)).replace(hour=opens, minute=local.minute % 30)
    return local


@dataclass
class Report:
    """One visitor's report as the story plans it, and the request once it is submitted."""

    rng: random.Random
    service: Service
    zone: Zone
    channel: str
    at: datetime
    point: tuple[Decimal, Decimal] | None
    stop: str | None = None
    reject: bool = False
    duplicate_of: "Report | None" = None
    request: ServiceRequest | None = None

    @property
    def label(self) -> str:
        return f"{self.service.code} {self.at:%Y%m%d%H%M} {self.zone.code} {self.rng.random():.6f}"


class Reports:
    """Schedules the year's reports, and everything that happens to them, on a Replay."""

    def __init__(self, context: dict[str, Any], replay: Replay) -> None:
        self.replay = replay
        self.today: date = context["today"]
        users: dict[str, User] = context["users"]
        self.manager = users["manager"]
        self.inspectors = [users[name] for name in ("inspector", "inspector2") if name in users]
        self.park: Park = context["parks"]["donghu"]
        zones = [zone for zone in context["zones"].values() if zone.park_id == self.park.pk]
        self.zones = {
            code: [zone for zone in zones if zone.kind in kinds]
            for code, kinds in ZONE_KINDS.items()
        }
        self.facilities: dict[str, list[Facility]] = {}
        for facility in context["facilities"].values():
            if facility.zone.park_id == self.park.pk:
                self.facilities.setdefault(facility.kind, []).append(facility)
        self.services = {service.code: service for service in Service.objects.filter(active=True)}
        self.places = Places()
        self.recent_from = self.today - timedelta(days=RECENT_DAYS)
        self.recent = 0
        self._staff: dict[int, User | None] = {}

    # ---- Planning a day ------------------------------------------------------------------------

    def plan_day(self, day: date) -> None:
        rng = random.Random(f"{SEED}|{day.isoformat()}")
        count = _poisson(rng, daily_rate(day))
        if day >= self.recent_from:
            count = max(count, RECENT_MINIMUM)
        moments = sorted(
            _at(day, _pick(rng, HOUR_WEIGHTS), rng.randrange(60)) for _ in range(count)
        )
        for index, moment in enumerate(moments):
            report = self._report(random.Random(f"{SEED}|{day.isoformat()}|{index}"), moment)
            if report is not None:
                self.replay.at(moment, partial(self._submit, report))

    def _report(self, rng: random.Random, moment: datetime) -> Report | None:
        code = _pick(rng, SERVICE_WEIGHTS)
        service = self.services.get(code)
        if service is None or not self.zones[code]:
            return None
        channel = _pick(rng, CHANNEL_WEIGHTS)
        zone, point = self._where(code, rng)
        report = Report(
            rng=rng,
            service=service,
            zone=zone,
            channel=channel,
            at=moment,
            point=None if channel == Channel.HOTLINE else point,
        )
        if timezone.localdate(moment) >= self.recent_from:
            report.stop = STOPS[self.recent % len(STOPS)]
            self.recent += 1
        elif code in REJECT_NOTES and rng.random() < REJECT_RATE:
            report.reject = True
        elif rng.random() < DUPLICATE_RATE:
            twin_at = moment + timedelta(minutes=rng.randint(10, 45))
            twin = Report(
                rng=random.Random(f"{SEED}|{moment.isoformat()}|twin"),
                service=service,
                zone=zone,
                channel=Channel.QR,
                at=twin_at,
                point=self._near(point, rng),
                duplicate_of=report,
            )
            self.replay.at(twin_at, partial(self._submit, twin))
        return report

    def _where(self, code: str, rng: random.Random) -> tuple[Zone, tuple[Decimal, Decimal]]:
        kind = AT_FACILITY.get(code)
        if kind and self.facilities.get(kind):
            facility = rng.choice(self.facilities[kind])
            point = (facility.latitude, facility.longitude)
            return facility.zone, self._near(point, rng, metres=4.0)
        zone = rng.choice(self.zones[code])
        position = self.places.inside(zone, rng)
        return zone, _position(position.latitude, position.longitude)

    def _near(
        self, point: tuple[Decimal, Decimal], rng: random.Random, metres: float = 12.0
    ) -> tuple[Decimal, Decimal]:
        latitude, longitude = float(point[0]), float(point[1])
        d_lon, d_lat = degrees_for(metres, latitude)
        return _position(
            latitude + rng.uniform(-d_lat, d_lat), longitude + rng.uniform(-d_lon, d_lon)
        )

    # ---- Steps ---------------------------------------------------------------------------------

    def _later(self, moment: datetime, action: Callable[[], object]) -> None:
        """Schedule a step, never before the one running (a working-hours shift can't go back)."""
        self.replay.at(max(moment, self.replay.moment + timedelta(minutes=1)), action)

    def _submit(self, report: Report) -> None:
        rng, service = report.rng, report.service
        recent = timezone.localdate(report.at) >= self.today - timedelta(days=PHOTO_DAYS)
        with_photo = report.channel == Channel.QR and recent and rng.random() < PHOTO_RATE
        # Where the QR form or 12345 would place it: the story already knows the zone (a point
        # at a facility may lie a step outside it; the poster's zone wins, as in the QR form).
        latitude, longitude = report.point or (None, None)
        place = services.Place(latitude, longitude, report.zone, self.park.pk)
        report.request = services.submit_request(
            service=service,
            place=place,
            description=rng.choice(DESCRIPTIONS[service.code]),
            attributes=_answers(service.code, rng),
            contact=_contact(report),
            address_string=f"{self.park.name} {report.zone.name}"
            if report.channel != Channel.QR
            else "",
            photo=photo(report.label, put_right=False, rng=rng) if with_photo else None,
            channel=report.channel,
            client=CLIENT_12345 if report.channel == Channel.OPEN311 else "",
            by=self.manager if report.channel == Channel.HOTLINE else None,
        )
        request = report.request
        if report.duplicate_of is not None:
            merged = report.at + timedelta(minutes=rng.randint(15, 90))
            self._later(_during(merged, 8, 18), partial(self._merge, report))
            return
        if report.stop == Status.SUBMITTED:
            self._sweep_after(request.acknowledge_by)
            return
        if report.reject:
            rejected = report.at + timedelta(minutes=rng.randint(20, 120))
            self._later(_during(rejected, 8, 18), partial(self._reject, report))
            return
        if request.provider_id is None:  # the centre's own queue, in office hours
            acknowledged = _during(report.at + timedelta(hours=rng.uniform(0.3, 5)), 8, 18)
        elif rng.random() < LATE_ACKNOWLEDGEMENT_RATE:
            acknowledged = request.acknowledge_by + timedelta(minutes=rng.randint(10, 90))
            self._sweep_after(request.acknowledge_by)
        else:
            window = (request.acknowledge_by - report.at).total_seconds() / 60
            acknowledged = report.at + timedelta(minutes=rng.uniform(4, 0.7 * window))
        self._later(acknowledged, partial(self._acknowledge, report))

    def _answerer(self, request: ServiceRequest) -> User:
        """The provider's first staff account, or an inspector for the centre's queue."""
        if request.provider_id is None:
            return self.inspectors[request.pk % len(self.inspectors)]
        if request.provider_id not in self._staff:
            self._staff[request.provider_id] = (
                User.objects.filter(
                    staff_membership__provider_id=request.provider_id,
                    role=Role.PROVIDER,
                    is_active=True,
                )
                .order_by("pk")
                .first()
            )
        return self._staff[request.provider_id] or self.manager

    def _acknowledge(self, report: Report) -> None:
        assert report.request is not None
        rng = report.rng
        request = services.acknowledge(request=report.request, by=self._answerer(report.request))
        report.request = request
        if report.stop == Status.ACKNOWLEDGED:
            self._sweep_after(request.expected_at)
            return
        moment = self.replay.moment
        if report.stop == Status.IN_PROGRESS or rng.random() < START_WORK_RATE:
            self._later(
                moment + timedelta(minutes=rng.randint(3, 15)), partial(self._start, report)
            )
            moment += timedelta(minutes=20)
        self._schedule_resolution(report, moment)

    def _schedule_resolution(self, report: Report, after: datetime) -> None:
        assert report.request is not None
        request, rng = report.request, report.rng
        if report.stop == Status.IN_PROGRESS:
            self._sweep_after(request.expected_at)
            return
        if request.provider_id is None:
            hours = rng.uniform(2, 0.6 * report.service.resolve_hours)
            resolved = _during(after + timedelta(hours=hours), 8, 18)
        elif rng.random() < LATE_RESOLUTION_RATE:
            resolved = request.expected_at + timedelta(minutes=rng.randint(15, 150))
        else:
            left = (request.expected_at - after).total_seconds() / 60
            resolved = after + timedelta(minutes=rng.uniform(10, max(12.0, 0.85 * left)))
        if resolved > request.expected_at:
            self._sweep_after(request.expected_at)
        self._later(resolved, partial(self._resolve, report))

    def _start(self, report: Report) -> None:
        assert report.request is not None
        report.request = services.start_work(
            request=report.request, by=self._answerer(report.request)
        )

    def _resolve(self, report: Report) -> None:
        assert report.request is not None
        rng, request = report.rng, report.request
        by = self._answerer(request)
        evidence = (
            photo(f"{report.label} fix", put_right=True, rng=rng)
            if request.provider_id is not None
            else None
        )
        report.request = services.resolve(
            request=request,
            by=by,
            note=rng.choice(RESOLUTION_NOTES[report.service.code]),
            photo=evidence,
        )
        if report.stop == Status.RESOLVED:
            return
        validated = _during(self.replay.moment + timedelta(hours=rng.uniform(0.5, 6)), 8, 18)
        self._later(validated, partial(self._validate, report))

    def _validator(self, request: ServiceRequest) -> User:
        if request.provider_id is None:
            return self.manager
        return self.inspectors[(request.pk + 1) % len(self.inspectors)]

    def _validate(self, report: Report) -> None:
        assert report.request is not None
        rng = report.rng
        report.request = services.validate_resolution(
            request=report.request,
            by=self._validator(report.request),
            note=rng.choice(VALIDATION_NOTES),
            # About one validated report in eight was the contractor's neglect (drawn from
            # the id, not the generator, so the rest of the year's draws stay as they were).
            contractor_at_fault=report.request.pk % 8 == 3,
        )
        if report.stop is None and rng.random() < FEEDBACK_RATE:
            answered = self.replay.moment + timedelta(hours=rng.uniform(0.5, 30))
            self._later(answered, partial(self._feedback, report))

    def _feedback(self, report: Report) -> None:
        assert report.request is not None
        rng = report.rng
        if report.request.reporter_says_fixed is None and rng.random() < NOT_FIXED_RATE:
            report.request = services.reporter_feedback(
                request=report.request, fixed=False, comment=rng.choice(NOT_FIXED_COMMENTS)
            )
            fixed_again = self.replay.moment + timedelta(minutes=rng.randint(40, 150))
            self._later(_during(fixed_again, 7, 21), partial(self._resolve, report))
            # Past its deadline and open again: the worker's next sweep records the miss.
            self._sweep_after(report.request.expected_at)
            return
        rating = _pick(rng, RATINGS)
        if report.request.reporter_says_fixed is False:
            rating = min(rating, 4)
        report.request = services.reporter_feedback(
            request=report.request, fixed=True, rating=rating, comment=rng.choice(COMMENTS[rating])
        )

    def _reject(self, report: Report) -> None:
        assert report.request is not None
        report.request = services.reject(
            request=report.request,
            by=self.inspectors[0],
            note=report.rng.choice(REJECT_NOTES[report.service.code]),
        )

    def _merge(self, report: Report) -> None:
        assert report.request is not None and report.duplicate_of is not None
        original = report.duplicate_of.request
        if original is None:
            return
        report.request = services.merge_duplicate(
            request=report.request, into=original, by=self.inspectors[-1]
        )

    def _sweep_after(self, deadline: datetime) -> None:
        """The worker's SLA sweep, a few minutes after a deadline the story misses."""
        moment = max(deadline + SWEEP_DELAY, self.replay.moment)
        self.replay.at(
            min(moment, self.replay.present),
            lambda: services.mark_sla_breaches(now=self.replay.moment),
        )


def _position(latitude: float | Decimal, longitude: float | Decimal) -> tuple[Decimal, Decimal]:
    quantum = Decimal("0.000001")
    return Decimal(str(latitude)).quantize(quantum), Decimal(str(longitude)).quantize(quantum)


def _answers(code: str, rng: random.Random) -> dict[str, list[str]]:
    """The answers a visitor gives to the service's questions."""
    if code == "litter":
        return (
            {"amount": [rng.choice(["few", "few", "pile", "area"])]} if rng.random() < 0.7 else {}
        )
    if code == "toilet":
        return {
            "problem": rng.sample(["dirty", "smell", "paper", "soap", "blocked"], rng.randint(1, 2))
        }
    if code == "lost_person":
        return {"description": [rng.choice(LOST_PERSONS)]}
    if code == "broken_facility" and rng.random() < 0.6:
        return {"facility": [rng.choice(FACILITIES_NAMED)]}
    return {}


def _contact(report: Report) -> services.Contact:
    """Who reported: most QR reporters give nothing, 12345 passes its case number on, a caller
    gives a name (no phone numbers in the demo: they could be somebody's)."""
    rng = report.rng
    if report.channel == Channel.OPEN311:
        case = f"QZ12345-{report.at:%Y%m%d}{rng.randrange(10000):04d}"
        return services.Contact(name=rng.choice(CONTACT_NAMES), account_id=case)
    if report.channel == Channel.HOTLINE:
        return services.Contact(name=rng.choice(CONTACT_NAMES))
    if rng.random() < 0.2:
        return services.Contact(
            name=rng.choice(CONTACT_NAMES), email=f"visitor{rng.randrange(1000)}@example.com"
        )
    return services.Contact()


def history_days(context: dict[str, Any]) -> Sequence[date]:
    """The year before today (today included), from the day both Donghu contracts run."""
    today: date = context["today"]
    contracts = [context["contracts"][key] for key in ("cleaning", "security")]
    first = max([today - timedelta(days=364), *(contract.start_date for contract in contracts)])
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def _read_settled_notifications() -> None:
    """Notifications about reports settled long ago were read then; those about open reports
    (or resolutions awaiting validation) stay unread, so the bell shows what needs doing."""
    settled = ServiceRequest.objects.exclude(
        status__in=[*ServiceRequest.OPEN_STATUSES, Status.RESOLVED]
    )
    links = [
        reverse("servicerequests:request_detail", kwargs={"pk": pk})
        for pk in settled.values_list("pk", flat=True)
    ]
    Notification.objects.filter(link__in=links, read_at__isnull=True).update(read_at=timezone.now())


def seed(context: dict[str, Any]) -> None:
    """Replay a year of Donghu's public reports (see the module docstring)."""
    park: Park = context["parks"]["donghu"]
    if ServiceRequest.objects.filter(park=park).exists():
        return
    replay = Replay(timezone.now())
    reports = Reports(context, replay)
    for day in history_days(context):
        reports.plan_day(day)
    if replay:
        # The worker's sweep as the demo is loaded: what is overdue now is recorded as missed.
        replay.at(replay.present, lambda: services.mark_sla_breaches(now=replay.present))
        replay.run()
        transaction.on_commit(_read_settled_notifications)
