"""The guard's page in a real browser (Debian's Chromium through Playwright): a scan made with
the network off waits in the outbox and is recorded, once, when the network returns."""

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from conftest import World
from parkpact import testing
from parkpact.patrols.models import CheckpointScan

from .helpers import make_ground, open_round_now

pytestmark = pytest.mark.browser


def test_a_scan_made_offline_is_sent_once_when_the_network_returns(
    browser: Browser, live_server: Any, world: World
) -> None:
    guard = testing.make_provider_user(world.provider_b)
    ground = make_ground(world)
    open_round_now(ground)
    checkpoint = ground.checkpoints[0]
    context = browser.new_context(locale="en-US", viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/patrols/guard/")
    page.fill("#id_username", guard.username)
    page.fill("#id_password", testing.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#scan-form")).to_be_visible()

    context.set_offline(True)
    page.fill("#id_token", checkpoint.token)
    page.get_by_role("button", name="Record the scan").click()
    expect(page.locator("#scan-status")).to_contain_text("waiting to be sent")
    assert not CheckpointScan.objects.exists()

    context.set_offline(False)
    expect(page.locator("#scan-status")).to_contain_text("recorded", timeout=10_000)
    page.reload()  # the outbox is empty: nothing is sent again
    expect(page.locator("#scan-form")).to_be_visible()
    assert CheckpointScan.objects.filter(checkpoint=checkpoint).count() == 1
    context.close()
