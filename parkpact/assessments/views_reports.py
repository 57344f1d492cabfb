"""The assessment's printable reports: one contract's month as PDF and XLSX, and the month's
summary across all contracts for the centre's leadership (docs/reports.md).

A contract's report is built from ``detail_context``, the very dict the assessment page renders,
so the report prints the numbers the screen shows. Evidence photos are embedded as ``data:``
URLs read from the evidence storage: that storage has no public URL, and reports fetch nothing.
"""

import base64
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from PIL import Image, UnidentifiedImageError

from parkpact.core.models import CENTRE_ROLES, User
from parkpact.core.permissions import SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.reports.http import pdf_response, xlsx_response
from parkpact.reports.pdf import render_pdf
from parkpact.reports.xlsx import DATETIME, MONEY, RATE, Sheet, Value, workbook

from . import services
from .evidence import Link, links_for, photos_for
from .models import Assessment, AssessmentLine, Grade, PaymentCertificate
from .views import detail_context

# Thumbnails in the PDF: small enough that a month's report stays a few hundred kilobytes.
THUMBNAIL_SIDE = 480
PHOTOS_PER_LINE = 3
_MONTH = re.compile(r"(\d{4})-(\d{2})")


# ---- One contract's month ------------------------------------------------------------------------


def _visible(request: HttpRequest, pk: int) -> Assessment:
    """The assessment if the user may see it (its page would open), else 404."""
    return get_object_or_404(
        Assessment.objects.visible_to(signed_in_user(request)).select_related(
            "contract__provider", "version", "approved_by", "responded_by"
        ),
        pk=pk,
    )


def _filename(assessment: Assessment, extension: str) -> str:
    """``QZGY-2026-001-2026-07-考核报告.pdf`` (the last word in the user's language)."""
    words = _("assessment report").replace(" ", "-")
    return f"{assessment.contract.number}-{assessment.month:%Y-%m}-{words}.{extension}"


