"""Business actions on contracts: drafting, activation, amendments and ending.

A contract's terms (fee, standards, pay bands, clauses) live in ContractVersion rows. Version 1
is edited while the contract is a draft; once active, terms change only through an amendment,
which drafts the next version and puts it in force when someone else approves it.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpact.core.models import User
from parkpact.core.services import assign, record_event, save_audited, snapshot
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider

from . import terms
from .models import (
    LOCKED_MESSAGE,
    Amendment,
    Clause,
    Contract,
    ContractVersion,
    PayBand,
    PerformanceStandard,
    terms_on,
)

CONTRACT_FIELDS = [
    "number",
    "title",
    "provider",
    "service_kind",
    "zones",
    "start_date",
    "end_date",
    "signed_on",
    "status",
    "status_reason",
]
VERSION_FIELDS = [
    "number",
    "effective_from",
    "in_force",
    "monthly_fee",
    "retention_rate",
    "termination_score",
    "termination_months",
    "exceptional_score",
    "very_good_score",
    "satisfactory_score",
    "marginal_score",
    "appeal_working_days",
]
PART_FIELDS: dict[type[models.Model], list[str]] = {
    PerformanceStandard: [
        "code",
        "name",
        "measurement",
        "target",
        "acceptable_quality_level",
        "method",
        "source",
        "rule",
        "weight",
        "points_per_occurrence",
        "monthly_cap",
        "zone_kinds",
        "unit",
        "limit_value",
        "limit_is_maximum",
        "rectification_hours",
    ],
    PayBand: ["min_score", "max_score", "payment_factor", "proportional", "bonus_rate"],
    Clause: ["number", "title", "text", "responsible_party", "legal_basis"],
}
TermPart = PerformanceStandard | PayBand | Clause


def version_summary(version: ContractVersion) -> dict[str, Any]:
    """The whole of a version's terms as plain values, for the ledger and for comparison."""
    return {
        **snapshot(version, VERSION_FIELDS),
        "standards": [
            snapshot(s, PART_FIELDS[PerformanceStandard]) for s in version.standards.all()
        ],
        "pay_bands": [snapshot(b, PART_FIELDS[PayBand]) for b in version.pay_bands.all()],
        "clauses": [snapshot(c, PART_FIELDS[Clause]) for c in version.clauses.all()],
    }


def _lock(contract: Contract) -> Contract:
    """Re-read the contract under a row lock: two people acting at once are taken in turn."""
    return Contract.objects.select_for_update().get(pk=contract.pk)


def create_contract(
    *,
    by: User,
    provider: Provider,
    zones: list[Zone],
    monthly_fee: Decimal,
    retention_rate: Decimal,
    **fields: Any,
) -> Contract:
    """Draft a contract and its terms as signed (version 1), to be filled in and activated."""
    contract = Contract(provider=provider, status=Contract.Status.DRAFT)
    assign(
        contract, fields, ["number", "title", "service_kind", "start_date", "end_date", "signed_on"]
    )
    contract.full_clean()
    if not zones:
        raise ValidationError({"zones": _("Choose at least one zone that the contract covers.")})
    with transaction.atomic():
        contract.save()
        contract.zones.set(zones)
        version = ContractVersion(
            contract=contract,
            number=1,
            effective_from=contract.start_date,
            monthly_fee=monthly_fee,
            retention_rate=retention_rate,
        )
        version.full_clean()
        version.save()
        record_event(
            actor=by,
            action="contract.create",
            obj=contract,
            after={**snapshot(contract, CONTRACT_FIELDS), "terms": version_summary(version)},
        )
    return contract


def update_draft_contract(
    *, contract: Contract, by: User, zones: list[Zone] | None = None, **changes: Any
) -> Contract:
    """Change a draft's identity, term or scope; an active contract refuses (see amendments)."""
    with transaction.atomic():
        contract = _lock(contract)
        if contract.status != Contract.Status.DRAFT:
            raise ValidationError(LOCKED_MESSAGE, code="terms_locked")
        before = snapshot(contract, CONTRACT_FIELDS)
        assign(
            contract,
            changes,
            ["number", "title", "provider", "service_kind", "start_date", "end_date", "signed_on"],
        )
        contract.full_clean()
        if zones is not None and not zones:
            raise ValidationError(
                {"zones": _("Choose at least one zone that the contract covers.")}
            )
        contract.save()
        if zones is not None:
            contract.zones.set(zones)
        # Version 1 takes effect when the contract starts.
        contract.versions.filter(number=1).update(effective_from=contract.start_date)
        record_event(
            actor=by,
            action="contract.update",
            obj=contract,
            before=before,
            after=snapshot(contract, CONTRACT_FIELDS),
        )
    return contract


def _editable_version(pk: int) -> ContractVersion:
    """Re-read a version under a row lock and refuse if its terms are already in force."""
    version = (
        ContractVersion.objects.select_for_update(of=("self",))
        .select_related("contract", "amendment")
        .get(pk=pk)
    )
    if not version.is_editable:
        raise ValidationError(LOCKED_MESSAGE, code="terms_locked")
    return version


