"""The QR report form end to end on a phone-sized screen, in Debian's Chromium (Playwright)."""

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from conftest import World, screenshot
from parkpact import testing
from parkpact.servicerequests.models import RequestPhoto, ServiceRequest

pytestmark = pytest.mark.browser


def test_a_visitor_scans_the_code_reports_with_a_photo_and_gets_a_tracking_code(
    browser: Browser, live_server: Any, world: World
) -> None:
    zone = world.zones[0]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server}/q/{zone.qr_token}")
    # Chinese first (the centre's language); the visitor switches to English.
    expect(page.locator("[data-place]")).to_contain_text(f"{zone.code} {zone.name}")
    expect(page.get_by_text("垃圾杂物")).to_be_visible()
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", name="What is the problem?")).to_be_visible()
    screenshot(page, "public-report-services")

    page.locator("[data-service='litter']").click()
    expect(page.get_by_role("heading", name="Litter")).to_be_visible()
    expect(page.locator("input[name=website]")).not_to_be_in_viewport()
    page.get_by_label("What is wrong?").fill("Bottles and paper under the bench")
    page.get_by_label("How much is there?").select_option("pile")
    page.locator("input[name=photo]").set_input_files(
        {
            "name": "IMG_0042.jpg",
            "mimeType": "image/jpeg",
            "buffer": testing.photo_bytes("JPEG", exif=testing.gps_exif(118.6005, 24.9305)),
        }
    )
    page.get_by_label("Phone").fill("138 0000 0000")
    screenshot(page, "public-report-form")
    page.get_by_role("button", name="Send the report").click()

    code = page.locator("[data-tracking-code]")
    expect(code).to_be_visible()
    report = ServiceRequest.objects.get()
    expect(code).to_have_text(report.tracking_code)
    expect(page.locator("[data-new-report]")).to_contain_text("Keep this code")
    expect(page.locator("[data-status]")).to_have_text("Submitted")
    # The photo shows, from its EXIF-free copy; the phone number does not.
    photo = RequestPhoto.objects.get(request=report)
    image = page.locator(f"img[src='/photos/{photo.uuid}.jpg']")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == photo.width
    assert "138 0000 0000" not in page.content()
    screenshot(page, "public-report-tracking")
    assert report.provider == world.provider_a
    context.close()
