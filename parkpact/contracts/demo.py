"""The demo's contracts: Donghu Park's sanitary cleaning (洁美环境) and security (安泰保安),
both in force for 2026–2027, with the standards, pay bands and clauses the centre uses, and one
approved amendment that raised the cleaning fee from 1 July 2026.

Everything goes through the contract services, as a manager would do it: draft, add the terms,
activate; the amendment is drafted by ``manager`` and approved by ``manager2`` (four eyes).
``seed`` is idempotent: contracts are found by number; the amendment is made only once.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from parkpact.core.models import User
from parkpact.parks.models import Zone
from parkpact.providers.models import Provider

from .models import Clause, Contract, PayBand, PerformanceStandard
from .services import (
    activate_contract,
    approve_amendment,
    create_contract,
    draft_amendment,
    save_term_part,
    update_version,
)

Method = PerformanceStandard.Method
Source = PerformanceStandard.Source
Party = Clause.Party

START = date(2026, 1, 1)
END = date(2027, 12, 31)
RETENTION = Decimal("0.05")

# ≥ 95 paid in full plus a 2 % bonus; 90–95 paid in full; below 90 in proportion to the score.
PAY_BANDS: list[dict[str, Any]] = [
    {
        "min_score": Decimal(95),
        "max_score": Decimal(100),
        "payment_factor": Decimal(1),
        "proportional": False,
        "bonus_rate": Decimal("0.02"),
    },
    {
        "min_score": Decimal(90),
        "max_score": Decimal(95),
        "payment_factor": Decimal(1),
        "proportional": False,
        "bonus_rate": Decimal(0),
    },
    {
        "min_score": Decimal(0),
        "max_score": Decimal(90),
        "payment_factor": None,
        "proportional": True,
        "bonus_rate": Decimal(0),
    },
]


def _standard(
    code: str,
    name: str,
    measurement: str,
    target: str,
    *,
    aql: int,
    method: str,
    source: str,
    weight: int,
    points: str,
    cap: int,
    kinds: tuple[str, ...] = (),
    hours: int = 24,
    unit: str = "",
    limit: str | None = None,
    rule: str = PerformanceStandard.Rule.PER_OCCURRENCE,
) -> dict[str, Any]:
    return {
        "source": source,
        "rule": rule,
        "zone_kinds": list(kinds),
        "rectification_hours": hours,
        "unit": unit,
        "limit_value": Decimal(limit) if limit is not None else None,
        "code": code,
        "name": name,
        "measurement": measurement,
        "target": target,
        "acceptable_quality_level": Decimal(aql),
        "method": method,
        "weight": Decimal(weight),
        "points_per_occurrence": Decimal(points),
        "monthly_cap": Decimal(cap),
    }


CLEANING_STANDARDS = [
    _standard(
        "CL-01",
        "园路、广场、草坪及水面可见垃圾",
        "质检员按监管计划随机抽取区域，在每个抽中区域内随机选定不少于 100 m² 的样方，清点可见垃圾"
        "（烟头、纸屑、塑料袋、果皮、堆积落叶等），折算为每 100 m² 的件数；水面区域清点漂浮物。"
        "每个不合格样方记一次。",
        "每 100 m² 可见垃圾不超过 2 件，水面无成片漂浮物",
        aql=95,
        method=Method.RANDOM_SAMPLE,
        source=Source.INSPECTIONS,
        weight=30,
        points="1",
        cap=30,
        kinds=("plaza", "path", "lawn", "lakeshore", "playground", "parking", "woodland", "water"),
        hours=2,
        unit="件/100 m²",
    ),
    _standard(
        "CL-02",
        "公厕卫生达到 GB/T 17217 一类公厕要求",
        "质检员每日检查每座公厕：计数成蝇和蝇蛆，按臭味强度分级评定臭味，检查地面、便器、洗手台、"
        "通风和照明。每次不合格检查记一次。",
        "无成蝇、无蝇蛆，臭味强度不超过 1 级",
        aql=95,
        method=Method.PERIODIC,
        source=Source.INSPECTIONS,
        weight=15,
        points="2",
        cap=15,
        kinds=("toilet",),
        hours=4,
    ),
    _standard(
        "CL-03",
        "公厕氨气浓度",
        "公厕内的氨气（NH₃）传感器每 5 分钟上报一次读数，按小时均值判定；每出现一个超标小时记一次。",
        "NH₃ 小时均值 ≤ 0.3 mg/m³",
        aql=95,
        method=Method.SENSOR,
        source=Source.SENSORS,
        weight=10,
        points="1",
        cap=10,
        kinds=("toilet",),
        hours=4,
        unit="mg/m³",
        limit="0.3",
    ),
    _standard(
        "CL-04",
        "垃圾桶在满溢前清空",
        "每个垃圾桶的满溢度传感器持续上报填充率；填充率达到 80% 时系统提醒保洁员，达到 90% 即记一次"
        "未及时清运。",
        "在填充率达到 90% 之前清空",
        aql=95,
        method=Method.SENSOR,
        source=Source.SENSORS,
        weight=15,
        points="0.5",
        cap=15,
        hours=2,
    ),
    _standard(
        "CL-05",
        "群众反映的垃圾 30 分钟内清理",
        "游客通过区域二维码或 Open311 反映的垃圾问题，经质检员核实后，从派单时起计时至保洁员上传"
        "处置照片；超过 30 分钟的记一次。",
        "派单后 30 分钟内清理完毕",
        aql=95,
        method=Method.VALIDATED_COMPLAINTS,
        source=Source.SLA,
        weight=10,
        points="2",
        cap=10,
    ),
    _standard(
        "CL-06",
        "整改通知单按期整改",
        "逐一核查本月到期的全部整改通知单，比较复查合格时间与整改期限；逾期整改的每单记一次。",
        "全部整改通知单在期限内复查合格",
        aql=100,
        method=Method.FULL_CHECK,
        source=Source.RECTIFICATION,
        weight=10,
        points="3",
        cap=10,
    ),
    _standard(
        "CL-07",
        "经核实的群众有效投诉",
        "经质检员核实、属承包方责任的保洁类群众投诉，每件扣 2 分，每月最多扣 10 分。",
        "无有效投诉",
        aql=100,
        method=Method.VALIDATED_COMPLAINTS,
        source=Source.COMPLAINTS,
        weight=10,
        points="2",
        cap=10,
    ),
]

SECURITY_STANDARDS = [
    _standard(
        "SE-01",
        "巡更点按轮次全部扫码",
        "重点区域（南大门、文化广场、儿童游乐场、环湖亲水带、停车场）每 2 小时巡逻一轮；系统逐一核对"
        "每一轮次每个巡更点的扫码记录（100% 检查），每漏扫一个巡更点记一次，扣 0.1 分，每月最多扣 20 分。",
        "每轮巡更 100% 巡更点扫码",
        aql=100,
        method=Method.FULL_CHECK,
        source=Source.PATROLS,
        weight=40,
        points="0.1",
        cap=20,
    ),
    _standard(
        "SE-02",
        "接报后 5 分钟内到场",
        "对本月全部报警和事件，以系统接报时间与保安员到场扫码或定位时间之差计算响应时间；超过 5 分钟"
        "的每起记一次。",
        "接报后 5 分钟内到达现场",
        aql=95,
        method=Method.FULL_CHECK,
        source=Source.INCIDENTS,
        weight=30,
        points="3",
        cap=30,
    ),
    _standard(
        "SE-03",
        "消防器材完好有效",
        "每月定期检查园内全部灭火器和消火栓（压力、铅封、有效期、取用通道），完好数除以总数为完好率；"
        "每件不合格器材记一次。",
        "消防器材完好率 ≥ 98%",
        aql=98,
        method=Method.PERIODIC,
        source=Source.INSPECTIONS,
        weight=20,
        points="2",
        cap=20,
        kinds=("plaza", "playground", "woodland", "parking", "toilet"),
    ),
    _standard(
        "SE-04",
        "经核实的群众有效投诉",
        "经质检员核实、属承包方责任的安保类群众投诉（如执勤态度恶劣、未制止危险行为），每件扣 2 分，"
        "每月最多扣 10 分。",
        "无有效投诉",
        aql=100,
        method=Method.VALIDATED_COMPLAINTS,
        source=Source.COMPLAINTS,
        weight=10,
        points="2",
        cap=10,
    ),
]


def _clause(number: str, title: str, text: str, party: str, legal_basis: str) -> dict[str, Any]:
    return {
        "number": number,
        "title": title,
        "text": text,
        "responsible_party": party,
        "legal_basis": legal_basis,
    }


def _closing_clauses(first: int, monitoring: str) -> list[dict[str, Any]]:
    """The clauses both contracts share: monitoring, payment, changes, termination, disputes."""
    texts = [
        (
            "履约监管与考核",
            monitoring
            + "每月汇总形成考核得分。随机抽样所用随机种子的哈希值在考核期开始前公布，种子在期末公开，"
            "供双方复核抽样结果。",
            Party.CENTRE,
            "《中华人民共和国政府采购法实施条例》第四十五条",
        ),
        (
            "考核结果与服务费支付",
            "月度考核得分 95 分及以上的，全额支付当月服务费并另付 2% 奖励；90 分（含）至 95 分的，全额"
            "支付；低于 90 分的，按得分 ÷ 100 的比例支付。每期支付时预留 5% 作为质量保证金，合同期满"
            "考核合格后无息退还。",
            Party.CENTRE,
            "《中华人民共和国政府采购法》第四十三条；《中华人民共和国民法典》第五百零九条、第五百七十七条",
        ),
        (
            "考核异议",
            "乙方对月度考核结果有异议的，可在收到考核结果后 5 个工作日内提出申诉并附证据，甲方在 10 个"
            "工作日内复核并书面答复。",
            Party.BOTH,
            "《中华人民共和国民法典》第五百零九条",
        ),
        (
            "合同变更",
            "服务费、履约标准和支付档次的调整须经双方协商一致，以书面补充协议确定，经起草人以外的甲方"
            "合同管理人员审批后自约定日期起生效；变更前的条款继续适用于生效日之前的履约期间。",
            Party.BOTH,
            "《中华人民共和国政府采购法》第四十九条、第五十条；《中华人民共和国民法典》第五百四十三条",
        ),
        (
            "合同解除",
            "乙方连续三个月考核得分低于 75 分的，甲方有权书面通知解除合同，并按约定扣除质量保证金；"
            "给甲方造成损失的，乙方应予赔偿。",
            Party.BOTH,
            "《中华人民共和国民法典》第五百六十二条第二款、第五百六十六条",
        ),
        (
            "合同公开",
            "甲方自合同签订之日起 2 个工作日内在省级以上财政部门指定媒体公告本合同，并公开月度考核结果。",
            Party.CENTRE,
            "《中华人民共和国政府采购法实施条例》第五十条",
        ),
        (
            "争议解决",
            "因本合同引起的争议，双方协商解决；协商不成的，任何一方可向泉州市丰泽区人民法院提起诉讼。",
            Party.BOTH,
            "《中华人民共和国民法典》合同编；《中华人民共和国民事诉讼法》第三十五条",
        ),
    ]
    return [
        _clause(str(number), title, text, party, basis)
        for number, (title, text, party, basis) in enumerate(texts, start=first)
    ]


CLEANING_CLAUSES = [
    _clause(
        "1",
        "服务范围与内容",
        "乙方负责东湖公园合同范围内全部区域（水面、亲水带、环湖步道、草坪、林地、广场、儿童游乐场、"
        "停车场和公厕）的日常清扫保洁、垃圾收集清运、公厕保洁和水面漂浮物打捞，每日 06:00—22:00 "
        "连续作业，重大节假日和大型活动期间增派人员。",
        Party.PROVIDER,
        "《中华人民共和国政府采购法》第二条；《政府购买服务管理办法》（财政部令第 102 号）",
    ),
    _clause(
        "2",
        "服务标准",
        "乙方应达到本合同所列各项履约标准。公厕卫生按 GB/T 17217-2021《城市公共厕所卫生规范》一类"
        "公厕执行：无成蝇、无蝇蛆，臭味强度不超过 1 级，氨浓度不超过 0.3 mg/m³。",
        Party.PROVIDER,
        "GB/T 17217-2021《城市公共厕所卫生规范》；《城市市容和环境卫生管理条例》",
    ),
    _clause(
        "3",
        "整改",
        "质检员发现不合格项的，开具整改通知单并注明整改期限；乙方应在期限内整改完毕并上传整改照片，"
        "由质检员复查。逾期未整改的，甲方可另行安排他人整改，费用由乙方承担。",
        Party.PROVIDER,
        "《中华人民共和国民法典》第五百七十七条、第五百八十一条",
    ),
    _clause(
        "4",
        "安全生产与劳动用工",
        "乙方应依法与作业人员签订劳动合同、缴纳社会保险，按时足额支付不低于当地最低工资标准的工资；"
        "作业人员穿着反光工作服，水面作业必须穿救生衣。",
        Party.PROVIDER,
        "《中华人民共和国劳动合同法》；《中华人民共和国安全生产法》；《保障农民工工资支付条例》",
    ),
    *_closing_clauses(
        5,
        "甲方按监管计划以随机抽样、定期检查、100% 检查、传感器监测和经核实的群众投诉监督乙方履约，",
    ),
]

SECURITY_CLAUSES = [
    _clause(
        "1",
        "服务范围与内容",
        "乙方负责东湖公园全园的安全巡逻、出入口秩序维护、监控值守、突发事件先期处置和消防器材日常"
        "检查，实行 24 小时值守。",
        Party.PROVIDER,
        "《中华人民共和国政府采购法》第二条；《保安服务管理条例》",
    ),
    _clause(
        "2",
        "保安员资格",
        "乙方派驻人员须持有公安机关核发的保安员证，经岗前培训合格后上岗；项目保安队长须具有三年以上"
        "保安工作经历。",
        Party.PROVIDER,
        "《保安服务管理条例》第十六条",
    ),
    _clause(
        "3",
        "巡逻与值守",
        "重点区域（南大门、文化广场、儿童游乐场、环湖亲水带、停车场）每 2 小时巡逻一轮，每轮须在每个"
        "巡更点扫码；22:00 至次日 06:00 每轮两人同行。",
        Party.PROVIDER,
        "《保安服务管理条例》；《企业事业单位内部治安保卫条例》",
    ),
    _clause(
        "4",
        "突发事件处置",
        "接到报警或系统派单后，保安员应在 5 分钟内到达现场先期处置，并及时报告甲方和公安、消防等部门；"
        "落水、儿童走失等事件按应急预案处置。",
        Party.PROVIDER,
        "《中华人民共和国突发事件应对法》；《保安服务管理条例》",
    ),
    _clause(
        "5",
        "消防安全",
        "乙方每月检查园内灭火器和消火栓并记录，发现损坏或过期的立即报告并更换，确保消防器材完好有效、"
        "消防通道畅通。",
        Party.PROVIDER,
        "《中华人民共和国消防法》第十六条",
    ),
    *_closing_clauses(
        6,
        "甲方以巡更扫码记录的 100% 核对、事件响应时间的 100% 核对、消防器材定期检查和经核实的群众"
        "投诉监督乙方履约，",
    ),
]

CONTRACTS: list[dict[str, Any]] = [
    {
        "key": "cleaning",
        "provider": "cleaning",
        "number": "QZGY-2026-001",
        "title": "东湖公园环境卫生保洁服务",
        "service_kind": Contract.ServiceKind.CLEANING,
        "signed_on": date(2025, 12, 18),
        "monthly_fee": Decimal("168000.00"),
        "standards": CLEANING_STANDARDS,
        "clauses": CLEANING_CLAUSES,
    },
    {
        "key": "security",
        "provider": "security",
        "number": "QZGY-2026-002",
        "title": "东湖公园安保服务",
        "service_kind": Contract.ServiceKind.SECURITY,
        "signed_on": date(2025, 12, 22),
        "monthly_fee": Decimal("96000.00"),
        "standards": SECURITY_STANDARDS,
        "clauses": SECURITY_CLAUSES,
    },
]

AMENDMENT_FROM = date(2026, 7, 1)
AMENDED_CLEANING_FEE = Decimal("173040.00")
AMENDMENT_REASON = (
    "福建省上调最低工资标准，保洁作业人员人工成本相应增加。经双方协商一致，自 2026 年 7 月 1 日起"
    "月服务费由 168,000.00 元调整为 173,040.00 元（上调 3%），其他条款不变。"
)


def _sign(spec: dict[str, Any], *, provider: Provider, zones: list[Zone], by: User) -> Contract:
    """Draft a contract, add its terms and put it in force."""
    contract = create_contract(
        by=by,
        provider=provider,
        zones=zones,
        monthly_fee=spec["monthly_fee"],
        retention_rate=RETENTION,
        number=spec["number"],
        title=spec["title"],
        service_kind=spec["service_kind"],
        start_date=START,
        end_date=END,
        signed_on=spec["signed_on"],
    )
    version = contract.versions.get(number=1)
    for standard in spec["standards"]:
        save_term_part(part=PerformanceStandard(version=version, **standard), by=by)
    for band in PAY_BANDS:
        save_term_part(part=PayBand(version=version, **band), by=by)
    for clause in spec["clauses"]:
        save_term_part(part=Clause(version=version, **clause), by=by)
    return activate_contract(contract=contract, by=by)


def _raise_cleaning_fee(contract: Contract, *, drafted_by: User, approved_by: User) -> None:
    amendment = draft_amendment(
        contract=contract, by=drafted_by, reason=AMENDMENT_REASON, effective_from=AMENDMENT_FROM
    )
    update_version(version=amendment.version, by=drafted_by, monthly_fee=AMENDED_CLEANING_FEE)
    approve_amendment(
        amendment=amendment, by=approved_by, note="经中心主任办公会研究同意，报财务备案。"
    )


def seed(context: dict[str, Any]) -> None:
    """Sign Donghu's cleaning and security contracts, covering every zone of the park.

    Adds ``context["contracts"]`` by key (``cleaning``, ``security``).
    """
    manager: User = context["users"]["manager"]
    donghu = context["parks"]["donghu"]
    zones = [zone for zone in context["zones"].values() if zone.park_id == donghu.pk]
    contracts = context.setdefault("contracts", {})
    for spec in CONTRACTS:
        contract = Contract.objects.filter(number=spec["number"]).first()
        if contract is None:
            contract = _sign(
                spec, provider=context["providers"][spec["provider"]], zones=zones, by=manager
            )
        contracts[spec["key"]] = contract
    if not contracts["cleaning"].amendments.exists():
        _raise_cleaning_fee(
            contracts["cleaning"], drafted_by=manager, approved_by=context["users"]["manager2"]
        )
