"""The demo's year of public reports (servicerequests.demo), as `seed_demo` loads it.

The whole demo is loaded once for the module, inside a transaction rolled back at the end, with
its on-commit notifications run; each test reads it in a savepoint of its own.
"""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from parkpact.contracts.models import Contract
from parkpact.core.models import Notification
from parkpact.core.services import verify_ledger
from parkpact.parks.geometry import distance_m
from parkpact.servicerequests import demo
from parkpact.servicerequests.models import RequestEvent, RequestPhoto, ServiceRequest

Status = ServiceRequest.Status


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def per_day(requests: list[ServiceRequest], days: set[date]) -> float:
    """Reports a day over these days (twins merged as duplicates count: people sent them)."""
    return sum(1 for r in requests if timezone.localdate(r.requested_at) in days) / len(days)


def test_it_loads_a_few_reports_a_day_in_donghu_for_the_year_before_today(loaded: str) -> None:
    requests = ServiceRequest.objects.all()
    days = demo.history_days(
        {
            "today": timezone.localdate(),
            "contracts": {
                "cleaning": Contract.objects.get(number="QZGY-2026-001"),
                "security": Contract.objects.get(number="QZGY-2026-002"),
            },
        }
    )
    assert 1.5 * len(days) <= requests.count() <= 3 * len(days)
    assert set(requests.values_list("park__code", flat=True)) == {"donghu"}
    assert not requests.filter(zone__isnull=True).exists()
    first = min(timezone.localdate(r) for r in requests.values_list("requested_at", flat=True))
    assert first >= days[0]
    assert not requests.filter(requested_at__gt=timezone.now()).exists()


def test_it_places_each_report_in_or_right_by_its_zone(loaded: str) -> None:
    placed = ServiceRequest.objects.filter(latitude__isnull=False).select_related("zone")
    assert placed.count() > ServiceRequest.objects.filter(latitude__isnull=True).count()
    for request in placed:
        assert request.zone is not None
        metres = distance_m(
            request.zone.boundary, float(request.longitude), float(request.latitude)
        )
        # A report at a bin or a toilet may stand a few metres outside the zone drawn round it.
        assert metres <= 8, request


def test_it_peaks_in_summer_at_the_spring_festival_and_on_weekends(loaded: str) -> None:
    requests = list(ServiceRequest.objects.all())
    reported = {timezone.localdate(r.requested_at) for r in requests}
    first, today = min(reported), timezone.localdate()
    history = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    summer = {d for d in history if d.month in (6, 7, 8)}
    winter = {d for d in history if d.month in (12, 1, 2, 3) and not demo.in_spring_festival(d)}
    if len(summer) < 60 or len(winter) < 60:
        pytest.skip("the demo's history does not hold a whole summer and winter yet")
    assert per_day(requests, summer) > 1.4 * per_day(requests, winter)

    festival = {d for d in history if demo.in_spring_festival(d)}
    if festival:
        assert per_day(requests, festival) > 1.5 * per_day(requests, winter)

    recent = timezone.localdate() - timedelta(days=demo.RECENT_DAYS)
    ordinary = [d for d in history if d < recent and not demo.in_spring_festival(d)]
    weekends = {d for d in ordinary if d.weekday() >= 5}
    weekdays = {d for d in ordinary if d.weekday() < 5 and not demo.is_holiday(d)}
    assert per_day(requests, weekends) > 1.4 * per_day(requests, weekdays)


def test_the_rates_follow_the_calendar() -> None:
    wednesday, saturday = date(2026, 7, 15), date(2026, 7, 18)
    assert demo.daily_rate(saturday) == pytest.approx(demo.daily_rate(wednesday) * 1.8)
    assert demo.is_holiday(date(2026, 10, 3)) and demo.is_holiday(date(2026, 5, 1))
    assert demo.in_spring_festival(date(2026, 2, 16)) and not demo.in_spring_festival(
        date(2026, 2, 24)
    )
    assert demo.daily_rate(date(2026, 2, 18)) > 2 * demo.daily_rate(date(2026, 2, 25))
    assert demo.daily_rate(date(2026, 7, 15)) > demo.daily_rate(date(2026, 1, 14))


def test_litter_and_bins_come_first_and_most_come_by_qr(loaded: str) -> None:
    services = Counter(ServiceRequest.objects.values_list("service__code", flat=True))
    ranked = [code for code, _count in services.most_common()]
    assert ranked[:2] == ["litter", "bin_overflow"]
    assert ranked[2] == "toilet"
    assert services["lost_person"] < services["safety"]
    channels = Counter(ServiceRequest.objects.values_list("channel", flat=True))
    assert channels["qr"] > channels["open311"] > channels["hotline"] > 0
    assert set(
        ServiceRequest.objects.filter(channel="open311").values_list("client", flat=True)
    ) == {demo.CLIENT_12345}


