"""The guard's page in a real browser (Debian's Chromium through Playwright): a scan made with
the network off waits in the outbox and is recorded, once, when the network returns; and the page
itself opens with no network, from its service worker's cache, with the rounds it kept."""

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from conftest import World, screenshot
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


def test_the_guard_page_opens_offline_with_its_rounds_and_sends_a_scan_once(
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
    rounds = page.locator("#rounds")
    expect(rounds).to_contain_text("Lakeside")
    expect(page.locator("#rounds-status")).to_be_empty()
    # The service worker has cached the page and its files before the network goes.
    page.wait_for_function("navigator.serviceWorker.ready.then(r => !!r.active)", timeout=15_000)
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=15_000)
    page.reload()  # online, through the worker: its copy of the page is this one
    expect(page.locator("#rounds-status")).to_be_empty()

    context.set_offline(True)
    page.reload()  # with no network at all the page opens from the worker's cache
    expect(page.locator("#rounds-status")).to_contain_text("Offline — showing rounds as of")
    expect(rounds).to_contain_text("Lakeside")
    expect(rounds.locator("li")).to_have_count(len(ground.checkpoints))
    expect(rounds.locator("li").first).to_have_text(str(checkpoint))
    screenshot(page, "guard-offline")

    page.fill("#id_token", checkpoint.token)
    page.get_by_role("button", name="Record the scan").click()
    expect(page.locator("#scan-status")).to_contain_text("1 scan(s) waiting to be sent")
    assert not CheckpointScan.objects.exists()

    context.set_offline(False)
    expect(page.locator("#scan-status")).to_contain_text("recorded", timeout=10_000)
    # Back online, the page fetches fresh rounds: the checkpoint is ticked.
    expect(rounds.locator("li").first).to_have_text(f"{checkpoint} ✓", timeout=10_000)
    expect(page.locator("#rounds-status")).to_be_empty()
    page.reload()  # the outbox is empty: nothing is sent again
    expect(page.locator("#scan-form")).to_be_visible()
    assert CheckpointScan.objects.filter(checkpoint=checkpoint).count() == 1
    context.close()
