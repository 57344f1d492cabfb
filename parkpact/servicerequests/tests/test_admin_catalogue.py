"""The catalogue is edited in the admin site; its attributes' changes reach the ledger too."""

from django.urls import reverse

from conftest import client_for
from parkpact.core.models import AuditEvent, User
from parkpact.servicerequests.models import Service, ServiceAttribute


def test_editing_an_attribute_inline_is_written_to_the_ledger(admin: User) -> None:
    service = Service.objects.get(code="litter")
    attribute = service.attributes.get()
    url = reverse("admin:servicerequests_service_change", args=[service.pk])
    data = {
        field: getattr(service, field)
        for field in (
            "code",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "keywords",
            "kind",
            "acknowledge_hours",
            "resolve_hours",
            "order",
        )
    }
    data |= {
        "active": "on",
        "attributes-TOTAL_FORMS": "1",
        "attributes-INITIAL_FORMS": "1",
        "attributes-0-id": attribute.pk,
        "attributes-0-service": service.pk,
        "attributes-0-order": 1,
        "attributes-0-code": attribute.code,
        "attributes-0-datatype": attribute.datatype,
        "attributes-0-description_zh": "有多少垃圾？",
        "attributes-0-description_en": attribute.description_en,
        "attributes-0-values": '[{"key": "few", "name_zh": "少", "name_en": "A few"}]',
    }
    response = client_for(admin).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ServiceAttribute.objects.get(pk=attribute.pk).description_zh == "有多少垃圾？"
    event = AuditEvent.objects.get(action="serviceattribute.update")
    assert event.before["description_zh"] == "大概有多少？"
    assert event.after["description_zh"] == "有多少垃圾？"
