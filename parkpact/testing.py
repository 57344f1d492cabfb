"""Small factories for tests: real objects made through the services, with sensible defaults."""

import io
import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from PIL import Image

from parkpact.contracts import services as contract_services
from parkpact.contracts.models import Clause, Contract, PayBand, PerformanceStandard
from parkpact.core.models import Role, User
from parkpact.core.services import create_user
from parkpact.parks.models import Park, Zone
from parkpact.parks.services import create_park, create_zone
from parkpact.providers.credit_code import complete
from parkpact.providers.models import Provider
from parkpact.providers.services import add_staff_member, create_provider

PASSWORD = "a-long-test-password-42"  # noqa: S105 (test accounts only)
_counter = itertools.count(1)

# Donghu Park lies at about 118.60 E, 24.93 N.
ORIGIN = (118.600, 24.930)


def square(x: float = 0, y: float = 0, size: float = 0.001) -> dict[str, Any]:
    """A square GeoJSON polygon near Donghu Park; ``size`` degrees on a side (0.001 ≈ 100 m)."""
    lon, lat = ORIGIN[0] + x * size, ORIGIN[1] + y * size
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_user(role: Role, username: str | None = None) -> User:
    return create_user(
        username=username or f"{role}{next(_counter)}", password=PASSWORD, role=role, by=None
    )


def make_park(name: str = "Test Park") -> Park:
    n = next(_counter)
    return create_park(code=f"park-{n}", name=f"{name} {n}", by=None)


def make_zone(park: Park, *, x: float = 0, kind: str = Zone.Kind.LAWN) -> Zone:
    n = next(_counter)
    return create_zone(
        park=park, code=f"Z{n:03}", name=f"Zone {n}", kind=kind, boundary=square(x=x), by=None
    )


def make_provider(name: str = "Company") -> Provider:
    n = next(_counter)
    return create_provider(name=f"{name} {n}", credit_code=complete(f"9135050{n:09}"[:16]), by=None)


def make_provider_user(provider: Provider) -> User:
    return add_staff_member(
        provider=provider, username=f"staff{next(_counter)}", password=PASSWORD, by=None
    ).user


def add_complete_terms(contract: Contract, by: User) -> None:
    """Two standards weighing 100 in all, bands covering 0–100, and one clause."""
    version = contract.versions.get(number=1)
    for code, weight in (("CL-01", Decimal(60)), ("CL-02", Decimal(40))):
        contract_services.save_term_part(
            part=PerformanceStandard(
                version=version,
                code=code,
                name=f"Standard {code}",
                measurement="Inspectors count items per 100 m².",
                target="≤ 1 item per 100 m²",
                acceptable_quality_level=Decimal(95),
                method=PerformanceStandard.Method.RANDOM_SAMPLE,
                weight=weight,
                points_per_occurrence=Decimal(2),
                monthly_cap=Decimal(10),
            ),
            by=by,
        )
    for low, high, factor, proportional, bonus in (
        (Decimal(95), Decimal(100), Decimal(1), False, Decimal("0.02")),
        (Decimal(90), Decimal(95), Decimal(1), False, Decimal(0)),
        (Decimal(0), Decimal(90), None, True, Decimal(0)),
    ):
        contract_services.save_term_part(
            part=PayBand(
                version=version,
                min_score=low,
                max_score=high,
                payment_factor=factor,
                proportional=proportional,
                bonus_rate=bonus,
            ),
            by=by,
        )
    contract_services.save_term_part(
        part=Clause(
            version=version,
            number="1",
            title="Scope",
            text="The provider cleans the zones in scope.",
            responsible_party=Clause.Party.PROVIDER,
            legal_basis="Government Procurement Law, art. 43",
        ),
        by=by,
    )


