"""End to end in a real browser (Debian's Chromium through Playwright) on the Donghu demo."""

import os

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(live_server: object) -> str:
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return str(live_server)


def sign_in(page: Page, server: str, username: str) -> None:
    page.goto(f"{server}/workspace/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.fill("#id_username", username)
    page.fill("#id_password", "donghu2016")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("nav .navbar-brand")).to_be_visible()


def test_a_manager_reads_the_park_map_and_the_contract_in_both_languages(
    browser: Browser, demo_server: str
) -> None:
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    sign_in(page, demo_server, "manager")

    page.get_by_role("link", name="公园").first.click()
    page.get_by_role("link", name="东湖公园").first.click()
    # Every Donghu zone is drawn as a polygon on the map, with no tiles fetched from anywhere.
    expect(page.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(18)).to_be_attached()
    assert page.locator(".leaflet-tile").count() == 0
    screenshot(page, "park-zh")

    page.select_option("select[name=language]", "en")
    expect(page.get_by_role("link", name="Contracts")).to_be_visible()
    page.get_by_role("link", name="Contracts").click()
    page.get_by_role("link", name="QZGY-2026-001").click()
    expect(page.get_by_text("¥173,040.00").first).to_be_visible()
    expect(page.get_by_text("Amendment").first).to_be_visible()
    screenshot(page, "contract-en")
    page.close()


def test_a_contractor_sees_its_own_contract_and_not_the_other_company(
    browser: Browser, demo_server: str
) -> None:
    page = browser.new_page(locale="zh-CN")
    sign_in(page, demo_server, "cleaner")
    page.get_by_role("link", name="合同").first.click()
    expect(page.get_by_role("link", name="QZGY-2026-001")).to_be_visible()
    expect(page.get_by_role("link", name="QZGY-2026-002")).to_have_count(0)
    security = apps.get_model("contracts", "Contract").objects.get(number="QZGY-2026-002")
    response = page.goto(f"{demo_server}/contracts/{security.pk}/")
    assert response is not None and response.status == 404
    page.close()
