"""The field app end to end in a real browser (Debian's Chromium through Playwright): an
inspection done with the network off, sent when it comes back — once, however often it is sent.
"""

import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Route, expect

from conftest import World, screenshot
from parkpact import testing
from parkpact.core.models import IdempotencyRecord, Role
from parkpact.inspections.models import Evidence, Finding, Inspection, RectificationOrder
from parkpact.inspections.tests.test_submission import INSIDE, make_visit

pytestmark = pytest.mark.browser


def photo_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_inspection_done_offline_is_sent_once_when_the_network_returns(
    browser: Browser, live_server: Any, world: World
) -> None:
    server = str(live_server)
    inspector = testing.make_user(Role.INSPECTOR, "field-inspector")
    visit = make_visit(world.contract_a, world.zones[0], inspector)
    context = browser.new_context(
        locale="en-US",
        timezone_id="Europe/Berlin",  # the app shows times in the centre's zone all the same
        viewport={"width": 412, "height": 900},
        geolocation={"longitude": INSIDE.longitude, "latitude": INSIDE.latitude, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()

    # Sign in through the normal login page, which sends the inspector back to the app.
    page.goto(f"{server}/field/")
    page.fill("#id_username", "field-inspector")
    page.fill("#id_password", testing.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    card = page.locator(f"[data-visit='{visit.uuid}']")
    expect(card).to_contain_text(world.zones[0].name)
    window = timezone.localtime(visit.window_start).strftime("%I:%M")  # Asia/Shanghai
    expect(card).to_contain_text(window.lstrip("0"))
    # The zones to visit are also on a map, drawn with no tiles from anywhere.
    page.get_by_role("button", name="Map").click()
    expect(page.locator("#visit-map path.leaflet-interactive")).to_have_count(1)
    assert page.locator(".leaflet-tile").count() == 0
    screenshot(page, "field-map")
    page.get_by_role("button", name="List").click()

    # The service worker has cached the app before the network goes.
    page.wait_for_function("navigator.serviceWorker.ready.then(r => !!r.active)", timeout=15_000)
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=15_000)

    context.set_offline(True)
    # With no network at all the app still opens, from the service worker's cache.
    page.reload()
    expect(page.locator("#network")).to_have_text("Offline")
    expect(card).to_be_visible()
    card.get_by_role("button", name="Inspect").click()
    page.get_by_role("button", name="Start inspection").click()
    expect(page.locator("#start-status")).to_contain_text("Position recorded")

    passing = page.locator("[data-standard='CL-01']")
    failing = page.locator("[data-standard='CL-02']")
    passing.get_by_text("Pass", exact=True).click()
    failing.get_by_text("Fail", exact=True).click()
    failing.locator("textarea").fill("Bottles and paper under the bench")
    failing.locator("input[type=file]").set_input_files(
        {"name": "IMG_0042.png", "mimeType": "image/png", "buffer": photo_png()}
    )
    expect(failing).to_contain_text("Photos: 1")
    screenshot(page, "field-checklist")
    page.get_by_role("button", name="Finish and submit").click()

    waiting = page.locator("#waiting")
    expect(waiting).to_have_text("1 waiting to send")
    expect(card).to_contain_text("Waiting to send")
    screenshot(page, "field-waiting")
    assert not Inspection.objects.filter(status=Inspection.Status.SUBMITTED).exists()

    # The first answer is lost on the way back (the server did the work), so the app retries.
    lost: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if not lost:
            route.fetch()  # the server receives and records the submission…
            lost.append(route.request.headers.get("idempotency-key", ""))
            route.abort("internetdisconnected")  # …but the app never hears back
        else:
            route.continue_()

    context.route("**/api/v1/field/visits/*/submission", lose_first_answer)
    context.set_offline(False)
    expect(waiting).to_have_attribute("data-count", "0", timeout=30_000)
    expect(waiting).to_have_text("Nothing waiting to send")
    screenshot(page, "field-sent")
    assert len(lost) == 1 and lost[0]

    visit.refresh_from_db()
    assert visit.status == Inspection.Status.SUBMITTED
    assert not visit.needs_review
    assert Inspection.objects.filter(status=Inspection.Status.SUBMITTED).count() == 1
    failed = Finding.objects.get(result=Finding.Result.FAIL)
    assert failed.standard.code == "CL-02"
    assert failed.note == "Bottles and paper under the bench"
    assert Finding.objects.count() == 2
    assert RectificationOrder.objects.count() == 1
    evidence = Evidence.objects.get()
    assert evidence.finding == failed
    assert evidence.content_type == "image/png"
    # One record per request the app made: the submission (sent twice, done once) and the photo.
    assert IdempotencyRecord.objects.count() == 2
    assert IdempotencyRecord.objects.filter(key=lost[0]).exists()
    context.close()
