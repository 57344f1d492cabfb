"""/api/v1/procurement/: published tenders for anyone, a provider's bid (multipart with the
PDF) and its own bids; refusals in the API's error format, nothing changed."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World, client_for
from parkpact import testing
from parkpact.core.models import User
from parkpact.procurement.models import Bid, Tender

from .helpers import bid, bidder, draft, lot_of, pdf, published, state

pytestmark = pytest.mark.django_db

API = "/api/v1/procurement"


def open_now(manager: User, world: World, **options: Any) -> Tender:
    now = timezone.now()
    return published(
        manager,
        world.zones[:2],
        start=now - timedelta(days=1),
        end=now + timedelta(days=6),
        **options,
    )


def post_bid(client: Client, tender: Tender, lot_id: int, **data: Any) -> Any:
    return client.post(f"{API}/tenders/{tender.pk}/lots/{lot_id}/bids", {"proposal": pdf(), **data})


def test_it_lists_published_tenders_to_anyone(world: World, manager: User) -> None:
    planned = draft(manager, world.zones[:1])
    tender = open_now(manager, world)
    body = Client().get(f"{API}/tenders").json()
    references = [item["reference"] for item in body["items"]]
    assert tender.reference in references and planned.reference not in references
    detail = Client().get(f"{API}/tenders/{tender.pk}").json()
    assert detail["lots"][0]["budget_ceiling"] == "100000.00"
    assert sorted(detail["lots"][0]["zones"]) == sorted(z.code for z in world.zones[:2])
    assert [c["weight"] for c in detail["criteria"]] == ["30.00", "10.00", "40.00", "20.00"]
    assert Client().get(f"{API}/tenders/{planned.pk}").status_code == 404
    active = Client().get(f"{API}/tenders", {"status": "active"}).json()
    assert active["count"] == 1


def test_it_takes_a_bid_with_its_pdf(world: World, manager: User) -> None:
    tender = open_now(manager, world)
    alpha = bidder("Alpha")
    qualification = alpha.provider.qualifications.get()
    response = post_bid(
        client_for(alpha.user),
        tender,
        lot_of(tender).pk,
        price="88000.50",
        qualifications=[qualification.pk],
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["price"] == "88000.50"
    assert body["qualifications"] == [qualification.pk]
    assert body["tender"] == tender.reference
    assert len(body["proposal_sha256"]) == 64
    mine = client_for(alpha.user).get(f"{API}/bids").json()
    assert [item["id"] for item in mine["items"]] == [body["id"]]


def test_it_answers_404_for_another_tender_s_lot(world: World, manager: User) -> None:
    tender = open_now(manager, world)
    other = open_now(manager, world)
    alpha = bidder("Alpha")
    before = state()
    response = post_bid(client_for(alpha.user), tender, lot_of(other).pk, price="88000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert post_bid(client_for(alpha.user), tender, 999999, price="88000").status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    ("price", "code"),
    [("0", "price_not_positive"), ("-1", "price_not_positive"), ("100000.01", "above_ceiling")],
)
def test_it_refuses_a_bad_price(world: World, manager: User, price: str, code: str) -> None:
    tender = open_now(manager, world)
    alpha = bidder("Alpha")
    before = state()
    response = post_bid(client_for(alpha.user), tender, lot_of(tender).pk, price=price)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert state() == before


def test_it_refuses_an_ineligible_company_and_a_closed_period(world: World, manager: User) -> None:
    tender = open_now(manager, world)
    lacking = testing.make_provider_user(testing.make_provider("Nolicence"))
    before = state()
    response = post_bid(client_for(lacking), tender, lot_of(tender).pk, price="88000")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "not_eligible")
    now = timezone.now()
    past = published(
        manager, world.zones[:1], start=now - timedelta(days=9), end=now - timedelta(days=1)
    )
    before = state()
    alpha = bidder("Alpha")
    before = state()
    response = post_bid(client_for(alpha.user), past, lot_of(past).pk, price="88000")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "outside_period")
    assert state() == before


def test_it_refuses_bids_from_centre_staff_and_strangers(world: World, manager: User) -> None:
    tender = open_now(manager, world)
    assert post_bid(client_for(manager), tender, lot_of(tender).pk, price="1").status_code == 403
    assert post_bid(Client(), tender, lot_of(tender).pk, price="1").status_code == 401
    assert not Bid.objects.exists()


def test_it_shows_a_provider_only_its_own_bids(world: World, manager: User) -> None:
    tender = open_now(manager, world)
    alpha, beta = bidder("Alpha"), bidder("Beta")
    a = bid(tender, alpha.user, "81000", at=timezone.now())
    b = bid(tender, beta.user, "82000", at=timezone.now())
    client = client_for(beta.user)
    assert [i["id"] for i in client.get(f"{API}/bids").json()["items"]] == [b.pk]
    assert client.get(f"{API}/bids/{a.pk}").status_code == 404
    # the centre sees every bid but not its price while bids are open
    staff = client_for(manager).get(f"{API}/bids").json()["items"]
    assert {item["price"] for item in staff} == {None}
