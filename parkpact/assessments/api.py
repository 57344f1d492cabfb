"""Monthly assessments in the JSON API, under /api/v1/assessments/ (docs/api.md).

The same services as the pages: centre staff list and read every assessment, a provider its own
once sent; the provider confirms or appeals lines, a manager decides and approves, finance
approves the certificate. A refused action answers 400 with the service's stable code.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from parkpact.core.api import SIGNED_IN, ApiError, errors, get_visible_or_404
from parkpact.core.permissions import signed_in_user

from . import services
from .models import Appeal, Assessment, AssessmentLine, PaymentCertificate

router = Router(tags=["assessments"])


class LineOut(Schema):
    id: int
    code: str
    standard: str
    source: str
    available: bool = Field(description="False when the source recorded nothing: no deduction.")
    checked: int
    passed: int
    occurrences: int
    pass_rate: Decimal | None = Field(description="Per cent of checks passed.")
    extra_value: Decimal | None = Field(
        description="Slowest response (minutes) for incidents; hours above threshold for sensors."
    )
    computed_points: Decimal
    points: Decimal = Field(description="Points deducted; 0 when an appeal was upheld.")
    removed_reason: str
    records: list[tuple[str, int]] = Field(description="The failing records, as [kind, id].")
    appeal_status: str | None

    @staticmethod
    def resolve_code(line: AssessmentLine) -> str:
        return line.standard.code

    @staticmethod
    def resolve_standard(line: AssessmentLine) -> str:
        return line.standard.name

    @staticmethod
    def resolve_appeal_status(line: AssessmentLine) -> str | None:
        appeal = getattr(line, "appeal", None)
        return appeal.status if appeal is not None else None


class CertificateOut(Schema):
    number: str
    status: str
    fee: Decimal
    deduction: Decimal
    bonus: Decimal
    adjustments: Decimal
    retention: Decimal
    retention_released: Decimal
    net: Decimal
    approved_at: datetime | None


class AssessmentOut(Schema):
    id: int
    contract: str
    provider: str
    month: date
    status: str
    score: Decimal
    grade: str
    payment_factor: Decimal
    bonus_rate: Decimal
    missing_sources: list[str]
    termination_warning: bool
    appeal_deadline: date | None
    net: Decimal | None = Field(description="Net payable once approved.")

    @staticmethod
    def resolve_contract(assessment: Assessment) -> str:
        return assessment.contract.number

    @staticmethod
    def resolve_provider(assessment: Assessment) -> str:
        return assessment.contract.provider.name

    @staticmethod
    def resolve_net(assessment: Assessment) -> Decimal | None:
        certificate = getattr(assessment, "certificate", None)
        return certificate.net if certificate is not None else None


class AssessmentDetailOut(AssessmentOut):
    lines: list[LineOut]
    certificate: CertificateOut | None

    @staticmethod
    def resolve_lines(assessment: Assessment) -> list[AssessmentLine]:
        return list(
            assessment.lines.select_related("standard", "appeal").order_by("standard__code")
        )

    @staticmethod
    def resolve_certificate(assessment: Assessment) -> PaymentCertificate | None:
        return getattr(assessment, "certificate", None)


class AssessmentFilter(Schema):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    contract: str | None = Field(None, description="Contract number.")
    status: str | None = None


class AppealIn(Schema):
    line_id: int
    reason: str


class DecisionIn(Schema):
    upheld: bool
    reason: str


def _visible(request: HttpRequest) -> Any:
    return Assessment.objects.visible_to(signed_in_user(request)).select_related(
        "contract__provider", "certificate"
    )


def _detail(request: HttpRequest, pk: int) -> Assessment:
    return get_visible_or_404(_visible(request), pk=pk)


@router.get(
    "/",
    response={200: list[AssessmentOut], **errors(401, 422)},
    auth=SIGNED_IN,
    summary="Assessments I may see, newest month first",
)
def list_assessments(request: HttpRequest, filters: Query[AssessmentFilter]) -> Any:
    assessments = _visible(request).order_by("-month", "contract__number")
    if filters.month:
        assessments = assessments.filter(month=f"{filters.month}-01")
    if filters.contract:
        assessments = assessments.filter(contract__number=filters.contract)
    if filters.status:
        assessments = assessments.filter(status=filters.status)
    return assessments[:500]


@router.get(
    "/{assessment_id}",
    response={200: AssessmentDetailOut, **errors(401, 404)},
    auth=SIGNED_IN,
    summary="One assessment with its lines, evidence records and certificate",
)
def get_assessment(request: HttpRequest, assessment_id: int) -> Assessment:
    return _detail(request, assessment_id)


@router.post(
    "/{assessment_id}/confirm",
    response={200: AssessmentDetailOut, **errors(400, 401, 403, 404)},
    auth=SIGNED_IN,
    summary="The provider accepts the month as computed",
)
def confirm(request: HttpRequest, assessment_id: int) -> Assessment:
    assessment = services.confirm_assessment(
        assessment=_detail(request, assessment_id), by=signed_in_user(request)
    )
    return _detail(request, assessment.pk)


@router.post(
    "/{assessment_id}/appeals",
    response={200: AssessmentDetailOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="The provider appeals deduction lines, each with its reason",
)
def appeal(request: HttpRequest, assessment_id: int, body: list[AppealIn]) -> Assessment:
    assessment = _detail(request, assessment_id)
    lines = {line.pk: line for line in assessment.lines.select_related("standard")}
    unknown = [item.line_id for item in body if item.line_id not in lines]
    if unknown:
        raise ApiError(404, "not_found", f"No line {unknown[0]} in this assessment.")
    services.appeal_lines(
        assessment=assessment,
        by=signed_in_user(request),
        appeals=[services.AppealRequest(line=lines[i.line_id], reason=i.reason) for i in body],
    )
    return _detail(request, assessment.pk)


@router.post(
    "/appeals/{appeal_id}/decision",
    response={200: AssessmentDetailOut, **errors(400, 401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="A manager upholds or dismisses an appeal",
)
def decide(request: HttpRequest, appeal_id: int, body: DecisionIn) -> Assessment:
    appeal = get_visible_or_404(
        Appeal.objects.filter(line__assessment__in=_visible(request)).select_related(
            "line__assessment"
        ),
        pk=appeal_id,
    )
    services.decide_appeal(
        appeal=appeal, by=signed_in_user(request), upheld=body.upheld, reason=body.reason
    )
    return _detail(request, appeal.line.assessment_id)


@router.post(
    "/{assessment_id}/approve",
    response={200: AssessmentDetailOut, **errors(400, 401, 403, 404)},
    auth=SIGNED_IN,
    summary="A manager approves the month: the payment certificate is issued",
)
def approve(request: HttpRequest, assessment_id: int) -> Assessment:
    services.approve_assessment(
        assessment=_detail(request, assessment_id), by=signed_in_user(request)
    )
    return _detail(request, assessment_id)


@router.post(
    "/{assessment_id}/certificate/approve",
    response={200: CertificateOut, **errors(400, 401, 403, 404)},
    auth=SIGNED_IN,
    summary="Finance approves the certificate for payment",
)
def approve_certificate(request: HttpRequest, assessment_id: int) -> PaymentCertificate:
    certificate = get_visible_or_404(
        PaymentCertificate.objects.visible_to(signed_in_user(request)), assessment_id=assessment_id
    )
    return services.approve_certificate(certificate=certificate, by=signed_in_user(request))
