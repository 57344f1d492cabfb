"""The demo's companies: the cleaning contractor, the security contractor and a company that
will bid in the next tender, each with qualifications and one staff account.

Qualification dates are set relative to the day the demo is loaded, so that the provider page
always shows one qualification expiring soon (洁美's cleaning grade certificate) and one that has
expired (清源's ISO 9001 certificate). ``seed`` is idempotent: companies are found by credit code,
qualifications by kind and number, staff by username.
"""

from datetime import date, timedelta
from typing import Any

from parkpact.core.models import User

from .credit_code import complete
from .models import Provider, Qualification
from .services import add_qualification, add_staff_member, create_provider

# Each company's staff account, in the order of the logins table.
DEMO_USERNAMES = ("cleaner", "guard", "bidder")


def _companies(today: date) -> list[dict[str, Any]]:
    """The companies as plain values; ``key`` names them in the seeding context."""
    return [
        {
            "key": "cleaning",
            "fields": {
                "name": "泉州市洁美环境服务有限公司",
                "short_name": "洁美环境",
                # Registered in Fengze district (350503); the last two characters are computed.
                "credit_code": complete("91350503MA31Q8L2"),
                "address": "福建省泉州市丰泽区田安路 1208 号洁美大厦 6 层",
                "contact_name": "张海燕",
                "contact_phone": "0595-22168866",
                "email": "service@jiemei.example.com",
            },
            "staff": {
                "username": "cleaner",
                "first_name": "张海燕",
                "position": "东湖公园保洁项目经理",
            },
            "qualifications": [
                {
                    "kind": Qualification.Kind.BUSINESS_LICENCE,
                    "number": complete("91350503MA31Q8L2"),
                    "issued_by": "泉州市丰泽区市场监督管理局",
                    "valid_from": date(2015, 11, 9),
                    "valid_until": None,
                },
                {
                    # Expiring within the 60-day warning window: the renewal is due.
                    "kind": Qualification.Kind.CLEANING_GRADE,
                    "number": "FJHW-QJ-A-2023-0412",
                    "issued_by": "福建省环境卫生协会",
                    "valid_from": today + timedelta(days=45) - timedelta(days=3 * 365),
                    "valid_until": today + timedelta(days=45),
                },
                {
                    "kind": Qualification.Kind.ISO_9001,
                    "number": "00124Q31877R2M/3500",
                    "issued_by": "中国质量认证中心",
                    "valid_from": date(2024, 6, 3),
                    "valid_until": date(2027, 6, 2),
                },
                {
                    "kind": Qualification.Kind.ISO_14001,
                    "number": "00124E31205R2M/3500",
                    "issued_by": "中国质量认证中心",
                    "valid_from": date(2024, 6, 3),
                    "valid_until": date(2027, 6, 2),
                },
            ],
        },
        {
            "key": "security",
            "fields": {
                "name": "泉州市安泰保安服务有限公司",
                "short_name": "安泰保安",
                "credit_code": complete("91350500MA2Y4KF6"),
                "address": "福建省泉州市丰泽区泉秀路 356 号安泰大厦 3 层",
                "contact_name": "吴建华",
                "contact_phone": "0595-22773110",
                "email": "office@antai-security.example.com",
            },
            "staff": {
                "username": "guard",
                "first_name": "吴建华",
                "position": "东湖公园保安队长",
            },
            "qualifications": [
                {
                    "kind": Qualification.Kind.BUSINESS_LICENCE,
                    "number": complete("91350500MA2Y4KF6"),
                    "issued_by": "泉州市市场监督管理局",
                    "valid_from": date(2012, 4, 16),
                    "valid_until": None,
                },
                {
                    # Security service permits (保安服务许可证) do not expire.
                    "kind": Qualification.Kind.SECURITY_PERMIT,
                    "number": "闽公保服字 2012-0183 号",
                    "issued_by": "福建省公安厅",
                    "valid_from": date(2012, 6, 1),
                    "valid_until": None,
                },
                {
                    "kind": Qualification.Kind.ISO_45001,
                    "number": "02325S20417R1M",
                    "issued_by": "中国质量认证中心",
                    "valid_from": date(2025, 3, 10),
                    "valid_until": date(2028, 3, 9),
                },
            ],
        },
        {
            "key": "bidder",
            "fields": {
                "name": "泉州市清源物业服务有限公司",
                "short_name": "清源物业",
                "credit_code": complete("91350502MA3A9R1W"),
                "address": "福建省泉州市鲤城区温陵南路 88 号清源商务楼 9 层",
                "contact_name": "林晓峰",
                "contact_phone": "0595-22550918",
                "email": "bid@qingyuan-wy.example.com",
            },
            "staff": {
                "username": "bidder",
                "first_name": "林晓峰",
                "position": "经营部经理",
            },
            "qualifications": [
                {
                    "kind": Qualification.Kind.BUSINESS_LICENCE,
                    "number": complete("91350502MA3A9R1W"),
                    "issued_by": "泉州市鲤城区市场监督管理局",
                    "valid_from": date(2017, 8, 21),
                    "valid_until": None,
                },
                {
                    "kind": Qualification.Kind.CLEANING_GRADE,
                    "number": "FJHW-QJ-B-2024-0977",
                    "issued_by": "福建省环境卫生协会",
                    "valid_from": date(2024, 9, 1),
                    "valid_until": date(2027, 8, 31),
                },
                {
                    # Expired: a tender evaluation should notice.
                    "kind": Qualification.Kind.ISO_9001,
                    "number": "15/23Q7781R10",
                    "issued_by": "方圆标志认证集团有限公司",
                    "valid_from": today - timedelta(days=40) - timedelta(days=3 * 365),
                    "valid_until": today - timedelta(days=40),
                },
            ],
        },
    ]


def seed(context: dict[str, Any]) -> None:
    """Register the three companies (by the contract manager) and their staff accounts.

    Adds ``context["providers"]`` by key (``cleaning``, ``security``, ``bidder``) and each
    staff account to ``context["users"]`` by username.
    """
    manager: User = context["users"]["manager"]
    password: str = context["password"]
    providers = context.setdefault("providers", {})
    for company in _companies(context["today"]):
        fields = company["fields"]
        provider = Provider.objects.filter(credit_code=fields["credit_code"]).first()
        if provider is None:
            provider = create_provider(by=manager, **fields)
        for qualification in company["qualifications"]:
            held = provider.qualifications.filter(
                kind=qualification["kind"], number=qualification["number"]
            )
            if not held.exists():
                add_qualification(provider=provider, by=manager, **qualification)
        staff = dict(company["staff"])
        user = User.objects.filter(username=staff["username"]).first()
        if user is None:
            user = add_staff_member(
                provider=provider,
                username=staff.pop("username"),
                password=password,
                by=manager,
                **staff,
            ).user
        providers[company["key"]] = provider
        context["users"][user.username] = user
