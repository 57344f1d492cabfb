"""The zones' A4 posters with their QR codes: for centre staff only."""

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.urls import reverse

from conftest import World, client_for
from parkpact.core.models import User
from parkpact.servicerequests import posters

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SVG = "{http://www.w3.org/2000/svg}"


def poster_url(world: World, kind: str) -> str:
    return reverse(f"public:poster_{kind}", kwargs={"pk": world.zones[0].pk})


def test_it_draws_an_a4_svg_with_the_zones_report_address(world: World, manager: User) -> None:
    zone = world.zones[0]
    response = client_for(manager).get(poster_url(world, "svg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)  # noqa: S314 (our own poster, in a test)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("210mm", "297mm")
    texts = [element.text for element in root.iter(f"{SVG}text")]
    address = f"testserver/q/{zone.qr_token}"
    assert address in texts
    assert posters.HEADLINE_ZH in texts and posters.HEADLINE_EN in texts
    assert zone.code in texts and world.park.name in texts
    assert len(list(root.iter(f"{SVG}path"))) == 1  # the QR code, as segno draws it


def test_it_prints_an_a4_pdf(world: World, inspector: User) -> None:
    response = client_for(inspector).get(poster_url(world, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"STSong-Light" in response.content
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in response.content  # A4 in points


def test_the_qr_code_holds_the_absolute_address_of_the_report_form(world: World) -> None:
    url = "https://parks.example.cn/q/abc"
    facts = posters.PosterFacts("Centre", "Donghu Park", "Z03", "Lakeshore", url)
    assert facts.short_url == "parks.example.cn/q/abc"
    assert posters._qr(url).designator  # a symbol segno could encode
    assert posters.poster_pdf(facts).startswith(b"%PDF")
    ET.fromstring(posters.poster_svg(facts))  # noqa: S314 (our own poster, in a test)


@pytest.mark.parametrize("kind", ["svg", "pdf"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(world: World, kind: str) -> None:
    response = client_for(None).get(poster_url(world, kind))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("kind", ["svg", "pdf"])
def test_a_providers_staff_may_not_print_posters(
    world: World, provider_a_user: User, kind: str
) -> None:
    assert client_for(provider_a_user).get(poster_url(world, kind)).status_code == 403


def test_an_unknown_zone_is_not_found(world: World, manager: User) -> None:
    assert client_for(manager).get("/zones/999999/poster.svg").status_code == 404


def test_the_park_page_links_each_zones_poster_for_centre_staff(
    world: World, manager: User, provider_a_user: User
) -> None:
    url = reverse("parks:park_detail", kwargs={"pk": world.park.pk})
    page = client_for(manager).get(url).content.decode()
    for zone in world.zones:
        assert reverse("public:poster_pdf", kwargs={"pk": zone.pk}) in page
    other: Any = client_for(provider_a_user).get(url)
    assert "poster.pdf" not in other.content.decode()
