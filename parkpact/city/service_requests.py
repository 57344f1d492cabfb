"""The city's service requests: 10,000 per park-year × scale, streamed in batches.

Each is reported in a random zone at a random moment of the city's months, routed to the park's
contract for its kind of service, and mostly acknowledged, resolved and validated by the centre
(25 % of the validated ones the contractor's fault), some past their deadlines. They are written
in the order they were made, as a live system writes them.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from random import Random
from typing import TYPE_CHECKING, Any

from parkpact.city.bulk import TableWriter, progress_bar

if TYPE_CHECKING:
    from parkpact.city.build import _Builder

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters: 5 bits each
DAY = 24 * 3600
SPREAD = 0x2545F491  # odd, so index × SPREAD is a permutation modulo 2³⁰


def tracking_code(index: int, salt: str) -> str:
    """Ten characters, unique per index (below 2³⁰) without remembering the ones given: four
    random ones, then the index scrambled by an odd multiplier modulo 2³⁰ in base 32."""
    number = (index * SPREAD) % (1 << 30)
    tail = "".join(ALPHABET[(number >> shift) & 31] for shift in range(25, -1, -5))
    return salt + tail


def write_service_requests(builder: "_Builder") -> None:
    from parkpact.servicerequests.models import Service, ServiceRequest

    rng = builder.rng
    services = list(Service.objects.filter(active=True).order_by("code"))
    total = builder.p.service_requests
    bar = progress_bar(total=total, label="service requests", progress=builder.progress)
    moments = _moments(rng, builder.start, builder.end, total)
    with bar, TableWriter(ServiceRequest, now=builder.end) as writer:
        for index, asked in enumerate(moments):
            park = rng.choice(builder.parks)
            zone = rng.choice(park.zones)
            service = rng.choice(services)
            contract = {"cleaning": park.cleaning, "security": park.security}.get(service.kind)
            row: dict[str, Any] = {
                "service_id": service.pk,
                "channel": rng.choice(("qr", "open311", "hotline")),
                "tracking_code": tracking_code(index, builder._token(4)),
                "description": "Reported in the city benchmark",
                "longitude": Decimal(str(round(zone.west + 0.0005, 6))),
                "latitude": Decimal(str(round(zone.south + 0.0005, 6))),
                "park_id": park.pk,
                "zone_id": zone.pk,
                "contract_id": contract.pk if contract is not None else None,
                "provider_id": contract.provider_id if contract is not None else None,
                "requested_at": asked,
                "acknowledge_by": asked + timedelta(hours=service.acknowledge_hours),
                "expected_at": asked + timedelta(hours=service.resolve_hours),
                "updated_at": asked,
            }
            _outcome(builder, row, service)
            writer.add(row)
            if index % 1000 == 999:
                bar.update(1000)
        bar.update(total % 1000)


def _moments(rng: Random, start: datetime, end: datetime, total: int) -> Iterator[datetime]:
    """``total`` whole-second moments spread evenly over the days from start to end, random
    within each day, in order: the requests are written in the order they were made, as a live
    system writes them, so a window of days sits in few pages of the table (and ids grow with
    time)."""
    span = int((end - start).total_seconds())
    days = -(-span // DAY)
    for day in range(days):
        count = (day + 1) * total // days - day * total // days
        first = day * DAY
        length = min(DAY, span - first)
        for second in sorted(rng.randrange(length) for _ in range(count)):
            yield start + timedelta(seconds=first + second)


def _outcome(builder: "_Builder", row: dict[str, Any], service: Any) -> None:
    rng = builder.rng
    asked = row["requested_at"]
    roll = rng.random()
    if roll < 0.05:
        row["status"] = "rejected"
        row["updated_at"] = asked + timedelta(minutes=rng.randrange(5, 120))
        return
    if roll < 0.08:
        row["status"] = "duplicate"
        row["updated_at"] = asked + timedelta(minutes=rng.randrange(5, 120))
        return
    ack_seconds = max(60, service.acknowledge_hours * 3600)
    acknowledged = asked + timedelta(seconds=int(ack_seconds * rng.uniform(0.05, 1.15)))
    row["acknowledged_at"] = acknowledged
    if acknowledged > row["acknowledge_by"]:
        row["acknowledge_breached_at"] = row["acknowledge_by"] + timedelta(seconds=30)
    resolve_seconds = max(ack_seconds, service.resolve_hours * 3600)
    resolved = acknowledged + timedelta(seconds=int(resolve_seconds * rng.uniform(0.1, 1.2)))
    if resolved > row["expected_at"]:
        row["resolve_breached_at"] = row["expected_at"] + timedelta(seconds=30)
    row["resolved_at"] = resolved
    row["status"] = "resolved"
    row["updated_at"] = resolved
    if rng.random() < 0.85:
        validated = resolved + timedelta(seconds=rng.randrange(600, 48 * 3600))
        row["validated_at"] = row["closed_at"] = row["updated_at"] = validated
        row["status"] = "closed"
        row["contractor_at_fault"] = row["contract_id"] is not None and rng.random() < 0.25
