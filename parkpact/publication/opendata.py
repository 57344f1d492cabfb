"""Open data: the datasets anyone may download as CSV or XLSX, and their data dictionary.

Each dataset is a list of documented columns and a function that yields its rows from one
``values_list`` query read in chunks, so a download costs the same few queries however many
rows it holds. Column names are stable English identifiers, the same in CSV and XLSX and in
the data dictionary (docs/open-data.md): rename one as you would an API field.

Nothing that identifies a person is ever selected: no reporter's description, contact, photo,
tracking code or device; no user (who validated, approved or appealed); no free text typed by
anyone. A report's position is rounded to 0.001° (about 100 m).
"""

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TextIO

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parkpact.assessments.models import (
    Assessment,
    AssessmentLine,
    PaymentCertificate,
    Rating,
)
from parkpact.assessments.scoring import HUNDRED
from parkpact.reports.xlsx import MONEY, Sheet, Value, workbook
from parkpact.servicerequests.models import ServiceRequest

# Rows fetched per round trip: big enough to be quick, small enough to stream.
CHUNK_SIZE = 2000
# 0.001° is about 100 m of latitude (and 90 m of longitude at Quanzhou's 25° N).
POSITION_STEP = Decimal("0.001")
HOURS_STEP = Decimal("0.1")

LICENCE_NAME = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

Row = tuple[Value, ...]


class ColumnType:
    """A column's kind of value, and how it is written in CSV (XLSX keeps numbers, dates and
    booleans as such)."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    MONTH = "month"


TYPE_FORMATS: dict[str, Promise] = {
    ColumnType.TEXT: _("Text (UTF-8)."),
    ColumnType.INTEGER: _("Whole number."),
    ColumnType.DECIMAL: _("Decimal number with a point, e.g. 87.50."),
    ColumnType.MONEY: _("Amount in yuan (CNY) with two decimals, e.g. 12345.60; a number in XLSX."),
    ColumnType.BOOLEAN: _("true or false (TRUE or FALSE in XLSX); empty when not applicable."),
    ColumnType.DATE: _("Date, YYYY-MM-DD."),
    ColumnType.DATETIME: _(
        "Date and time in Beijing time, ISO 8601 with its offset, e.g. "
        "2026-03-01T09:30:00+08:00 (XLSX: a date-time in Beijing time)."
    ),
    ColumnType.MONTH: _("Month, YYYY-MM."),
}


@dataclass(frozen=True)
class Column:
    """One documented column: its stable name, kind of value, meaning and unit."""

    name: str
    type: str
    meaning: Promise
    unit: Promise | str = ""


@dataclass(frozen=True)
class Dataset:
    """A downloadable table: its name in URLs and file names, what it holds, its columns and
    where its rows come from."""

    slug: str
    title: Promise
    description: Promise
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[Row]]

    @property
    def headers(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def money_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.type == ColumnType.MONEY]


# ---- Conversions ---------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else timezone.localtime(moment)


def _local_date(moment: datetime | None) -> date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _rounded(coordinate: Decimal | None) -> Decimal | None:
    if coordinate is None:
        return None
    return Decimal(coordinate).quantize(POSITION_STEP, rounding=ROUND_HALF_UP)


def _hours_between(start: datetime, end: datetime | None) -> Decimal | None:
    if end is None:
        return None
    hours = Decimal((end - start).total_seconds()) / 3600
    return hours.quantize(HOURS_STEP, rounding=ROUND_HALF_UP)


def csv_cell(value: Value) -> str:
    """How a value is written in CSV: see ``TYPE_FORMATS``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


# ---- Service requests ----------------------------------------------------------------------------