def test_it_routes_each_report_to_the_contract_for_its_kind(loaded: str) -> None:
    contracts = {c.service_kind: c for c in Contract.objects.filter(number__startswith="QZGY-2026")}
    for kind, contract_id, provider_id in ServiceRequest.objects.values_list(
        "service__kind", "contract_id", "provider_id"
    ).distinct():
        if kind == "centre":
            assert (contract_id, provider_id) == (None, None)
        else:
            assert contract_id == contracts[kind].pk
            assert provider_id == contracts[kind].provider_id


def test_reports_end_in_every_status_mostly_closed_and_validated(loaded: str) -> None:
    statuses = dict(ServiceRequest.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(Status.values)
    total = sum(statuses.values())
    assert statuses[Status.CLOSED] > 0.85 * total
    assert not ServiceRequest.objects.filter(
        status=Status.CLOSED, validated_at__isnull=True
    ).exists()
    assert (
        ServiceRequest.objects.filter(status=Status.DUPLICATE, duplicate_of__isnull=False).count()
        == statuses[Status.DUPLICATE]
    )
    # A rejection always says why: the reporter reads it.
    assert not RequestEvent.objects.filter(to_status=Status.REJECTED, note="").exists()
    # The open work is recent: the queues show the last days.
    recent = timezone.now() - timedelta(days=demo.RECENT_DAYS + 1)
    assert not ServiceRequest.objects.open().filter(requested_at__lt=recent).exists()
    assert not ServiceRequest.objects.filter(
        status=Status.RESOLVED, requested_at__lt=recent
    ).exists()


def test_a_few_miss_their_deadlines_and_the_sweep_recorded_it(loaded: str) -> None:
    now = timezone.now()
    late = ServiceRequest.objects.filter(resolve_breached_at__isnull=False)
    assert 0 < late.count() < 0.15 * ServiceRequest.objects.count()
    assert ServiceRequest.objects.filter(acknowledge_breached_at__isnull=False).exists()
    for request in late.filter(resolved_at__isnull=False, closed_at__isnull=False)[:50]:
        assert request.resolve_breached_at >= request.expected_at
    overdue = ServiceRequest.objects.overdue(now)
    assert overdue.exists()
    assert not overdue.filter(resolve_breached_at__isnull=True).exists()
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.BREACH).count() == (
        late.count() + ServiceRequest.objects.filter(acknowledge_breached_at__isnull=False).count()
    )


def test_reporters_rate_mostly_4_or_5_and_a_few_say_not_fixed(loaded: str) -> None:
    ratings = list(
        ServiceRequest.objects.filter(reporter_rating__isnull=False).values_list(
            "reporter_rating", flat=True
        )
    )
    assert len(ratings) > 100
    assert sum(1 for r in ratings if r >= 4) > 0.75 * len(ratings)
    reopened = RequestEvent.objects.filter(by_reporter=True, to_status=Status.IN_PROGRESS)
    assert 0 < reopened.count() < 30
    for event in reopened.select_related("request"):
        # Reopened, then put right again and validated: the story ends closed.
        assert event.request.status == Status.CLOSED
        assert event.request.reporter_says_fixed in (False, True)


def test_every_resolution_by_a_contractor_has_a_photo(loaded: str) -> None:
    resolved = RequestEvent.objects.filter(
        to_status=Status.RESOLVED, request__provider__isnull=False
    )
    photos = RequestPhoto.objects.filter(stage=RequestPhoto.Stage.RESOLUTION)
    assert photos.count() == resolved.count()
    assert RequestPhoto.objects.filter(stage=RequestPhoto.Stage.REPORT).exists()
    sample = photos.order_by("-uploaded_at").first()
    assert sample is not None and sample.display.storage.exists(sample.display.name)


def test_only_open_reports_leave_unread_notifications(loaded: str) -> None:
    unread = Notification.objects.filter(read_at__isnull=True, link__startswith="/requests/")
    assert unread.exists()
    assert unread.count() < 0.1 * Notification.objects.filter(link__startswith="/requests/").count()


def test_the_ledger_stays_intact(loaded: str) -> None:
    assert verify_ledger().intact


def test_it_adds_nothing_when_run_again(loaded: str) -> None:
    assert demo.has_data()
    before = {model._meta.label: model.objects.count() for model in apps.get_models()}
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert {model._meta.label: model.objects.count() for model in apps.get_models()} == before
