"""Which address a rate limit and the login lockout count against."""

from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from parkpact.core.ratelimit import client_address, known_client_address


def request(forwarded: str = "") -> object:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **extra)


def test_it_uses_the_connection_when_no_proxy_is_trusted() -> None:
    assert client_address(request("117.25.1.9")) == "10.0.0.1"  # type: ignore[arg-type]


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_one_proxy_it_takes_the_address_the_proxy_saw() -> None:
    # The client may write anything on the left; the proxy appends what it saw.
    assert client_address(request("1.2.3.4, 117.25.1.9")) == "117.25.1.9"  # type: ignore[arg-type]
    assert client_address(request()) == "10.0.0.1"  # type: ignore[arg-type]


@override_settings(AXES_IPWARE_PROXY_COUNT=2)
def test_behind_two_proxies_it_counts_two_from_the_right() -> None:
    assert client_address(request("117.25.1.9, 172.16.0.5")) == "117.25.1.9"  # type: ignore[arg-type]


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_a_forged_or_missing_address_is_not_passed_on() -> None:
    assert client_address(request("not-an-address")) == "10.0.0.1"  # type: ignore[arg-type]
    assert known_client_address(HttpRequest()) is None
    assert client_address(HttpRequest()) == "unknown"