SERVICE_REQUEST_COLUMNS = (
    Column(
        "service_request_id",
        ColumnType.INTEGER,
        _("The request's number, the same as Open311's service_request_id."),
    ),
    Column("service_code", ColumnType.TEXT, _("The kind of problem, as an Open311 service code.")),
    Column("service_name_zh", ColumnType.TEXT, _("The kind of problem, in Chinese.")),
    Column("service_name_en", ColumnType.TEXT, _("The kind of problem, in English.")),
    Column(
        "status",
        ColumnType.TEXT,
        _(
            "submitted, acknowledged, in_progress, resolved, closed (fixed and checked by the "
            "centre), rejected (not taken up) or duplicate (already reported)."
        ),
    ),
    Column("park_code", ColumnType.TEXT, _("The park's code; empty when not placed in a park.")),
    Column("park_name", ColumnType.TEXT, _("The park's name.")),
    Column("zone_code", ColumnType.TEXT, _("The code of the zone of the park it was placed in.")),
    Column("requested_at", ColumnType.DATETIME, _("When it was reported.")),
    Column("acknowledged_at", ColumnType.DATETIME, _("When the team responsible took it up.")),
    Column("resolved_at", ColumnType.DATETIME, _("When the team responsible said it was fixed.")),
    Column("closed_at", ColumnType.DATETIME, _("When it was closed.")),
    Column(
        "hours_to_resolve",
        ColumnType.DECIMAL,
        _("Hours from the report to the resolution, to one decimal; empty while unresolved."),
        _("hours"),
    ),
    Column(
        "acknowledge_deadline_missed",
        ColumnType.BOOLEAN,
        _("Whether it was taken up after the time the service level allows."),
    ),
    Column(
        "resolve_deadline_missed",
        ColumnType.BOOLEAN,
        _("Whether it was fixed after the time the service level allows (or is still open)."),
    ),
    Column(
        "validated",
        ColumnType.BOOLEAN,
        _("Whether a centre inspector checked the resolution."),
    ),
    Column(
        "contractor_at_fault",
        ColumnType.BOOLEAN,
        _(
            "Whether the inspector found the problem was the contractor's doing or neglect (a "
            "validated complaint, which lowers the monthly score); empty until validated."
        ),
    ),
    Column(
        "contract_number",
        ColumnType.TEXT,
        _("The contract it was routed to; empty for the centre's own queue."),
    ),
    Column(
        "provider_name", ColumnType.TEXT, _("The contractor responsible; empty for the centre.")
    ),
    Column(
        "longitude",
        ColumnType.DECIMAL,
        _("Where it was reported, rounded to 0.001° (about 100 m); empty when not given."),
        _("degrees (WGS 84)"),
    ),
    Column(
        "latitude",
        ColumnType.DECIMAL,
        _("Where it was reported, rounded to 0.001° (about 100 m); empty when not given."),
        _("degrees (WGS 84)"),
    ),
    Column(
        "duplicate_of",
        ColumnType.INTEGER,
        _("For a duplicate: the service_request_id of the report it repeats."),
    ),
)


