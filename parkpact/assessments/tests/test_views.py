"""The assessment pages: each as an anonymous visitor (sign in first), the wrong role (403),
another company's provider (404) and the happy path; query counts on the list and detail."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World, client_for
from parkpact import testing
from parkpact.assessments import services
from parkpact.assessments.models import Appeal, Assessment, PaymentCertificate, Rating
from parkpact.core.models import User

from .helpers import AFTER_WINDOW, MONTH, computed, line, seven_sources

pytestmark = pytest.mark.django_db

Status = Assessment.Status


def url(name: str, *args: Any) -> str:
    return reverse(f"assessments:{name}", args=args)


def sent_now(world: World, manager: User, **options: Any) -> Assessment:
    """Sent at the real time: the appeal window is open for the pages' own clock."""
    assessment = computed(world, manager, **options)
    return services.send_assessment(assessment=assessment, by=manager)


def approved(world: World, manager: User) -> Assessment:
    assessment = computed(world, manager)
    services.send_assessment(assessment=assessment, by=manager, now=AFTER_WINDOW)
    services.approve_assessment(assessment=assessment, by=manager)
    return Assessment.objects.get(pk=assessment.pk)


def assert_login(response: Any) -> None:
    assert response.status_code == 302
    assert "login" in response["Location"]


# ---- Anonymous and wrong role --------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(world: World, manager: User) -> None:
    assessment = approved(world, manager)
    appeal_pk = 1
    anonymous = Client()
    for name, args in (
        ("assessment_list", ()),
        ("assessment_detail", (assessment.pk,)),
        ("certificate_list", ()),
        ("provider_record", (world.provider_a.pk,)),
    ):
        assert_login(anonymous.get(url(name, *args)))
    for name, args in (
        ("assessment_compute", ()),
        ("assessment_send", (assessment.pk,)),
        ("assessment_confirm", (assessment.pk,)),
        ("assessment_appeal", (assessment.pk,)),
        ("assessment_approve", (assessment.pk,)),
        ("appeal_decide", (appeal_pk,)),
        ("certificate_approve", (assessment.certificate.pk,)),
    ):
        assert_login(anonymous.post(url(name, *args)))


def test_it_answers_403_to_the_wrong_role(
    world: World,
    manager: User,
    inspector: User,
    finance: User,
    provider_a_user: User,
) -> None:
    assessment = sent_now(world, manager)
    (appeal,) = services.appeal_lines(
        assessment=assessment,
        by=provider_a_user,
        appeals=[services.AppealRequest(line=line(assessment, "CL-01"), reason="Festival litter")],
    )
    before = Assessment.objects.get(pk=assessment.pk).status
    checks = [
        (inspector, "assessment_compute", (), {"month": "2026-03"}),
        (provider_a_user, "assessment_send", (assessment.pk,), {}),
        (manager, "assessment_confirm", (assessment.pk,), {}),
        (manager, "assessment_appeal", (assessment.pk,), {}),
        (inspector, "assessment_approve", (assessment.pk,), {}),
        (finance, "assessment_approve", (assessment.pk,), {}),
        (provider_a_user, "assessment_approve", (assessment.pk,), {}),
        (provider_a_user, "appeal_decide", (appeal.pk,), {"decision": "uphold", "reason": "x"}),
        (finance, "appeal_decide", (appeal.pk,), {"decision": "uphold", "reason": "x"}),
    ]
    for user, name, args, data in checks:
        assert client_for(user).post(url(name, *args), data).status_code == 403, (user, name)
    assert Assessment.objects.get(pk=assessment.pk).status == before
    assert Appeal.objects.get().status == Appeal.Status.PENDING


def test_a_manager_cannot_approve_a_certificate(world: World, manager: User) -> None:
    assessment = approved(world, manager)
    response = client_for(manager).post(url("certificate_approve", assessment.certificate.pk))
    assert response.status_code == 403
    assert PaymentCertificate.objects.get().status == PaymentCertificate.Status.PENDING


# ---- Another company ---------------------------------------------------------------------------


def test_another_company_gets_404_everywhere(
    world: World, manager: User, provider_b_user: User
) -> None:
    assessment = sent_now(world, manager)
    client = client_for(provider_b_user)
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 404
    assert client.post(url("assessment_confirm", assessment.pk)).status_code == 404
    cl01 = line(assessment, "CL-01")
    response = client.post(
        url("assessment_appeal", assessment.pk),
        {"line": [cl01.pk], f"reason_{cl01.pk}": "Not ours"},
    )
    assert response.status_code == 404
    assert client.get(url("provider_record", world.provider_a.pk)).status_code == 404
    assert Assessment.objects.get(pk=assessment.pk).status == Status.SENT
    assert not Appeal.objects.exists()


def test_a_provider_does_not_see_its_draft(
    world: World, manager: User, provider_a_user: User
) -> None:
    draft = computed(world, manager)
    client = client_for(provider_a_user)
    assert client.get(url("assessment_detail", draft.pk)).status_code == 404
    response = client.get(url("assessment_list") + "?month=2026-03")
    assert response.status_code == 200
    assert response.context["assessments"] == []


# ---- Happy paths ----------------------------------------------------------------------------------