def update_version(*, version: ContractVersion, by: User, **changes: Any) -> ContractVersion:
    """Change the money terms of a version that is not yet in force."""
    with transaction.atomic():
        version = _editable_version(version.pk)
        before = snapshot(version, VERSION_FIELDS)
        allowed = [field for field in VERSION_FIELDS if field not in ("number", "in_force")]
        if version.number == 1:
            allowed.remove("effective_from")
        assign(version, changes, allowed)
        save_audited(
            obj=version,
            fields=VERSION_FIELDS,
            by=by,
            action="contract_version.update",
            before=before,
        )
    return version


def save_term_part(*, part: TermPart, by: User) -> TermPart:
    """Add or change a standard, pay band or clause of a version that is not yet in force."""
    fields = PART_FIELDS[type(part)]
    kind = type(part)._meta.model_name
    with transaction.atomic():
        part.version = _editable_version(part.version_id)
        before = snapshot(type(part).objects.get(pk=part.pk), fields) if part.pk else None
        save_audited(
            obj=part,
            fields=fields,
            by=by,
            action=f"{kind}.{'update' if before else 'create'}",
            before=before,
        )
    return part


def delete_term_part(*, part: TermPart, by: User) -> None:
    fields = PART_FIELDS[type(part)]
    with transaction.atomic():
        _editable_version(part.version_id)
        record_event(
            actor=by,
            action=f"{type(part)._meta.model_name}.delete",
            obj=part,
            before=snapshot(part, fields),
        )
        part.delete()


def terms_problems(version: ContractVersion) -> list[str]:
    """What keeps a version's terms from going into force, as messages for the manager."""
    problems = []
    standards = list(version.standards.all())
    if not standards:
        problems.append(_("Add at least one performance standard."))
    else:
        total = terms.weight_total_problem([s.weight for s in standards])
        if total is not None:
            problems.append(
                _("The standards' weights add up to %(total)s; they must add up to 100.")
                % {"total": total}
            )
    band_messages = {
        "empty": _("Add pay bands that cover scores from 0 to 100."),
        "inverted": _("The pay band starting at %(at)s ends where it starts, or before."),
        "starts_above_zero": _(
            "The pay bands leave scores below %(at)s uncovered: start the lowest band at 0."
        ),
        "gap": _(
            "The pay bands leave a gap at score %(at)s: the next band must start where the previous one ends."
        ),
        "overlap": _(
            "The pay bands overlap at score %(at)s: each score may fall in one band only."
        ),
        "ends_below_full": _("The pay bands stop at %(at)s: the highest band must end at 100."),
    }
    bands = [(b.min_score, b.max_score) for b in version.pay_bands.all()]
    for problem in terms.pay_band_problems(bands):
        problems.append(band_messages[problem.code] % {"at": problem.at})
    return problems


def _scope_conflicts(contract: Contract) -> list[str]:
    """Zones this contract shares with another active contract of the same service and time."""
    zone_ids = list(contract.zones.values_list("pk", flat=True))
    # Lock the zones: two activations covering the same zone are taken one after the other.
    list(Zone.objects.select_for_update().filter(pk__in=zone_ids).values_list("pk", flat=True))
    others = (
        Contract.objects.active()
        .filter(
            service_kind=contract.service_kind,
            zones__in=zone_ids,
            start_date__lte=contract.end_date,
            end_date__gte=contract.start_date,
        )
        .exclude(pk=contract.pk)
        .distinct()
        .prefetch_related("zones")
    )
    messages = []
    for other in others:
        shared = sorted(str(z) for z in other.zones.all() if z.pk in zone_ids)
        messages.append(
            _("%(zones)s already covered by active contract %(number)s (%(start)s to %(end)s).")
            % {
                "zones": ", ".join(shared),
                "number": other.number,
                "start": other.start_date,
                "end": other.end_date,
            }
        )
    return messages


def activate_contract(*, contract: Contract, by: User) -> Contract:
    """Put a draft contract and its terms in force, once its terms are complete and no other
    active contract of the same service covers any of its zones during its term."""
    with transaction.atomic():
        contract = _lock(contract)
        if not contract.can_become(Contract.Status.ACTIVE):
            raise ValidationError(
                _("Only a draft contract can be activated; this one is %(status)s.")
                % {"status": contract.get_status_display()},
                code="bad_transition",
            )
        version = contract.versions.get(number=1)
        problems = terms_problems(version)
        if problems:
            raise ValidationError({"terms": problems})
        conflicts = _scope_conflicts(contract)
        if conflicts:
            raise ValidationError({"zones": conflicts})
        before = snapshot(contract, CONTRACT_FIELDS)
        contract.status = Contract.Status.ACTIVE
        contract.save(update_fields=["status"])
        version.in_force = True
        version.save(update_fields=["in_force"])
        record_event(
            actor=by,
            action="contract.activate",
            obj=contract,
            before=before,
            after={**snapshot(contract, CONTRACT_FIELDS), "terms": version_summary(version)},
        )
    return contract