def service_request_rows() -> Iterator[Row]:
    """Every service request, oldest first, without anything that identifies the reporter."""
    requests = (
        ServiceRequest.objects.order_by("pk")
        .values_list(
            "pk",
            "service__code",
            "service__name_zh",
            "service__name_en",
            "status",
            "park__code",
            "park__name",
            "zone__code",
            "requested_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "acknowledge_breached_at",
            "resolve_breached_at",
            "validated_at",
            "contractor_at_fault",
            "contract__number",
            "provider__name",
            "longitude",
            "latitude",
            "duplicate_of_id",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        pk,
        service_code,
        name_zh,
        name_en,
        status,
        park_code,
        park_name,
        zone_code,
        requested_at,
        acknowledged_at,
        resolved_at,
        closed_at,
        acknowledge_breached_at,
        resolve_breached_at,
        validated_at,
        contractor_at_fault,
        contract_number,
        provider_name,
        longitude,
        latitude,
        duplicate_of,
    ) in requests:
        validated = validated_at is not None
        yield (
            pk,
            service_code,
            name_zh,
            name_en,
            status,
            park_code,
            park_name,
            zone_code,
            _local(requested_at),
            _local(acknowledged_at),
            _local(resolved_at),
            _local(closed_at),
            _hours_between(requested_at, resolved_at),
            acknowledge_breached_at is not None,
            resolve_breached_at is not None,
            validated,
            contractor_at_fault if validated else None,
            contract_number,
            provider_name,
            _rounded(longitude),
            _rounded(latitude),
            duplicate_of,
        )


# ---- Assessments and their lines -----------------------------------------------------------------

ASSESSMENT_COLUMNS = (
    Column("contract_number", ColumnType.TEXT, _("The contract assessed.")),
    Column("service_kind", ColumnType.TEXT, _("The contract's service: cleaning or security.")),
    Column("provider_name", ColumnType.TEXT, _("The contractor.")),
    Column(
        "provider_credit_code",
        ColumnType.TEXT,
        _("The contractor's unified social credit code (18 characters)."),
    ),
    Column("month", ColumnType.MONTH, _("The month assessed.")),
    Column(
        "score",
        ColumnType.DECIMAL,
        _("The month's score, 100 less the points deducted."),
        _("points"),
    ),
    Column(
        "points_deducted",
        ColumnType.DECIMAL,
        _("Points deducted over all performance standards (see assessment_lines)."),
        _("points"),
    ),
    Column(
        "rating",
        ColumnType.TEXT,
        _("exceptional, very_good, satisfactory, marginal or unsatisfactory."),
    ),
    Column(
        "payment_factor",
        ColumnType.DECIMAL,
        _("Share of the monthly fee the score earns under the contract's pay bands, e.g. 0.98."),
    ),
    Column(
        "bonus_rate",
        ColumnType.DECIMAL,
        _("Bonus as a share of the monthly fee, e.g. 0.02; 0 when none."),
    ),
    Column("approved_on", ColumnType.DATE, _("When the centre approved the assessment.")),
)


def _approved_assessments() -> Any:
    return Assessment.objects.filter(status=Assessment.Status.APPROVED)


def assessment_rows() -> Iterator[Row]:
    """Every approved monthly assessment, by month then contract."""
    assessments = (
        _approved_assessments()
        .order_by("month", "contract__number")
        .values_list(
            "contract__number",
            "contract__service_kind",
            "contract__provider__name",
            "contract__provider__credit_code",
            "month",
            "score",
            "grade",
            "payment_factor",
            "bonus_rate",
            "approved_at",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        number,
        kind,
        provider,
        credit_code,
        month,
        score,
        grade,
        factor,
        bonus,
        approved,
    ) in assessments:
        yield (
            number,
            kind,
            provider,
            credit_code,
            _month(month),
            score,
            HUNDRED - score,
            grade,
            factor,
            bonus,
            _local_date(approved),
        )


ASSESSMENT_LINE_COLUMNS = (
    Column("contract_number", ColumnType.TEXT, _("The contract assessed.")),
    Column("month", ColumnType.MONTH, _("The month assessed.")),
    Column("standard_code", ColumnType.TEXT, _("The performance standard's code in the contract.")),
    Column(
        "standard_name", ColumnType.TEXT, _("The performance standard, as the contract names it.")
    ),
    Column(
        "source",
        ColumnType.TEXT,
        _(
            "Where the measurement comes from: inspections, rectification, complaints, sla, "
            "patrols, incidents or sensors."
        ),
    ),
    Column(
        "evidence_available",
        ColumnType.BOOLEAN,
        _("False when the source records nothing for this contract yet: nothing is deducted."),
    ),
    Column("checked", ColumnType.INTEGER, _("How many things were checked.")),
    Column("passed", ColumnType.INTEGER, _("How many of them passed.")),
    Column(
        "pass_rate",
        ColumnType.DECIMAL,
        _("Share that passed, in per cent; empty when not a rate."),
        _("%"),
    ),
    Column("occurrences", ColumnType.INTEGER, _("Failures counted under the deduction rule.")),
    Column(
        "points_by_rule",
        ColumnType.DECIMAL,
        _("Points the deduction rule gives, before appeals."),
        _("points"),
    ),
    Column("points_deducted", ColumnType.DECIMAL, _("Points actually deducted."), _("points")),
    Column(
        "removed_on_appeal",
        ColumnType.BOOLEAN,
        _("Whether the contractor's appeal was upheld, so the line deducts nothing."),
    ),
)


def assessment_line_rows() -> Iterator[Row]:
    """Each performance standard of each approved assessment, by month, contract, standard."""
    lines = (
        AssessmentLine.objects.filter(assessment__status=Assessment.Status.APPROVED)
        .order_by("assessment__month", "assessment__contract__number", "standard__code", "pk")
        .values_list(
            "assessment__contract__number",
            "assessment__month",
            "standard__code",
            "standard__name",
            "source",
            "available",
            "checked",
            "passed",
            "pass_rate",
            "occurrences",
            "computed_points",
            "points",
            "removed_reason",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        number,
        month,
        code,
        name,
        source,
        available,
        checked,
        passed,
        pass_rate,
        occurrences,
        computed_points,
        points,
        removed_reason,
    ) in lines:
        yield (
            number,
            _month(month),
            code,
            name,
            source,
            available,
            checked,
            passed,
            pass_rate,
            occurrences,
            computed_points,
            points,
            bool(removed_reason),  # the reason is a manager's words: only whether
        )


# ---- Ratings -------------------------------------------------------------------------------------

RATING_COLUMNS = (
    Column("provider_name", ColumnType.TEXT, _("The contractor rated.")),
    Column(
        "provider_credit_code",
        ColumnType.TEXT,
        _("The contractor's unified social credit code (18 characters)."),
    ),
    Column("contract_number", ColumnType.TEXT, _("The contract the rating is for.")),
    Column("month", ColumnType.MONTH, _("The month rated.")),
    Column("score", ColumnType.DECIMAL, _("The approved month's score."), _("points")),
    Column(
        "rating",
        ColumnType.TEXT,
        _("exceptional, very_good, satisfactory, marginal or unsatisfactory."),
    ),
)


def rating_rows() -> Iterator[Row]:
    """Every rating (written when a month is approved): the contractors' past performance."""
    ratings = (
        Rating.objects.order_by("provider__credit_code", "month", "contract__number")
        .values_list(
            "provider__name",
            "provider__credit_code",
            "contract__number",
            "month",
            "score",
            "grade",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for provider, credit_code, number, month, score, grade in ratings:
        yield (provider, credit_code, number, _month(month), score, grade)


# ---- Payments ------------------------------------------------------------------------------------

PAYMENT_COLUMNS = (
    Column("certificate_number", ColumnType.TEXT, _("The payment certificate's number.")),
    Column("contract_number", ColumnType.TEXT, _("The contract paid.")),
    Column("provider_name", ColumnType.TEXT, _("The contractor paid.")),
    Column("month", ColumnType.MONTH, _("The month the payment is for.")),
    Column("fee", ColumnType.MONEY, _("The contract's monthly fee."), _("yuan")),
    Column("deduction", ColumnType.MONEY, _("Deducted for the month's performance."), _("yuan")),
    Column("bonus", ColumnType.MONEY, _("Bonus for exceptional performance."), _("yuan")),
    Column(
        "adjustments",
        ColumnType.MONEY,
        _("Corrections to earlier months paid (positive) or recovered (negative) in this one."),
        _("yuan"),
    ),
    Column("retention", ColumnType.MONEY, _("Held back as retention."), _("yuan")),
    Column(
        "retention_released",
        ColumnType.MONEY,
        _("Retention held earlier and released with this payment."),
        _("yuan"),
    ),
    Column(
        "net_payable",
        ColumnType.MONEY,
        _("What is paid: fee − deduction + bonus + adjustments − retention + retention_released."),
        _("yuan"),
    ),
    Column(
        "approved_for_payment_on",
        ColumnType.DATE,
        _("When the centre's finance approved the certificate for payment."),
    ),
)


def payment_rows() -> Iterator[Row]:
    """Every payment certificate finance approved, by month then contract."""
    certificates = (
        PaymentCertificate.objects.filter(status=PaymentCertificate.Status.APPROVED)
        .order_by("assessment__month", "assessment__contract__number", "number")
        .values_list(
            "number",
            "assessment__contract__number",
            "assessment__contract__provider__name",
            "assessment__month",
            "fee",
            "deduction",
            "bonus",
            "adjustments",
            "retention",
            "retention_released",
            "net",
            "approved_at",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for number, contract, provider, month, *amounts, approved_at in certificates:
        yield (number, contract, provider, _month(month), *amounts, _local_date(approved_at))


# ---- The catalogue -------------------------------------------------------------------------------

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        slug="service_requests",
        title=_("Service requests"),
        description=_(
            "Every problem the public reported (QR posters, Open311 clients, the 12345 hotline), "
            "one row per report, with its deadlines and who answered it. Anonymised: no "
            "description, contact, photo or tracking code, and the position is rounded to about "
            "100 m. Rejected and duplicate reports are included, with their status, so the "
            "counts can be checked; filter them out with the status column."
        ),
        columns=SERVICE_REQUEST_COLUMNS,
        rows=service_request_rows,
    ),
    Dataset(
        slug="assessments",
        title=_("Monthly assessments"),
        description=_(
            "Each contract's approved monthly assessment: its score, rating and share of the fee "
            "paid. Months not yet approved (drafts, under appeal) are not published."
        ),
        columns=ASSESSMENT_COLUMNS,
        rows=assessment_rows,
    ),
    Dataset(
        slug="assessment_lines",
        title=_("Assessment lines"),
        description=_(
            "The measurements behind each approved assessment: one row per performance standard "
            "and month, with what was checked, what failed and the points deducted."
        ),
        columns=ASSESSMENT_LINE_COLUMNS,
        rows=assessment_line_rows,
    ),
    Dataset(
        slug="ratings",
        title=_("Contractor ratings"),
        description=_(
            "Each contractor's rating for each contract and approved month: the past "
            "performance that later tenders take into account."
        ),
        columns=RATING_COLUMNS,
        rows=rating_rows,
    ),
    Dataset(
        slug="payments",
        title=_("Payments"),
        description=_(
            "The payment certificates the centre's finance approved: what each contractor is "
            "paid for each month, in yuan (CNY) to the fen."
        ),
        columns=PAYMENT_COLUMNS,
        rows=payment_rows,
    ),
)

BY_SLUG: dict[str, Dataset] = {dataset.slug: dataset for dataset in DATASETS}


# ---- Writing -------------------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written to it: lets csv.writer feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(dataset: Dataset, *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The dataset as CSV text (RFC 4180, UTF-8 without BOM), a few hundred rows at a time."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(dataset.headers)
    batch: list[str] = []
    for row in dataset.rows():
        batch.append(writer.writerow([csv_cell(value) for value in row]))
        if len(batch) >= rows_per_chunk:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def write_csv(dataset: Dataset, file: TextIO) -> int:
    """Write the dataset to an open text file; the number of data rows written."""
    writer = csv.writer(file, lineterminator="\r\n")
    writer.writerow(dataset.headers)
    count = 0
    for row in dataset.rows():
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def xlsx_bytes(dataset: Dataset) -> bytes:
    """The dataset as a one-sheet workbook with the same headers as the CSV; money as numbers
    in yuan (``#,##0.00``), dates and date-times as Excel dates in Beijing time."""
    rows: Sequence[Row] = list(dataset.rows())
    formats: dict[int | str, str] = {name: MONEY for name in dataset.money_columns}
    return workbook(
        [Sheet(title=dataset.slug, headers=dataset.headers, rows=rows, number_formats=formats)]
    )


def data_dictionary(datasets: Iterable[Dataset] = DATASETS) -> list[dict[str, Any]]:
    """The datasets and their columns as plain values in the active language (for the page)."""
    return [
        {
            "dataset": dataset,
            "columns": [
                {
                    "name": column.name,
                    "type": column.type,
                    "format": TYPE_FORMATS[column.type],
                    "meaning": column.meaning,
                    "unit": column.unit,
                }
                for column in dataset.columns
            ],
        }
        for dataset in datasets
    ]
