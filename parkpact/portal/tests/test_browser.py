"""The portal as a newcomer finds it, on a phone, in Debian's Chromium (Playwright)."""

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from conftest import World, screenshot
from parkpact.core.models import User

from .helpers import populate

pytestmark = pytest.mark.browser


def test_a_newcomer_opens_the_portal_and_sees_the_charts_and_the_map(
    browser: Browser, live_server: Any, world: World, manager: User
) -> None:
    populate(world, manager, size=2)
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server}/")
    expect(page.locator("[data-sign-in]")).to_be_attached()
    expect(page.locator("[data-figure=reports]")).to_have_text("9")
    screenshot(page, "portal-home")

    page.locator("main a[href='/portal/requests/']").last.click()
    expect(page.get_by_role("heading", name="Public reports")).to_be_visible()
    # The heat map: ECharts drew a canvas of some size.
    canvas = page.locator("#requests-heatmap canvas")
    expect(canvas).to_be_attached()
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")
    # The map: the zones with reports as polygons, and the points outside any zone, no tiles.
    expect(page.locator("#requests-map path.leaflet-interactive").first).to_be_attached()
    assert page.locator("#requests-map path.leaflet-interactive").count() >= 3
    assert page.locator(".leaflet-tile").count() == 0
    screenshot(page, "portal-requests")

    page.goto(f"{live_server}/portal/inspections/")
    expect(page.locator("#inspections-chart canvas")).to_be_attached()
    context.close()