def close_contract(*, contract: Contract, status: str, by: User, reason: str) -> Contract:
    """End an active contract at the end of its term, or terminate it early (reason required)."""
    if status not in (Contract.Status.ENDED, Contract.Status.TERMINATED):
        raise ValueError(status)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contract is being closed.")})
    with transaction.atomic():
        contract = _lock(contract)
        if not contract.can_become(status):
            raise ValidationError(
                _("Only an active contract can be ended or terminated; this one is %(status)s.")
                % {"status": contract.get_status_display()},
                code="bad_transition",
            )
        before = snapshot(contract, CONTRACT_FIELDS)
        contract.status = status
        contract.status_reason = reason
        contract.save(update_fields=["status", "status_reason"])
        record_event(
            actor=by,
            action=f"contract.{status}",
            obj=contract,
            before=before,
            after=snapshot(contract, CONTRACT_FIELDS),
            reason=reason,
        )
    return contract


def draft_amendment(
    *, contract: Contract, by: User, reason: str, effective_from: date
) -> Amendment:
    """Start changing an active contract's terms: copy the newest terms into a new version
    that the drafter then edits. Only one amendment may be in draft at a time."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contract is being amended.")})
    with transaction.atomic():
        contract = _lock(contract)
        if contract.status != Contract.Status.ACTIVE:
            raise ValidationError(
                _("Only an active contract can be amended; a draft is edited directly."),
                code="bad_transition",
            )
        if contract.amendments.filter(status=Amendment.Status.DRAFT).exists():
            raise ValidationError(
                _("This contract already has an amendment in draft: finish or reject it first."),
                code="amendment_open",
            )
        latest = contract.versions.filter(in_force=True).order_by("-number").first()
        assert latest is not None
        if not (latest.effective_from < effective_from <= contract.end_date):
            raise ValidationError(
                {
                    "effective_from": _(
                        "The amendment must take effect after %(start)s and by the contract's end, %(end)s."
                    )
                    % {"start": latest.effective_from, "end": contract.end_date}
                }
            )
        version = ContractVersion.objects.create(
            contract=contract,
            number=contract.versions.count() + 1,
            effective_from=effective_from,
            **{
                field: getattr(latest, field)
                for field in VERSION_FIELDS
                if field not in ("number", "effective_from", "in_force")
            },
        )
        for parts in (latest.standards.all(), latest.pay_bands.all(), latest.clauses.all()):
            for part in parts:
                # A copy of the part, now belonging to the new version.
                part.pk = None
                part.version = version
                part.save(force_insert=True)
        amendment = Amendment.objects.create(
            contract=contract, version=version, reason=reason, drafted_by=by
        )
        record_event(
            actor=by,
            action="amendment.draft",
            obj=amendment,
            after={
                "contract": contract.pk,
                "version": version.number,
                "effective_from": effective_from,
            },
            reason=reason,
        )
    return amendment


def _decide(amendment: Amendment, by: User) -> Amendment:
    amendment = (
        Amendment.objects.select_for_update()
        .select_related("version", "contract")
        .get(pk=amendment.pk)
    )
    if amendment.status != Amendment.Status.DRAFT:
        raise ValidationError(
            _("This amendment was already %(status)s.")
            % {"status": amendment.get_status_display()},
            code="bad_transition",
        )
    if amendment.drafted_by_id == by.pk:
        raise ValidationError(
            _("Someone other than the drafter must decide on an amendment."), code="four_eyes"
        )
    return amendment


def approve_amendment(*, amendment: Amendment, by: User, note: str = "") -> Amendment:
    """Put an amendment's terms in force from its date; earlier versions stay as they were."""
    with transaction.atomic():
        _lock(amendment.contract)
        amendment = _decide(amendment, by)
        version = amendment.version
        problems = terms_problems(version)
        if problems:
            raise ValidationError({"terms": problems})
        previous = terms_on(amendment.contract, version.effective_from)
        version.in_force = True
        version.save(update_fields=["in_force"])
        amendment.status = Amendment.Status.APPROVED
        amendment.decided_by = by
        amendment.decided_at = timezone.now()
        amendment.decision_note = note
        amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record_event(
            actor=by,
            action="amendment.approve",
            obj=amendment,
            before=version_summary(previous) if previous else None,
            after=version_summary(version),
            reason=note,
        )
    return amendment


def reject_amendment(*, amendment: Amendment, by: User, note: str) -> Amendment:
    if not note.strip():
        raise ValidationError({"note": _("Say why the amendment is rejected.")})
    with transaction.atomic():
        amendment = _decide(amendment, by)
        amendment.status = Amendment.Status.REJECTED
        amendment.decided_by = by
        amendment.decided_at = timezone.now()
        amendment.decision_note = note
        amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record_event(actor=by, action="amendment.reject", obj=amendment, reason=note)
    return amendment
