"""Activation, scope overlap, locked terms and amendments, through the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from parkpact.contracts import services
from parkpact.contracts.models import Amendment, Contract, PayBand, PerformanceStandard, terms_on
from parkpact.core.models import AuditEvent, User
from parkpact.testing import make_contract, make_provider

# The assertions read the services' messages in English.
pytestmark = pytest.mark.usefixtures("english")


def test_it_refuses_to_activate_a_contract_whose_bands_leave_a_gap(
    world: World, manager: User
) -> None:
    contract = make_contract(world.provider_a, [world.zones[2]], by=manager, active=False)
    version = contract.versions.get()
    band = version.pay_bands.get(min_score=90)
    services.delete_term_part(part=band, by=manager)
    with pytest.raises(ValidationError) as error:
        services.activate_contract(contract=contract, by=manager)
    assert "gap at score 90" in " ".join(error.value.message_dict["terms"])
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT


def test_it_refuses_weights_that_do_not_add_up_to_100(world: World, manager: User) -> None:
    contract = make_contract(world.provider_a, [world.zones[2]], by=manager, active=False)
    services.delete_term_part(part=contract.versions.get().standards.first(), by=manager)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must add up to 100"):
        services.activate_contract(contract=contract, by=manager)


def test_it_refuses_two_active_contracts_of_one_service_on_one_zone(
    world: World, manager: User
) -> None:
    rival = make_provider("Rival")
    contract = make_contract(rival, [world.zones[0], world.zones[2]], by=manager, active=False)
    with pytest.raises(ValidationError) as error:
        services.activate_contract(contract=contract, by=manager)
    message = " ".join(error.value.message_dict["zones"])
    assert world.contract_a.number in message and world.zones[0].code in message
    assert world.zones[2].code not in message  # zone 2 is free for cleaning
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT


def test_it_allows_the_same_zone_after_the_other_term_or_for_another_service(
    world: World, manager: User
) -> None:
    later = make_contract(
        world.provider_b,
        [world.zones[0]],
        by=manager,
        start=date(2028, 1, 1),
        end=date(2029, 12, 31),
    )
    assert later.status == Contract.Status.ACTIVE


def test_an_active_contracts_terms_cannot_be_edited_without_an_amendment(
    world: World, manager: User
) -> None:
    version = world.contract_a.versions.get()
    standard = version.standards.first()
    assert standard is not None
    standard.weight = Decimal(50)
    with pytest.raises(ValidationError, match="through an amendment"):
        services.save_term_part(part=standard, by=manager)
    with pytest.raises(ValidationError, match="through an amendment"):
        services.update_version(version=version, by=manager, monthly_fee=Decimal(1))
    with pytest.raises(ValidationError, match="through an amendment"):
        services.update_draft_contract(contract=world.contract_a, by=manager, title="New")
    version.refresh_from_db()
    assert version.monthly_fee == Decimal("120000.00")


def test_an_amendment_changes_terms_from_its_date_and_keeps_the_old_ones(
    world: World, manager: User, second_manager: User
) -> None:
    contract = world.contract_a
    amendment = services.draft_amendment(
        contract=contract, by=manager, reason="Wage rise", effective_from=date(2026, 7, 1)
    )
    services.update_version(version=amendment.version, by=manager, monthly_fee=Decimal("132000.00"))
    assert terms_on(contract, date(2026, 8, 1)).number == 1  # type: ignore[union-attr]  # not yet approved

    services.approve_amendment(amendment=amendment, by=second_manager, note="Budget approved")

    old, new = terms_on(contract, date(2026, 6, 30)), terms_on(contract, date(2026, 7, 1))
    assert old is not None and new is not None
    assert (old.number, old.monthly_fee) == (1, Decimal("120000.00"))
    assert (new.number, new.monthly_fee) == (2, Decimal("132000.00"))
    assert new.standards.count() == old.standards.count() == 2
    event = AuditEvent.objects.get(action="amendment.approve")
    assert (event.before["monthly_fee"], event.after["monthly_fee"]) == ("120000.00", "132000.00")


def test_the_drafter_cannot_approve_their_own_amendment(world: World, manager: User) -> None:
    amendment = services.draft_amendment(
        contract=world.contract_a, by=manager, reason="More bins", effective_from=date(2026, 7, 1)
    )
    with pytest.raises(ValidationError, match="other than the drafter"):
        services.approve_amendment(amendment=amendment, by=manager)
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.DRAFT


def test_an_approved_amendment_is_locked_and_a_second_draft_waits(
    world: World, manager: User, second_manager: User
) -> None:
    amendment = services.draft_amendment(
        contract=world.contract_a, by=manager, reason="r", effective_from=date(2026, 7, 1)
    )
    with pytest.raises(ValidationError, match="already has an amendment in draft"):
        services.draft_amendment(
            contract=world.contract_a, by=manager, reason="r2", effective_from=date(2026, 8, 1)
        )
    services.approve_amendment(amendment=amendment, by=second_manager)
    band = amendment.version.pay_bands.first()
    assert band is not None
    with pytest.raises(ValidationError, match="through an amendment"):
        services.delete_term_part(part=band, by=manager)
    with pytest.raises(ValidationError, match="already"):
        services.reject_amendment(amendment=amendment, by=second_manager, note="late")


def test_an_amendment_that_breaks_the_bands_cannot_be_approved(
    world: World, manager: User, second_manager: User
) -> None:
    amendment = services.draft_amendment(
        contract=world.contract_a, by=manager, reason="r", effective_from=date(2026, 7, 1)
    )
    band = amendment.version.pay_bands.get(min_score=0)
    band.min_score = Decimal(10)
    services.save_term_part(part=band, by=manager)
    with pytest.raises(ValidationError, match="below 10"):
        services.approve_amendment(amendment=amendment, by=second_manager)
    assert terms_on(world.contract_a, date(2026, 8, 1)).number == 1  # type: ignore[union-attr]


def test_a_band_needs_a_factor_or_proportional(world: World, manager: User) -> None:
    contract = make_contract(world.provider_a, [world.zones[2]], by=manager, active=False)
    band = PayBand(version=contract.versions.get(), min_score=Decimal(0), max_score=Decimal(10))
    with pytest.raises(ValidationError) as error:
        services.save_term_part(part=band, by=manager)
    assert "payment_factor" in error.value.message_dict


def test_a_cap_above_the_weight_is_refused(world: World, manager: User) -> None:
    contract = make_contract(world.provider_a, [world.zones[2]], by=manager, active=False)
    standard = contract.versions.get().standards.get(code="CL-02")
    standard.monthly_cap = Decimal(41)
    with pytest.raises(ValidationError) as error:
        services.save_term_part(part=standard, by=manager)
    assert "monthly_cap" in error.value.message_dict
    assert PerformanceStandard.objects.get(pk=standard.pk).monthly_cap == Decimal(10)


def test_ending_needs_a_reason_and_an_active_contract(world: World, manager: User) -> None:
    with pytest.raises(ValidationError):
        services.close_contract(
            contract=world.contract_a, status=Contract.Status.TERMINATED, by=manager, reason=" "
        )
    services.close_contract(
        contract=world.contract_a,
        status=Contract.Status.TERMINATED,
        by=manager,
        reason="Three months below 75",
    )
    with pytest.raises(ValidationError, match="Only an active contract"):
        services.close_contract(
            contract=world.contract_a, status=Contract.Status.ENDED, by=manager, reason="x"
        )