def make_contract(
    provider: Provider,
    zones: list[Zone],
    *,
    by: User,
    active: bool = True,
    service_kind: str = Contract.ServiceKind.CLEANING,
    start: date = date(2026, 1, 1),
    end: date = date(2027, 12, 31),
) -> Contract:
    contract = contract_services.create_contract(
        by=by,
        provider=provider,
        zones=zones,
        number=f"QZ-{next(_counter):04}",
        title="Cleaning of the test park",
        service_kind=service_kind,
        start_date=start,
        end_date=end,
        monthly_fee=Decimal("120000.00"),
        retention_rate=Decimal("0.05"),
    )
    add_complete_terms(contract, by)
    if active:
        contract = contract_services.activate_contract(contract=contract, by=by)
    return contract


def make_service_request(
    zone: Zone | None = None,
    *,
    service_code: str = "litter",
    description: str = "Litter by the bench",
    position: tuple[float, float] | None = None,
    contact: Any = None,
    at: Any = None,
) -> Any:
    """A report from the public placed in the middle of ``zone`` (or at ``position``:
    (longitude, latitude)), routed like any other."""
    from decimal import Decimal as D

    from parkpact.servicerequests import services as sr

    if position is None:
        assert zone is not None
        west, south, east, north = zone.west, zone.south, zone.east, zone.north
        position = ((west + east) / 2, (south + north) / 2)
    place = sr.place_report(position=(D(f"{position[1]:.6f}"), D(f"{position[0]:.6f}")))
    return sr.submit_request(
        service=sr.find_service(service_code),
        place=place,
        description=description,
        contact=contact,
        channel="qr",
        at=at,
    )


def photo_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    *,
    colour: tuple[int, ...] = (200, 40, 40),
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    """A small image; each call differs (a corner carries a counter) so hashes never collide."""
    image = Image.new(mode, size, colour)
    if mode in ("RGB", "RGBA"):
        n = next(_counter)
        corner = (n * 53 % 256, n * 97 % 256, (n // 256) * 31 % 256)
        image.paste(corner + ((255,) if mode == "RGBA" else ()), (0, 0, 8, 8))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def gps_exif(longitude: float = 118.6005, latitude: float = 24.9305) -> Image.Exif:
    """EXIF with a camera model and a GPS position, as a phone writes it."""
    exif = Image.Exif()
    exif[0x0110] = "ParkPhone 1"  # Model

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4))

    exif[0x8825] = {  # GPSInfo
        1: "N",
        2: dms(latitude),
        3: "E",
        4: dms(longitude),
    }
    return exif


def make_sensor_device(zone: Zone, *, kind: str = "waste_container") -> tuple[Any, str]:
    """A sensor device on a new facility in the zone, and its secret."""
    from parkpact.parks.models import Facility
    from parkpact.parks.services import create_facility
    from parkpact.sensors.models import Device
    from parkpact.sensors.services import register_device

    n = next(_counter)
    lon, lat = zone.boundary["coordinates"][0][0]
    facility = create_facility(
        zone=zone,
        by=None,
        code=f"F{n:04}",
        name=f"Facility {n}",
        kind=Device.WATCHES.get(kind, Facility.Kind.CAMERA),
        longitude=Decimal(str(round(lon + 0.0005, 6))),
        latitude=Decimal(str(round(lat + 0.0005, 6))),
    )
    registered = register_device(
        code=f"dev-{n}", name=f"Sensor {n}", kind=kind, facility=facility, by=None
    )
    return registered.device, registered.secret


def make_checkpoint(zone: Zone, *, radius_m: int = 30) -> Any:
    """A patrol checkpoint: a facility of kind checkpoint inside ``zone``, a little apart from
    the others."""
    from parkpact.parks.services import create_facility
    from parkpact.patrols.services import create_checkpoint

    n = next(_counter)
    facility = create_facility(
        zone=zone,
        code=f"CP-{n:04}",
        name=f"Checkpoint {n}",
        kind="checkpoint",
        longitude=Decimal(f"{zone.west + 0.0001 + (n % 8) * 0.0001:.6f}"),
        latitude=Decimal(f"{(zone.south + zone.north) / 2:.6f}"),
        by=None,
    )
    return create_checkpoint(facility=facility, radius_m=radius_m, by=None)