def _thumbnail(storage: Storage, name: str) -> str | None:
    """A stored photo as a small JPEG ``data:`` URL, or None when the file cannot be read."""
    try:
        with storage.open(name, "rb") as file:
            image = Image.open(io.BytesIO(file.read()))
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=75)
    except (OSError, UnidentifiedImageError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _photos(lines: Sequence[AssessmentLine]) -> dict[int, list[str | None]]:
    """Up to three evidence thumbnails for each line that deducts (or deducted before appeal);
    None stands for a photo whose file is missing, so the report says so."""
    deducting = [line for line in lines if line.computed_points > 0]
    found = photos_for(deducting, PHOTOS_PER_LINE)
    return {
        pk: [_thumbnail(evidence.display.storage, evidence.display.name) for evidence in photos]
        for pk, photos in found.items()
    }


def _record_links(lines: Sequence[AssessmentLine]) -> dict[tuple[str, int], Link]:
    """Every record behind the lines, resolved to a link; a record that no longer resolves is
    left out. ``links_for`` drops unresolved records from a line's list, so each record is
    asked about as a line of its own to keep kind and id beside its link."""
    records = sorted({(str(kind), int(pk)) for line in lines for kind, pk in line.records})
    probes = [
        AssessmentLine(pk=index, records=[[kind, pk]]) for index, (kind, pk) in enumerate(records)
    ]
    found = links_for(probes)
    return {record: found[index][0] for index, record in enumerate(records) if found[index]}


def _rule(line: AssessmentLine) -> str:
    """The deduction rule as the assessment page writes it."""
    standard = line.standard
    if standard.rule == standard.Rule.RATE:
        return _("%(points)s below %(aql)s %%") % {
            "points": standard.points_per_occurrence,
            "aql": standard.acceptable_quality_level,
        }
    return _("%(points)s each, at most %(cap)s") % {
        "points": standard.points_per_occurrence,
        "cap": standard.monthly_cap,
    }


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _parties(context: dict[str, Any]) -> list[str]:
    """Who signs the report: who prepared it, the approving manager, finance, the provider."""
    assessment: Assessment = context["assessment"]
    certificate: PaymentCertificate | None = context["certificate"]
    approver = _name(assessment.approved_by)
    payer = _name(certificate.approved_by) if certificate else ""
    return [
        _("Prepared by"),
        _("Approved by the contract manager") + (f": {approver}" if approver else ""),
        _("Finance") + (f": {payer}" if payer else ""),
        _("Provider: %(name)s") % {"name": assessment.contract.provider.name},
    ]


def report_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    """The assessment page's own context, plus what only the printed report needs."""
    context = detail_context(assessment, signed_in_user(request))
    lines: list[AssessmentLine] = context["lines"]
    photos = _photos(lines)
    for line in lines:
        line.photos = photos.get(line.pk, [])  # type: ignore[attr-defined]
        line.rule_text = _rule(line)  # type: ignore[attr-defined]
        line.absolute_links = [  # type: ignore[attr-defined]
            Link(link.label, request.build_absolute_uri(link.url))
            for link in line.links  # type: ignore[attr-defined]
        ]
    appeals = [line for line in lines if hasattr(line, "appeal")]
    for line in appeals:
        photo = line.appeal.photo
        line.appeal.thumbnail = (  # type: ignore[attr-defined]
            _thumbnail(photo.storage, photo.name) if photo else None
        )
    return {
        **context,
        "centre_name": settings.PARKPACT_CENTRE_NAME,
        "appealed_lines": appeals,
        "parties": _parties(context),
        "page_url": request.build_absolute_uri(services.assessment_link(assessment)),
    }


@role_required(SIGNED_IN_ROLES)
@require_GET
def assessment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The month's assessment of one contract as a PDF to print, sign and file."""
    assessment = _visible(request, pk)
    data = render_pdf(
        template="assessments/report_assessment.html",
        context=report_context(request, assessment),
        request=request,
    )
    return pdf_response(data, _filename(assessment, "pdf"))


def _money_rows(context: dict[str, Any]) -> list[list[Value]]:
    """The certificate (or the preview of a month not approved) as rows of part, item and
    amount, each amount signed by its effect on the net payable: the breakdown lines first,
    then the totals, the last of which is the net."""
    certificate: PaymentCertificate | None = context["certificate"]
    breakdown, totals = _("Breakdown"), _("Total")
    rows: list[list[Value]] = []
    if certificate is not None:
        for line in context["certificate_lines"]:
            sign = -1 if line.kind == line.Kind.DEDUCTION else 1
            rows.append([breakdown, line.get_kind_display(), line.label, sign * line.amount])
        money: Any = certificate
        adjustments = certificate.adjustments
        net_label = _("Net payable")
    else:
        money = context["preview"]
        for label, amount in money.deduction_by_standard:
            rows.append([breakdown, _("Deduction"), label, -amount])
        for label, amount in money.adjustments:
            rows.append([breakdown, _("Adjustment"), label, amount])
        adjustments = money.adjustment_total
        net_label = _("Net payable (draft — not approved)")
    rows += [
        [totals, "", _("Monthly fee"), money.fee],
        [totals, "", _("Performance deduction"), -money.deduction],
        [totals, "", _("Bonus"), money.bonus],
        [totals, "", _("Adjustments"), adjustments],
        [totals, "", _("Retention held"), -money.retention],
        [totals, "", _("Retention released"), money.retention_released],
        [totals, "", net_label, money.net],
    ]
    return rows


def _summary_sheet(context: dict[str, Any]) -> Sheet:
    """One row: the month at a glance."""
    assessment: Assessment = context["assessment"]
    contract = assessment.contract
    certificate: PaymentCertificate | None = context["certificate"]
    net = certificate.net if certificate else context["preview"].net
    return Sheet(
        title=_("Summary"),
        headers=[
            _("Centre"),
            _("Contract"),
            _("Title"),
            _("Provider"),
            _("Month"),
            _("Status"),
            _("Score"),
            _("Points deducted"),
            _("Rating"),
            _("Share of the fee paid"),
            _("Bonus rate"),
            _("Net payable (yuan)"),
            _("Certificate"),
            _("Approved at"),
        ],
        rows=[
            [
                settings.PARKPACT_CENTRE_NAME,
                contract.number,
                contract.title,
                contract.provider.name,
                f"{assessment.month:%Y-%m}",
                assessment.get_status_display(),
                assessment.score,
                context["points_deducted"],
                assessment.get_grade_display(),
                assessment.payment_factor,
                assessment.bonus_rate,
                net,
                (
                    f"{certificate.number} ({certificate.get_status_display()})"
                    if certificate
                    else _("Draft — not approved")
                ),
                assessment.approved_at,
            ]
        ],
        number_formats={9: RATE, 10: RATE, 11: MONEY, 13: DATETIME},
    )


def _measurement_sheet(lines: Sequence[AssessmentLine]) -> Sheet:
    """One row per standard: its measurement and its points."""
    return Sheet(
        title=_("Measurements"),
        headers=[
            _("Standard"),
            _("Name"),
            _("Measured from"),
            _("Evidence available"),
            _("Checked"),
            _("Passed"),
            _("Pass rate (%)"),
            _("Occurrences"),
            _("Further measure"),
            _("Rule"),
            _("Points by the rule"),
            _("Points deducted"),
            _("Removed on appeal because"),
            _("Records"),
        ],
        rows=[
            [
                line.standard.code,
                line.standard.name,
                line.get_source_display(),
                line.available,
                line.checked,
                line.passed,
                line.pass_rate,
                line.occurrences,
                line.extra_value,
                _rule(line),
                line.computed_points,
                line.points,
                line.removed_reason,
                len(line.records),
            ]
            for line in lines
        ],
    )


def _evidence_sheet(request: HttpRequest, lines: Sequence[AssessmentLine]) -> Sheet:
    """Every record behind every line, with the page that shows it."""
    resolved = _record_links(lines)
    return Sheet(
        title=_("Evidence"),
        headers=[_("Standard"), _("Kind"), _("ID"), _("Record"), _("URL")],
        rows=[
            [
                line.standard.code,
                kind,
                record_id,
                link.label if link else _("(no longer on record)"),
                request.build_absolute_uri(link.url) if link else "",
            ]
            for line in lines
            for kind, record_id in line.records
            for link in [resolved.get((str(kind), int(record_id)))]
        ],
    )


def _appeal_sheet(lines: Sequence[AssessmentLine]) -> Sheet:
    """The appeals and the decisions on them."""
    return Sheet(
        title=_("Appeals"),
        headers=[
            _("Standard"),
            _("Points appealed"),
            _("Reason"),
            _("Appealed by"),
            _("Appealed at"),
            _("Status"),
            _("Reason for the decision"),
            _("Decided by"),
            _("Decided at"),
        ],
        rows=[
            [
                line.standard.code,
                line.computed_points,
                line.appeal.reason,
                _name(line.appeal.submitted_by),
                line.appeal.submitted_at,
                line.appeal.get_status_display(),
                line.appeal.decision_reason,
                _name(line.appeal.decided_by),
                line.appeal.decided_at,
            ]
            for line in lines
            if hasattr(line, "appeal")
        ],
    )


def _certificate_sheet(context: dict[str, Any]) -> Sheet:
    """The certificate (or preview), its lines then its totals."""
    return Sheet(
        title=_("Certificate"),
        headers=[_("Part"), _("Kind"), _("Item"), _("Amount (yuan)")],
        rows=_money_rows(context),
        number_formats={3: MONEY},
    )


@role_required(SIGNED_IN_ROLES)
@require_GET
def assessment_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The same report as a workbook, one sheet per part."""
    assessment = _visible(request, pk)
    context = detail_context(assessment, signed_in_user(request))
    lines: list[AssessmentLine] = context["lines"]
    data = workbook(
        [
            _summary_sheet(context),
            _measurement_sheet(lines),
            _evidence_sheet(request, lines),
            _appeal_sheet(lines),
            _certificate_sheet(context),
        ]
    )
    return xlsx_response(data, _filename(assessment, "xlsx"))


# ---- The month across all contracts --------------------------------------------------------------


def _month(text: str) -> date:
    """``2026-07`` → 1 July 2026; anything else is a page that does not exist."""
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise Http404
    return date(int(match[1]), int(match[2]), 1)


@dataclass
class SummaryRow:
    """One contract in the month's summary; the money only once the month is approved."""

    number: str
    title: str
    provider: str
    status: str
    assessment: Assessment | None
    certificate: PaymentCertificate | None


@dataclass
class MonthSummary:
    month: date
    rows: list[SummaryRow]
    totals: dict[str, Decimal]
    approved: int
    grades: list[tuple[str, int, int]]  # rating, assessments, of which approved


MONEY_FIELDS = ("fee", "deduction", "bonus", "adjustments", "retention", "net")


def month_summary(month: date, user: User) -> MonthSummary:
    """Every contract in force in the month, with its assessment and certificate if any."""
    assessments = list(
        Assessment.objects.visible_to(user)
        .filter(month=month)
        .select_related("contract__provider", "certificate")
        .order_by("contract__number")
    )
    certificates = [a.certificate for a in assessments if hasattr(a, "certificate")]
    rows = [
        SummaryRow(
            number=a.contract.number,
            title=a.contract.title,
            provider=a.contract.provider.name,
            status=a.get_status_display(),
            assessment=a,
            certificate=getattr(a, "certificate", None),
        )
        for a in assessments
    ]
    assessed = {a.contract_id for a in assessments}
    rows += [
        SummaryRow(c.number, c.title, c.provider.name, _("Not assessed"), None, None)
        for c in services.contracts_in_term(month)
        if c.pk not in assessed
    ]
    rows.sort(key=lambda row: row.number)
    counted = (
        Assessment.objects.visible_to(user)
        .filter(month=month)
        .values("grade")
        .annotate(count=Count("pk"), approved=Count("pk", filter=Q(status="approved")))
    )
    by_grade = {row["grade"]: (row["count"], row["approved"]) for row in counted}
    return MonthSummary(
        month=month,
        rows=rows,
        totals={
            name: sum((getattr(c, name) for c in certificates), Decimal(0)) for name in MONEY_FIELDS
        },
        approved=len(certificates),
        grades=[(str(label), *by_grade.get(value, (0, 0))) for value, label in Grade.choices],
    )


def _summary_filename(month: date, extension: str) -> str:
    words = _("assessment summary").replace(" ", "-")
    return f"{month:%Y-%m}-{words}.{extension}"


@role_required(CENTRE_ROLES)
@require_GET
def summary_pdf(request: HttpRequest, month: str) -> HttpResponse:
    """The month across all contracts, for the centre's leadership."""
    first_day = _month(month)
    data = render_pdf(
        template="assessments/report_summary.html",
        context={
            "summary": month_summary(first_day, signed_in_user(request)),
            "centre_name": settings.PARKPACT_CENTRE_NAME,
        },
        request=request,
    )
    return pdf_response(data, _summary_filename(first_day, "pdf"))


@role_required(CENTRE_ROLES)
@require_GET
def summary_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    first_day = _month(month)
    summary = month_summary(first_day, signed_in_user(request))
    not_approved = _("not approved")
    rows: list[list[Value]] = []
    for row in summary.rows:
        assessment, certificate = row.assessment, row.certificate
        rows.append(
            [
                row.number,
                row.title,
                row.provider,
                row.status,
                assessment.score if assessment else None,
                assessment.get_grade_display() if assessment else "",
                *(
                    [getattr(certificate, name) for name in MONEY_FIELDS]
                    if certificate
                    else [None] * len(MONEY_FIELDS)
                ),
                (
                    f"{certificate.number} ({certificate.get_status_display()})"
                    if certificate
                    else not_approved
                ),
            ]
        )
    rows.append(
        [
            _("Total approved (%(count)s)") % {"count": summary.approved},
            "",
            "",
            "",
            None,
            "",
            *[summary.totals[name] for name in MONEY_FIELDS],
            "",
        ]
    )
    money_columns: dict[int | str, str] = {
        index: MONEY for index in range(6, 6 + len(MONEY_FIELDS))
    }
    contracts = Sheet(
        title=_("Contracts"),
        headers=[
            _("Contract"),
            _("Title"),
            _("Provider"),
            _("Status"),
            _("Score"),
            _("Rating"),
            _("Monthly fee (yuan)"),
            _("Deduction (yuan)"),
            _("Bonus (yuan)"),
            _("Adjustments (yuan)"),
            _("Retention (yuan)"),
            _("Net payable (yuan)"),
            _("Certificate"),
        ],
        rows=rows,
        number_formats=money_columns,
    )
    ratings = Sheet(
        title=_("Ratings"),
        headers=[_("Rating"), _("Assessments"), _("Of which approved")],
        rows=[list(grade) for grade in summary.grades],
    )
    data = workbook([contracts, ratings])
    return xlsx_response(data, _summary_filename(first_day, "xlsx"))
