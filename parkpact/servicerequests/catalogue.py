"""The service catalogue every installation starts with: what the public can report, who
answers it and how fast. A data migration loads it; admins change it in /admin/ afterwards.

Times are hours: (to acknowledge, to resolve). They follow the Donghu cleaning and security
contracts: litter within 2 hours of a report, a toilet within 1, a safety matter at once.
"""

from typing import Any

# code, kind, (ack, resolve) hours, name zh, name en, description zh, description en,
# keywords, attributes
SERVICES: list[dict[str, Any]] = [
    {
        "code": "litter",
        "kind": "cleaning",
        "hours": (1, 4),
        "name_zh": "垃圾杂物",
        "name_en": "Litter",
        "description_zh": "地面、草坪或水面上的垃圾、落叶堆积",
        "description_en": "Litter or piled leaves on paths, lawns or water",
        "keywords": "垃圾,litter,rubbish,leaves",
        "attributes": [
            {
                "code": "amount",
                "datatype": "singlevaluelist",
                "required": False,
                "description_zh": "大概有多少？",
                "description_en": "How much is there?",
                "values": [
                    {"key": "few", "name_zh": "零星几件", "name_en": "A few items"},
                    {"key": "pile", "name_zh": "成堆", "name_en": "A pile"},
                    {"key": "area", "name_zh": "大片区域", "name_en": "A whole area"},
                ],
            }
        ],
    },
    {
        "code": "bin_overflow",
        "kind": "cleaning",
        "hours": (1, 2),
        "name_zh": "垃圾桶满溢",
        "name_en": "Overflowing bin",
        "description_zh": "垃圾桶已满或溢出",
        "description_en": "A litter bin that is full or overflowing",
        "keywords": "垃圾桶,bin,overflow",
        "attributes": [],
    },
    {
        "code": "toilet",
        "kind": "cleaning",
        "hours": (1, 2),
        "name_zh": "公厕不洁",
        "name_en": "Dirty toilet",
        "description_zh": "公厕脏、臭，或缺少纸巾、洗手液",
        "description_en": "A toilet that is dirty, smells, or lacks paper or soap",
        "keywords": "厕所,公厕,toilet,smell",
        "attributes": [
            {
                "code": "problem",
                "datatype": "multivaluelist",
                "required": True,
                "description_zh": "有什么问题？",
                "description_en": "What is wrong?",
                "values": [
                    {"key": "dirty", "name_zh": "地面或便器脏", "name_en": "Dirty floor or bowl"},
                    {"key": "smell", "name_zh": "异味", "name_en": "Bad smell"},
                    {"key": "paper", "name_zh": "缺纸巾", "name_en": "No paper"},
                    {"key": "soap", "name_zh": "缺洗手液", "name_en": "No soap"},
                    {"key": "blocked", "name_zh": "堵塞", "name_en": "Blocked"},
                ],
            }
        ],
    },
    {
        "code": "broken_facility",
        "kind": "centre",
        "hours": (24, 120),
        "name_zh": "设施损坏",
        "name_en": "Broken facility",
        "description_zh": "座椅、路灯、指示牌、护栏等损坏",
        "description_en": "A broken bench, light, sign or railing",
        "keywords": "损坏,座椅,路灯,broken,bench,light",
        "attributes": [
            {
                "code": "facility",
                "datatype": "string",
                "required": False,
                "description_zh": "哪件设施？",
                "description_en": "Which facility?",
                "datatype_description_zh": "例如：湖边第三张座椅",
                "datatype_description_en": "e.g. the third bench by the lake",
            }
        ],
    },
    {
        "code": "safety",
        "kind": "security",
        "hours": (1, 4),
        "name_zh": "安全隐患",
        "name_en": "Safety concern",
        "description_zh": "危险区域、可疑物品、消防通道堵塞等",
        "description_en": "A hazard, a suspicious object, a blocked fire lane",
        "keywords": "安全,危险,safety,hazard",
        "attributes": [],
    },
    {
        "code": "noise_disorder",
        "kind": "security",
        "hours": (1, 4),
        "name_zh": "噪音扰民或秩序混乱",
        "name_en": "Noise or disorder",
        "description_zh": "噪音、争吵、违规经营、乱停车等",
        "description_en": "Noise, quarrels, unlicensed trading, illegal parking",
        "keywords": "噪音,秩序,noise,disorder",
        "attributes": [],
    },
    {
        "code": "lost_person",
        "kind": "security",
        "hours": (1, 2),
        "name_zh": "走失人员",
        "name_en": "Lost person",
        "description_zh": "走失的儿童或老人（紧急情况请拨打 110）",
        "description_en": "A lost child or elderly person (in an emergency call 110)",
        "keywords": "走失,儿童,lost,child",
        "attributes": [
            {
                "code": "description",
                "datatype": "text",
                "required": True,
                "description_zh": "走失者的年龄、衣着",
                "description_en": "Age and clothes of the person",
            }
        ],
    },
    {
        "code": "other",
        "kind": "centre",
        "hours": (24, 72),
        "name_zh": "其他问题",
        "name_en": "Other",
        "description_zh": "以上都不是",
        "description_en": "None of the above",
        "keywords": "其他,other",
        "attributes": [],
    },
]


def load(service_model: Any, attribute_model: Any) -> None:
    """Create the services that do not exist yet (by code); never change an existing one."""
    for order, entry in enumerate(SERVICES, start=1):
        if service_model.objects.filter(code=entry["code"]).exists():
            continue
        ack, resolve = entry["hours"]
        service = service_model.objects.create(
            code=entry["code"],
            kind=entry["kind"],
            acknowledge_hours=ack,
            resolve_hours=resolve,
            name_zh=entry["name_zh"],
            name_en=entry["name_en"],
            description_zh=entry["description_zh"],
            description_en=entry["description_en"],
            keywords=entry["keywords"],
            order=order * 10,
        )
        for position, attribute in enumerate(entry["attributes"], start=1):
            attribute_model.objects.create(
                service=service,
                order=position,
                values=attribute.get("values", []),
                **{k: v for k, v in attribute.items() if k != "values"},
            )
