"""The records behind an assessment line, resolved in bulk to what a reader can open: the
inspection with its photos, the order, the public report, the patrol round, the incident or
the sensor device. Used by the assessment page and its reports alike."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpact.inspections.models import Evidence, Inspection, RectificationOrder
from parkpact.patrols.models import Incident, PatrolRound
from parkpact.sensors.models import Alert
from parkpact.servicerequests.models import ServiceRequest

from .models import AssessmentLine


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def _labels(kind: str, ids: set[int]) -> dict[int, Link]:
    if kind == "inspection":
        rows = Inspection.objects.filter(pk__in=ids).select_related("zone")
        return {
            i.pk: Link(
                _("Inspection %(zone)s %(when)s")
                % {"zone": i.zone.code, "when": f"{i.window_start:%m-%d}"},
                reverse("inspections:inspection_detail", args=[i.pk]),
            )
            for i in rows
        }
    if kind == "order":
        return {
            pk: Link(
                _("Order %(number)s") % {"number": pk},
                reverse("inspections:order_detail", args=[pk]),
            )
            for pk in RectificationOrder.objects.filter(pk__in=ids).values_list("pk", flat=True)
        }
    if kind == "request":
        return {
            r.pk: Link(
                _("Report %(code)s") % {"code": r.tracking_code},
                reverse("servicerequests:request_detail", args=[r.pk]),
            )
            for r in ServiceRequest.objects.filter(pk__in=ids).only("pk", "tracking_code")
        }
    if kind == "round":
        return {
            r.pk: Link(
                _("Round %(when)s") % {"when": f"{r.window_start:%m-%d %H:%M}"},
                reverse("patrols:round_detail", args=[r.uuid]),
            )
            for r in PatrolRound.objects.filter(pk__in=ids).only("pk", "uuid", "window_start")
        }
    if kind == "incident":
        return {
            pk: Link(
                _("Incident %(number)s") % {"number": pk},
                reverse("patrols:incident_detail", args=[pk]),
            )
            for pk in Incident.objects.filter(pk__in=ids).values_list("pk", flat=True)
        }
    if kind == "alert":
        return {
            a.pk: Link(
                _("Alert %(device)s %(when)s")
                % {"device": a.device.code, "when": f"{a.raised_at:%m-%d %H:%M}"},
                reverse("sensors:device_detail", args=[a.device_id]),
            )
            for a in Alert.objects.filter(pk__in=ids).select_related("device")
        }
    return {}


def links_for(lines: Sequence[AssessmentLine], limit: int | None = None) -> dict[int, list[Link]]:
    """Each line's records as links, in the order found (the first ``limit`` of each)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for line in lines:
        for kind, pk in line.records[:limit]:
            wanted[kind].add(pk)
    resolved = {kind: _labels(kind, ids) for kind, ids in wanted.items()}
    return {
        line.pk: [
            resolved[kind][pk] for kind, pk in line.records[:limit] if pk in resolved.get(kind, {})
        ]
        for line in lines
    }


def photos_for(lines: Iterable[AssessmentLine], per_line: int = 3) -> dict[int, list[Evidence]]:
    """Up to ``per_line`` photos of the failed inspections behind each line, for the report."""
    found: dict[int, list[Evidence]] = {}
    for line in lines:
        inspection_ids = [pk for kind, pk in line.records if kind == "inspection"][:per_line]
        found[line.pk] = list(
            Evidence.objects.filter(
                finding__inspection_id__in=inspection_ids,
                finding__standard__code=line.standard.code,
            ).order_by("finding__inspection__window_start")[:per_line]
        )
    return found
