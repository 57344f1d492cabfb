"""GET services.{fmt} and services/{code}.{fmt}: the catalogue of what the public can report."""

import pytest
from django.test import Client

from parkpact.servicerequests.models import Service

from .helpers import body, error_descriptions, url

pytestmark = pytest.mark.django_db


def test_it_lists_the_active_services_in_json_in_chinese_by_default() -> None:
    Service.objects.filter(code="bin_overflow").update(active=False)
    services = body(Client().get(url("service_list", "json")), "json")
    by_code = {service["service_code"]: service for service in services}
    assert "bin_overflow" not in by_code
    litter = by_code["litter"]
    assert set(litter) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert litter["service_name"] == "垃圾杂物"
    assert litter["metadata"] is True  # it asks how much litter there is
    assert by_code["safety"]["metadata"] is False
    assert litter["type"] == "realtime"


def test_it_speaks_english_when_asked() -> None:
    services = body(
        Client().get(url("service_list", "json"), headers={"accept-language": "en"}), "json"
    )
    litter = next(service for service in services if service["service_code"] == "litter")
    assert litter["service_name"] == "Litter"
    assert litter["group"] == "Sanitary cleaning"


def test_it_lists_the_services_in_xml() -> None:
    root = body(Client().get(url("service_list", "xml")), "xml")
    assert root.tag == "services"
    litter = next(s for s in root.findall("service") if s.findtext("service_code") == "litter")
    assert litter.findtext("metadata") == "true"
    assert litter.findtext("type") == "realtime"
    assert litter.findtext("group")


def test_it_defines_a_service_s_attributes_in_json() -> None:
    definition = body(Client().get(url("service", "json", code="toilet")), "json")
    assert definition["service_code"] == "toilet"
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "problem"
    assert attribute["datatype"] == "multivaluelist"
    assert attribute["required"] is True and attribute["variable"] is True
    assert {"key": "smell", "name": "异味"} in attribute["values"]


def test_it_defines_a_service_s_attributes_in_xml_under_either_path() -> None:
    for path in ("/open311/v2/services/litter.xml", "/open311/v2/service/litter.xml"):
        root = body(Client().get(path), "xml")
        assert root.tag == "service_definition"
        attribute = root.find("attributes/attribute")
        assert attribute is not None
        assert attribute.findtext("code") == "amount"
        assert attribute.findtext("datatype") == "singlevaluelist"
        assert attribute.findtext("required") == "false"
        assert [v.findtext("key") for v in attribute.findall("values/value")] == [
            "few",
            "pile",
            "area",
        ]


def test_an_unknown_service_is_not_found() -> None:
    for fmt in ("json", "xml"):
        response = Client().get(url("service", fmt, code="unicorns"))
        assert "unicorns" in error_descriptions(response, fmt, 404)[0]