def test_a_manager_computes_a_month_and_lists_it(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    computed(world, manager)  # contract A already has a draft; B gets one from the page
    client = client_for(manager)
    response = client.post(url("assessment_compute"), {"month": "2026-03"})
    assert response.status_code == 302
    assert response["Location"].endswith("?month=2026-03")
    assert set(Assessment.objects.values_list("contract__number", flat=True)) == {
        world.contract_a.number,
        world.contract_b.number,
    }
    with django_assert_max_num_queries(6):
        response = client.get(url("assessment_list") + "?month=2026-03")
    assert response.status_code == 200
    assert {a.contract_id for a in response.context["assessments"]} == {
        world.contract_a.pk,
        world.contract_b.pk,
    }
    assert world.contract_a.number in response.content.decode()


def test_the_list_takes_a_bounded_number_of_queries(
    world: World, manager: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        provider = testing.make_provider(f"Extra {n}")
        park = testing.make_park(f"Park {n}")
        contract = testing.make_contract(provider, [testing.make_zone(park)], by=manager)
        services.compute_assessment(contract=contract, month=MONTH, by=manager)
    approved(world, manager)
    client = client_for(manager)
    with django_assert_max_num_queries(6):  # as many with one assessment as with seven
        response = client.get(url("assessment_list") + "?month=2026-03")
    assert len(response.context["assessments"]) == 7


def test_a_future_month_is_not_computed(world: World, manager: User) -> None:
    response = client_for(manager).post(url("assessment_compute"), {"month": "2099-01"})
    assert response.status_code == 302
    assert not Assessment.objects.exists()


def test_the_detail_page_shows_seven_lines_without_a_query_each(
    world: World, manager: User, english: None, django_assert_max_num_queries: Any
) -> None:
    seven_sources(world.contract_a)
    assessment = computed(world, manager)
    assert assessment.lines.count() == 7
    client = client_for(manager)
    with django_assert_max_num_queries(12):  # as many with two lines as with seven
        response = client.get(url("assessment_detail", assessment.pk))
    assert response.status_code == 200
    page = response.content.decode()
    for code in ("CL-01", "CL-02", "RE-01", "CO-01", "SL-01", "PA-01", "IC-01"):
        assert code in page
    # Each failed inspection behind a deduction is one click away.
    for _kind, pk in line(assessment, "CL-01").records:
        assert reverse("inspections:inspection_detail", args=[pk]) in page


def test_a_manager_sends_and_the_provider_confirms(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = computed(world, manager)
    response = client_for(manager).post(url("assessment_send", assessment.pk))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == Status.SENT
    client = client_for(provider_a_user)
    assert client.get(url("assessment_detail", assessment.pk)).status_code == 200
    response = client.post(url("assessment_confirm", assessment.pk))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == Status.CONFIRMED
    response = client_for(manager).post(url("assessment_approve", assessment.pk))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == Status.APPROVED
    assert Rating.objects.filter(assessment=assessment).exists()


def test_the_provider_appeals_a_line_with_a_photo_and_the_manager_decides(
    world: World, manager: User, provider_a_user: User
) -> None:
    assessment = sent_now(world, manager)
    cl02 = line(assessment, "CL-02")
    photo = SimpleUploadedFile("bin.jpg", testing.photo_bytes(), content_type="image/jpeg")
    response = client_for(provider_a_user).post(
        url("assessment_appeal", assessment.pk),
        {"line": [str(cl02.pk)], f"reason_{cl02.pk}": "Emptied at 9:05", f"photo_{cl02.pk}": photo},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.line_id, appeal.reason) == (cl02.pk, "Emptied at 9:05")
    assert len(appeal.photo_sha256) == 64
    photo_page = client_for(manager).get(url("appeal_photo", appeal.pk))
    assert photo_page.status_code == 200
    assert photo_page["Content-Type"] == "image/jpeg"

    response = client_for(manager).post(
        url("appeal_decide", appeal.pk), {"decision": "uphold", "reason": "The log agrees."}
    )
    assert response.status_code == 302
    assert response["Location"] == url("assessment_detail", assessment.pk)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assessment.refresh_from_db()
    assert assessment.status == Status.DECIDED
    assert assessment.score == Decimal(90)
    client_for(manager).post(url("assessment_approve", assessment.pk))
    assert Assessment.objects.get(pk=assessment.pk).status == Status.APPROVED


def test_a_refused_appeal_is_shown_and_changes_nothing(
    world: World, manager: User, provider_a_user: User, english: None
) -> None:
    assessment = sent_now(world, manager)
    cl01 = line(assessment, "CL-01")
    response = client_for(provider_a_user).post(
        url("assessment_appeal", assessment.pk),
        {"line": [str(cl01.pk)], f"reason_{cl01.pk}": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "Give the reason for the appeal of CL-01" in response.content.decode()
    assert not Appeal.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).status == Status.SENT


def test_finance_lists_and_approves_certificates(
    world: World,
    manager: User,
    finance: User,
    provider_a_user: User,
    provider_b_user: User,
    django_assert_max_num_queries: Any,
) -> None:
    assessment = approved(world, manager)
    certificate = assessment.certificate
    client = client_for(finance)
    with django_assert_max_num_queries(6):
        response = client.get(url("certificate_list"))
    assert response.status_code == 200
    assert response.context["certificates"] == [certificate]
    response = client.post(url("certificate_approve", certificate.pk))
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == PaymentCertificate.Status.APPROVED
    own = client_for(provider_a_user).get(url("certificate_list") + "?status=approved")
    assert own.context["certificates"] == [certificate]
    other = client_for(provider_b_user).get(url("certificate_list") + "?status=approved")
    assert other.context["certificates"] == []


def test_the_provider_record_shows_its_ratings(
    world: World, manager: User, provider_a_user: User
) -> None:
    approved(world, manager)
    for user in (manager, provider_a_user):
        response = client_for(user).get(url("provider_record", world.provider_a.pk))
        assert response.status_code == 200
        assert [r.score for r in response.context["ratings"]] == [Decimal(86)]
        assert response.context["chart"]["months"] == ["2026-03"]
        assert response.context["chart"]["series"] == [
            {"name": world.contract_a.number, "data": [86.0]}
        ]
