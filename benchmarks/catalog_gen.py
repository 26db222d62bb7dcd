"""A realistic, reproducible catalog for the search benchmark, and the queries people would type.

Names, summaries and descriptions are composed from the vocabulary of Guangdong's digital
government — place (city or district) + prefix + the thing an app deals with + its form
("深圳市社保卡申领服务平台", "韶关一网通办企业开办助手", "电子签章组件") — so the words, their
frequencies and their overlaps look like the real catalog's, not like random characters. Every
category, kind, city and zone appears, with some districts, maturities, licences, 信创 labels and
English names. ``live_adoptions`` follows a Zipf-like spread (most apps 0, a few up to 50), so
sorting by reuse has something to sort.

Everything comes from one seeded ``random.Random``: the same seed gives the same catalog and the
same 200 queries on every machine. ``insert_catalog`` writes the rows straight into ``apps``,
``app_labels`` (and the districts into ``regions``) with bulk Core inserts: going through the
services would take an hour at 100,000 apps and measure the services, not search.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from store.catalog import constants
from store.db import models as m
from store.regions.data import CITIES

SEED = 20260108
SLUG_PREFIX = "bench-"
MAX_ADOPTIONS = 50


# -- places ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    code: str
    name: str  # as it starts an app's name: "深圳市", "南山区"
    short: str  # as people type it: "深圳", "南山"
    name_en: str
    city_code: str
    zone: str


CITY_PLACES = tuple(
    Place(city.code, f"{city.name}市", city.name, city.name_en, city.code, city.zone) for city in CITIES
)
_ZONE_OF = {city.code: city.zone for city in CITIES}
# Real GB/T 2260 district codes of a few cities; the store only knows districts an admin added,
# so insert_catalog adds these to ``regions``.
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("440103", "荔湾区", "Liwan District"),
    ("440104", "越秀区", "Yuexiu District"),
    ("440106", "天河区", "Tianhe District"),
    ("440111", "白云区", "Baiyun District"),
    ("440113", "番禺区", "Panyu District"),
    ("440203", "武江区", "Wujiang District"),
    ("440204", "浈江区", "Zhenjiang District"),
    ("440303", "罗湖区", "Luohu District"),
    ("440304", "福田区", "Futian District"),
    ("440305", "南山区", "Nanshan District"),
    ("440306", "宝安区", "Bao'an District"),
    ("440307", "龙岗区", "Longgang District"),
    ("440402", "香洲区", "Xiangzhou District"),
    ("440507", "龙湖区", "Longhu District"),
    ("440511", "金平区", "Jinping District"),
    ("440604", "禅城区", "Chancheng District"),
    ("440605", "南海区", "Nanhai District"),
    ("440606", "顺德区", "Shunde District"),
    ("440802", "赤坎区", "Chikan District"),
    ("440803", "霞山区", "Xiashan District"),
    ("441402", "梅江区", "Meijiang District"),
    ("441403", "梅县区", "Meixian District"),
    ("441802", "清城区", "Qingcheng District"),
    ("441803", "清新区", "Qingxin District"),
)
DISTRICT_PLACES = tuple(
    Place(code, name, name[:-1], name_en, code[:4] + "00", _ZONE_OF[code[:4] + "00"])
    for code, name, name_en in DISTRICTS
)


# -- what apps deal with ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    """The thing an app deals with, the words around it, and where it belongs."""

    zh: str
    en: str
    category: str
    tags: tuple[str, ...]
    department: str  # the bureau that usually builds it


def _subjects(category: str, department: str, rows: tuple[tuple[str, str, str], ...]) -> list[Subject]:
    return [Subject(zh, en, category, tuple(tags.split()), department) for zh, en, tags in rows]


SUBJECTS: tuple[Subject, ...] = (
    *_subjects(
        "services",
        "政务服务和数据管理局",
        (
            ("社保卡申领", "Social security card application", "社保 社保卡 一网通办"),
            ("社保查询", "Social insurance lookup", "社保 查询"),
            ("社保缴费", "Social insurance payment", "社保 缴费"),
            ("医保报销", "Medical insurance reimbursement", "医保 异地就医"),
            ("医保电子凭证", "Medical insurance e-voucher", "医保 电子凭证 移动支付"),
            ("公积金提取", "Housing fund withdrawal", "公积金 提取"),
            ("公积金贷款", "Housing fund loan", "公积金 贷款"),
            ("公积金查询", "Housing fund lookup", "公积金 查询"),
            ("不动产登记", "Real estate registration", "不动产 登记 一件事"),
            ("企业开办", "Business start-up", "企业开办 营商环境 一网通办"),
            ("营业执照办理", "Business licence", "营业执照 商事登记"),
            ("户籍办理", "Household registration", "户籍 户口"),
            ("居住证办理", "Residence permit", "居住证 流动人口"),
            ("婚姻登记预约", "Marriage registration booking", "婚姻登记 预约"),
            ("出生医学证明", "Birth certificate", "出生医学证明 一件事"),
            ("低保申请", "Minimum living allowance application", "低保 社会救助"),
            ("残疾人补贴", "Disability subsidy", "残疾人 补贴申领"),
            ("养老保险待遇", "Pension benefits", "养老保险 养老金"),
            ("就业服务", "Employment services", "就业服务 招聘"),
            ("人才引进", "Talent introduction", "人才引进 人才"),
            ("食品经营许可", "Food business licence", "食品经营许可 市场监管"),
            ("非税缴纳", "Non-tax payment", "非税缴纳 统一支付"),
            ("生活缴费", "Utility payment", "生活缴费 水电气"),
            ("交通违法处理", "Traffic violation handling", "交通违法 交警"),
            ("驾驶证换证", "Driving licence renewal", "驾驶证 车驾管"),
            ("法律援助", "Legal aid", "法律援助 公共法律服务"),
            ("犬只登记", "Dog registration", "犬只登记"),
            ("预约挂号", "Hospital appointment booking", "预约挂号 医疗"),
            ("惠企政策兑现", "Business policy benefits", "惠企政策 补贴申领 营商环境"),
            ("政策查询", "Policy lookup", "政策查询"),
            ("电子证照", "Electronic licences", "电子证照 免证办"),
            ("12345热线", "12345 hotline", "12345 投诉举报"),
            ("学位申请", "School place application", "教育 入学"),
            ("积分入户", "Points-based residency", "积分入户 户籍"),
            ("退休审批", "Retirement approval", "退休审批 养老金"),
            ("出入境证件办理", "Exit-entry documents", "出入境 往来港澳通行证"),
            ("公租房申请", "Public rental housing application", "公租房 住房保障"),
            ("税费缴纳", "Tax payment", "纳税 税务"),
        ),
    ),
    *_subjects(
        "governance",
        "城市运行管理中心",
        (
            ("城市运行管理", "City operation management", "城市管理 一网统管"),
            ("网格化管理", "Grid management", "网格化 基层治理"),
            ("应急指挥", "Emergency command", "应急管理 指挥调度"),
            ("防汛防旱", "Flood and drought control", "三防 应急管理"),
            ("森林防火", "Forest fire prevention", "森林防火 监测预警"),
            ("安全生产监管", "Work safety supervision", "安全生产"),
            ("生态环境监测", "Environmental monitoring", "生态环境 监测预警"),
            ("河长制", "River chief system", "河长制 水务"),
            ("智慧交通", "Smart traffic", "交通 视频汇聚"),
            ("视频汇聚", "Video aggregation", "视频汇聚 AI识别"),
            ("市场监管", "Market supervision", "市场监管"),
            ("食品安全追溯", "Food safety traceability", "食品安全 追溯"),
            ("综合执法", "Integrated law enforcement", "综合执法"),
            ("危化品监管", "Hazardous chemicals supervision", "危化品 安全生产"),
            ("消防监管", "Fire safety supervision", "消防"),
            ("气象预警", "Weather warnings", "气象 监测预警"),
            ("渔船管理", "Fishing vessel management", "海洋渔业"),
            ("耕地保护", "Farmland protection", "自然资源 耕地"),
            ("数字孪生城市", "Digital twin city", "数字孪生 城市大脑"),
        ),
    ),
    *_subjects(
        "collaboration",
        "政府办公室",
        (
            ("公文流转", "Document workflow", "公文 OA"),
            ("OA协同办公", "OA collaboration", "OA 协同办公"),
            ("督查督办", "Supervision and follow-up", "督查督办"),
            ("会议管理", "Meeting management", "会议"),
            ("视频会议", "Video conferencing", "视频会议 粤视会"),
            ("移动办公", "Mobile office", "移动办公 粤政易"),
            ("档案管理", "Archive management", "档案"),
            ("绩效考核", "Performance appraisal", "绩效"),
            ("财务报销", "Expense reimbursement", "财务"),
            ("政府采购", "Government procurement", "政府采购"),
            ("合同管理", "Contract management", "合同"),
            ("值班管理", "Duty management", "值班"),
            ("信访事项办理", "Petition handling", "信访"),
            ("人大建议办理", "Deputies' proposals handling", "建议提案"),
        ),
    ),
    *_subjects(
        "support",
        "政务服务和数据管理局",
        (
            ("统一身份认证", "Unified identity authentication", "身份认证 单点登录"),
            ("电子签章", "Electronic seal", "电子签章 电子印章"),
            ("数据共享交换", "Data sharing and exchange", "数据共享 公共数据"),
            ("数据中台", "Data middle platform", "数据中台 公共数据"),
            ("地理信息服务", "GIS services", "地理信息 粤政图"),
            ("政务云管理", "Government cloud management", "政务云"),
            ("消息推送", "Message push", "消息推送"),
            ("统一支付", "Unified payment", "统一支付"),
            ("表单引擎", "Form engine", "低代码 表单"),
            ("流程引擎", "Workflow engine", "流程引擎 低代码"),
            ("OCR识别", "OCR recognition", "OCR AI识别"),
            ("人脸核验", "Face verification", "人脸识别 身份认证"),
            ("区块链存证", "Blockchain notarisation", "区块链"),
            ("日志审计", "Log audit", "安全审计"),
            ("密码服务", "Cryptography service", "密码 商用密码"),
            ("短信网关", "SMS gateway", "短信"),
            ("API网关", "API gateway", "API 接口管理"),
            ("低代码开发平台", "Low-code development platform", "低代码"),
            ("电子档案归档", "Electronic archiving", "电子档案"),
            ("智能客服", "Intelligent customer service", "智能客服 AI"),
        ),
    ),
)

# (prefix, English) put before the subject; "" most often.
PREFIXES = (
    ("", ""),
    ("", ""),
    ("", ""),
    ("智慧", "Smart"),
    ("数字", "Digital"),
    ("一网通办", "One-stop"),
    ("掌上", "Handheld"),
    ("移动", "Mobile"),
    ("一站式", "One-stop"),
    ("全流程", "End-to-end"),
    ("智能", "Intelligent"),
    ("粤省事", "Yueshengshi"),
    ("粤商通", "Yueshangtong"),
    ("粤政易", "Yuezhengyi"),
)
FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "application": (
        ("服务平台", "platform"),
        ("管理系统", "management system"),
        ("综合平台", "integrated platform"),
        ("服务系统", "service system"),
        ("一体化平台", "unified platform"),
        ("管理平台", "management platform"),
        ("移动端", "mobile app"),
    ),
    "component": (
        ("组件", "component"),
        ("SDK", "SDK"),
        ("引擎", "engine"),
        ("中间件", "middleware"),
        ("插件", "plug-in"),
        ("模块", "module"),
    ),
    "capability": (
        ("能力", "capability"),
        ("公共服务", "public service"),
        ("服务接口", "service API"),
        ("开放平台", "open platform"),
    ),
}
# Forms of applications that only fit some categories.
CATEGORY_FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "services": (
        ("小程序", "mini program"),
        ("助手", "assistant"),
        ("专区", "portal"),
        ("自助终端", "kiosk"),
    ),
    "governance": (
        ("监测平台", "monitoring platform"),
        ("指挥平台", "command platform"),
        ("大屏", "dashboard"),
    ),
    "collaboration": (("助手", "assistant"), ("小程序", "mini program")),
    "support": (("中台", "middle platform"),),
}
KINDS = (("application", 65), ("component", 20), ("capability", 15))
GENERIC_TAGS = (
    "移动端",
    "数据共享",
    "信创",
    "小程序",
    "一件事",
    "跨省通办",
    "秒批",
    "掌上办",
    "政务云",
    "AI",
)

WHO = ("群众", "企业", "参保人", "办事群众", "市场主体", "基层网格员", "窗口工作人员", "机关干部", "街道社区")
CHANNELS = ("粤省事", "粤商通", "粤政易", "微信小程序", "自助终端", "PC端", "移动端", "政务服务网", "粤智助")
BENEFITS = (
    "申请材料减少一半",
    "办理时限由5个工作日缩短至即时办结",
    "实现“零跑动”",
    "全程网上办理",
    "数据实时共享，无需重复提交",
    "事件发现、派遣、处置全流程闭环",
    "平均办理时间缩短70%",
    "与省统一身份认证对接，一次登录全网通办",
    "支持跨部门数据核验",
    "已在多个地市复用部署",
    "群众满意度达99%",
    "实现“一次办、马上办”",
)
FLOWS = ("监测、预警、处置", "发现、派遣、处置、核查", "汇聚、分析、研判", "上报、流转、办结")
DATA = ("视频、物联感知和网格数据", "部门业务数据", "12345热线工单", "公共数据资源", "气象水文数据")
FEATURES = (
    "统一身份认证与单点登录",
    "电子证照自动调用，免交纸质材料",
    "办件进度实时查询与短信提醒",
    "数据驾驶舱：办件量、时效、满意度",
    "移动端与PC端同步办理",
    "对接省政务服务事项目录",
    "按权责清单智能派单",
    "超时预警与督办",
    "国产密码改造，通过等保三级测评",
    "开放标准接口，支持二次开发",
)
BACKGROUNDS = (
    "过去群众需要多次往返窗口、重复提交材料，办事体验差。",
    "各部门数据分散，业务协同依赖人工，效率不高。",
    "基层反映系统多、入口多、重复录入多。",
    "原有系统建设早，不支持信创环境，扩展困难。",
    "粤东西北地区建设能力有限，亟需复用成熟应用。",
)
# The catalog's own closed lists, so every label is one the store's forms would accept.
XC_CPUS = constants.XC_CPUS
XC_OS = constants.XC_OS
XC_DBS = constants.XC_DATABASES
INTEGRATIONS = constants.YUE_PLATFORMS
TECH = (
    "Java 17",
    "Spring Boot 3",
    "Vue 3",
    "Python 3.11",
    "Go 1.22",
    "PostgreSQL 15",
    "达梦 DM8",
    "Redis",
    "Kafka",
)
CONTACTS = ("李工", "王科长", "陈工", "张主任", "黄工", "刘科长", "林工", "吴工")
SPDX = ("Apache-2.0", "MulanPSL-2.0", "MIT", "GPL-3.0-only")
MATURITIES = (("pilot", 30), ("promoted", 35), ("mature", 35))
STATUSES = (("published", 95), ("deprecated", 2), ("draft", 2), ("submitted", 1))
EPOCH = datetime(2021, 1, 1, tzinfo=UTC)
SPAN_DAYS = 5 * 365


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in table], weights=[weight for _, weight in table])[0]


def zipf_adoptions(rng: random.Random) -> int:
    """Most apps are adopted nowhere, some a few times, a handful by dozens of regions."""
    return min(MAX_ADOPTIONS, int(rng.paretovariate(1.3)) - 1)


# -- one app ---------------------------------------------------------------------------------------
@dataclass
class GeneratedApp:
    row: dict[str, Any]  # a row of ``apps``
    labels: list[tuple[str, str]]  # (kind, value) rows of ``app_labels``
    live_adoptions: int


def _name(rng: random.Random, place: Place | None, subject: Subject, kind: str) -> tuple[str, str]:
    prefix, prefix_en = rng.choice(PREFIXES)
    if subject.category == "collaboration" and prefix in {"粤省事", "粤商通"}:
        prefix, prefix_en = "粤政易", "Yuezhengyi"
    forms = FORMS[kind] + CATEGORY_FORMS[subject.category] if kind == "application" else FORMS[kind]
    form, form_en = rng.choice(forms)
    where = ""
    if place is not None:
        # People name apps "深圳市…" or "深圳…" alike.
        where = place.name if rng.random() < 0.6 else place.short
    name = f"{where}{prefix}{subject.zh}{form}"
    words_en = [place.name_en if place else "", prefix_en, subject.en, form_en]
    return name, " ".join(word for word in words_en if word)


def _summary(rng: random.Random, subject: Subject) -> str:
    benefit = rng.choice(BENEFITS)
    if subject.category == "services":
        first = f"{rng.choice(WHO)}通过{rng.choice(CHANNELS)}在线办理{subject.zh}，{benefit}。"
    elif subject.category == "governance":
        first = f"汇聚{rng.choice(DATA)}，实现{subject.zh}事件{rng.choice(FLOWS)}闭环，{benefit}。"
    elif subject.category == "collaboration":
        where = rng.choice(("粤政易", "PC端", "移动端"))
        first = f"{rng.choice(WHO[-2:])}在{where}上完成{subject.zh}，{benefit}。"
    else:
        first = f"为各类政务应用提供{subject.zh}能力，{benefit}。"
    if rng.random() < 0.5:
        first += f"支持{rng.choice(FEATURES)}。"
    return first[:200]


def _description(rng: random.Random, subject: Subject, summary: str) -> str:
    features = rng.sample(FEATURES, 3)
    return "\n".join(
        [
            "## 建设背景",
            "",
            rng.choice(BACKGROUNDS),
            "",
            "## 主要功能",
            "",
            *(f"- {feature}" for feature in features),
            f"- {subject.zh}业务全流程在线办理",
            "",
            "## 成效",
            "",
            summary,
        ]
    )


def generate_app(rng: random.Random, app_id: int) -> GeneratedApp:
    """App number ``app_id`` of the catalog (call in order with one ``rng`` to reproduce it)."""
    subject = rng.choice(SUBJECTS)
    kind = _weighted(rng, KINDS)
    roll = rng.random()
    # About a tenth are published by districts, a few by the province's own bureaus (no place in
    # the name, published by a city all the same: the store has no provincial publishers).
    place = rng.choice(DISTRICT_PLACES) if roll < 0.1 else rng.choice(CITY_PLACES)
    name, name_en = _name(rng, place if roll < 0.95 else None, subject, kind)
    summary = _summary(rng, subject)
    status = _weighted(rng, STATUSES)
    license_type = rng.choice(("open_source", "gov_free", "paid"))
    offering = rng.choice(("standard_free", "negotiated", "ready_to_use"))
    published = EPOCH + timedelta(days=rng.uniform(0, SPAN_DAYS))
    created = published - timedelta(days=rng.uniform(5, 90))
    updated = published + timedelta(days=rng.uniform(0, 200))
    public = status in {"published", "deprecated"}
    row = {
        "id": app_id,
        "slug": f"{SLUG_PREFIX}{app_id:06d}",
        "kind": kind,
        "name": name[:100],
        "name_en": name_en if rng.random() < 0.3 else "",
        "summary": summary,
        "description": _description(rng, subject, summary),
        "category": subject.category,
        "region_code": place.code,
        "department": f"{place.name}{subject.department}",
        "contact_name": rng.choice(CONTACTS),
        "contact_phone": f"0{rng.randint(660, 769)}-{rng.randint(10_000_000, 99_999_999)}",
        "contact_email": f"contact{app_id}@example.gov.cn",
        "maturity": _weighted(rng, MATURITIES),
        "license_type": license_type,
        "license_spdx": rng.choice(SPDX) if license_type == "open_source" else "",
        "reuse_terms": "",
        "offering": offering,
        "price_yuan": Decimal(rng.randrange(50_000, 800_000, 1000)) if license_type == "paid" else None,
        "deployment_fee_yuan": Decimal(rng.randrange(0, 300_000, 5000)),
        "reference_prices": [],
        "tech_stack": rng.sample(TECH, 3),
        "requirements": "政务云 8C16G × 2；对接省统一身份认证。",
        "docs_url": "",
        "source_url": "",
        "status": status,
        "review_comment": "",
        "deprecation_reason": "已由新版平台替代。" if status == "deprecated" else "",
        "successor_id": None,
        "created_by_id": None,
        "submitted_at": created + timedelta(days=1) if status != "draft" else None,
        "published_at": published if public else None,
        "created_at": created,
        "updated_at": updated,
    }
    tags = list(
        dict.fromkeys(
            [*subject.tags[: rng.randint(1, len(subject.tags))], *rng.sample(GENERIC_TAGS, rng.randint(0, 2))]
        )
    )
    labels = [(m.LabelKind.TAG.value, tag) for tag in tags]
    if rng.random() < 0.6:  # verified on a 信创 stack
        labels += [(m.LabelKind.XC_CPU.value, cpu) for cpu in rng.sample(XC_CPUS, rng.randint(1, 3))]
        labels += [(m.LabelKind.XC_OS.value, os) for os in rng.sample(XC_OS, rng.randint(1, 2))]
        labels += [(m.LabelKind.XC_DB.value, db) for db in rng.sample(XC_DBS, rng.randint(1, 2))]
    if rng.random() < 0.4:
        labels += [
            (m.LabelKind.INTEGRATION.value, name) for name in rng.sample(INTEGRATIONS, rng.randint(1, 2))
        ]
    labels += [
        (m.LabelKind.DEPLOYMENT.value, mode)
        for mode in rng.sample(("gov_cloud", "hosted", "saas"), rng.randint(1, 2))
    ]
    return GeneratedApp(row=row, labels=labels, live_adoptions=zipf_adoptions(rng) if public else 0)


def generate(count: int, seed: int = SEED) -> Iterator[GeneratedApp]:
    """Apps 1..``count``, one at a time (100,000 of them do not need to sit in memory)."""
    rng = random.Random(seed)
    for app_id in range(1, count + 1):
        yield generate_app(rng, app_id)


# -- into the database -----------------------------------------------------------------------------
@dataclass
class InsertedCatalog:
    apps: int = 0
    labels: int = 0
    public: int = 0  # published or deprecated: what search may show
    live_adoptions: dict[int, int] = field(default_factory=dict)  # app id -> count, public apps only


async def insert_catalog(
    engine: AsyncEngine,
    count: int,
    *,
    seed: int = SEED,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> InsertedCatalog:
    """Bulk-insert the districts and ``count`` generated apps with their labels, in batches.

    Ids are given explicitly (1..count), so labels need no RETURNING; on PostgreSQL the id
    sequence is moved past them afterwards, so apps created later through the store get new ids.
    """
    result = InsertedCatalog()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        known = set((await conn.execute(select(m.Region.code))).scalars())
        districts = [
            {
                "code": place.code,
                "name": place.name,
                "name_en": place.name_en,
                "level": m.RegionLevel.DISTRICT.value,
                "parent_code": place.city_code,
                "zone": place.zone,
                "is_east_west_north": place.zone != m.Zone.CORE.value,
                "created_at": now,
                "updated_at": now,
            }
            for place in DISTRICT_PLACES
            if place.code not in known
        ]
        if districts:
            await conn.execute(insert(m.Region), districts)

    apps: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []

    async def flush() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(m.App), apps)
            await conn.execute(insert(m.AppLabel), labels)
        result.apps += len(apps)
        result.labels += len(labels)
        apps.clear()
        labels.clear()
        if progress:
            progress(result.apps)

    for app in generate(count, seed):
        apps.append(app.row)
        labels.extend({"app_id": app.row["id"], "kind": kind, "value": value} for kind, value in app.labels)
        if app.row["status"] in {"published", "deprecated"}:
            result.public += 1
            result.live_adoptions[app.row["id"]] = app.live_adoptions
        if len(apps) >= batch_size:
            await flush()
    if apps:
        await flush()
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            top = (await conn.execute(select(func.max(m.App.id)))).scalar_one()
            await conn.execute(
                text("SELECT setval(pg_get_serial_sequence('apps', 'id'), :top)"), {"top": top}
            )
    return result


# -- the queries -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchQuery:
    """One query of the benchmark: its class (for the per-class figures) and the API parameters."""

    group: str
    params: dict[str, str]

    def describe(self) -> str:
        return " ".join(f"{key}={value}" for key, value in self.params.items())


# How many of every 200 queries each class gets.
QUERY_MIX: tuple[tuple[str, int], ...] = (
    ("word", 45),  # one Chinese word: 社保卡
    ("words", 40),  # two or three: 深圳 社保卡 小程序
    ("traditional", 20),  # 社保卡申領
    ("pinyin", 30),  # shebaoka, she bao ka, sbk
    ("typo", 15),  # homophones from a pinyin input method: 社宝卡
    ("need", 15),  # everyday words the thesaurus maps: 办身份证
    ("english", 15),  # social security
    ("mixed", 10),  # OA 协同, 12345热线
    ("listing", 10),  # no words, only filters
)
FILTERED_SHARE = 0.3
SORTED_SHARE = 0.15
# A wrong character with the right sound, as a pinyin input method makes them.
HOMOPHONE_TYPOS = (
    "社宝卡", "低保申情", "公基金提取", "医宝报销", "营业直照", "不动产登纪", "网格话管理",
    "电子签张", "婚因登记", "居住正", "养老保线", "残疾人补帖", "预约挂好", "惠企政册",
    "应急指会", "公文流专", "统一身分认证", "数据共想", "企业开半", "犬只登计", "森林防伙",
    "督查督半", "法律援主", "人才引近",
)  # fmt: skip
NEEDS = (
    "办身份证", "开饭店", "查社保", "交罚款", "找工作", "提公积金", "看病报销", "开公司",
    "交水电费", "违章", "挂号", "领补贴", "办退休", "投诉", "请律师", "上户口", "买房",
)  # fmt: skip
PINYIN_WORDS = (
    "社保卡", "公积金", "粤省事", "不动产", "网格化", "电子签章", "医保", "低保", "营业执照",
    "应急指挥", "公文流转", "河长制", "统一支付", "人脸核验", "预约挂号", "企业开办", "视频会议",
    "政务云", "居住证", "犬只登记", "粤商通", "粤政易",
)  # fmt: skip
MIXED = ("OA 协同", "12345热线", "OCR识别", "API 网关", "AI 客服", "OA协同办公", "12345 投诉", "SDK 电子签章")
FORM_WORDS = tuple(form for forms in (*FORMS.values(), *CATEGORY_FORMS.values()) for form, _ in forms)


def _words_query(rng: random.Random) -> str:
    subject = rng.choice(SUBJECTS)
    shapes = (
        lambda: f"{rng.choice(CITY_PLACES).short} {subject.zh}",
        lambda: f"{subject.zh} {rng.choice(FORM_WORDS)}",
        lambda: f"{rng.choice(CITY_PLACES).short} {rng.choice(subject.tags)} {rng.choice(FORM_WORDS)}",
        lambda: f"{rng.choice(DISTRICT_PLACES).name} {subject.zh}",
        lambda: f"{rng.choice(subject.tags)} {rng.choice(GENERIC_TAGS)}",
    )
    return rng.choice(shapes)()


def _pinyin_query(rng: random.Random) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(rng.choice(PINYIN_WORDS), style=Style.NORMAL)
    form = rng.choice(("full", "spaced", "initials"))
    if form == "full":
        return "".join(syllables)
    if form == "spaced":
        return " ".join(syllables)
    return "".join(syllable[0] for syllable in syllables)


def _filters(rng: random.Random) -> dict[str, str]:
    chosen: dict[str, str] = {}
    options: dict[str, Callable[[], str]] = {
        "category": lambda: rng.choice(("governance", "services", "collaboration", "support")),
        "region": lambda: rng.choice(CITY_PLACES + DISTRICT_PLACES[:6]).code,
        "zone": lambda: rng.choice(tuple(zone.value for zone in m.Zone)),
        "xinchuang": lambda: rng.choice((*XC_CPUS[:3], *XC_OS[:2], *XC_DBS[:2], "any")),
        "tag": lambda: rng.choice((*GENERIC_TAGS[:5], "社保", "公积金", "医保", "低代码")),
        "kind": lambda: rng.choice(("application", "component", "capability")),
        "maturity": lambda: rng.choice(("pilot", "promoted", "mature")),
    }
    for name in rng.sample(sorted(options), rng.choice((1, 1, 2))):
        chosen[name] = options[name]()
    return chosen


def benchmark_queries(count: int = 200, seed: int = SEED) -> list[BenchQuery]:
    """``count`` queries in the mix of QUERY_MIX (per 200), about 30 % filtered, some sorted.

    Deterministic: the same ``count`` and ``seed`` give the same list, so runs compare.
    """
    import opencc

    rng = random.Random(seed + 1)
    to_traditional = opencc.OpenCC("s2t")
    slots = [group for group, share in QUERY_MIX for _ in range(share)]
    # Fewer queries than slots: every class still gets its share (a stride through the slots).
    groups = [slots[i * len(slots) // count if count < len(slots) else i % len(slots)] for i in range(count)]
    rng.shuffle(groups)
    queries: list[BenchQuery] = []
    for group in groups:
        makers: dict[str, Callable[[], str]] = {
            "word": lambda: rng.choice((rng.choice(SUBJECTS).zh, rng.choice(rng.choice(SUBJECTS).tags))),
            "words": lambda: _words_query(rng),
            "traditional": lambda: to_traditional.convert(
                rng.choice((rng.choice(SUBJECTS).zh, _words_query(rng)))
            ),
            "pinyin": lambda: _pinyin_query(rng),
            "typo": lambda: rng.choice(HOMOPHONE_TYPOS),
            "need": lambda: rng.choice(NEEDS),
            "english": lambda: " ".join(rng.choice(SUBJECTS).en.lower().split()[:2]),
            "mixed": lambda: rng.choice(MIXED),
            "listing": lambda: "",
        }
        params = {"q": makers[group]()} if group != "listing" else {}
        if group == "listing" or rng.random() < FILTERED_SHARE:
            params.update(_filters(rng))
        if rng.random() < SORTED_SHARE:
            params["sort"] = rng.choice(("reuse", "newest"))
        queries.append(BenchQuery(group, params))
    return queries
