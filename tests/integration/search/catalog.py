"""A small, realistic catalog for search tests, as search documents built by ``document_for``.

The apps are plain model objects that never touch a database: the documents are exactly what the
store indexes, without the cost of publishing fifteen apps through the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from search.documents import document_for
from store.db import models as m

REGIONS = {
    "440000": m.Region(code="440000", name="广东省", level="province", parent_code=None, zone=None),
    "440100": m.Region(code="440100", name="广州", level="city", parent_code="440000", zone="core"),
    "440106": m.Region(code="440106", name="天河区", level="district", parent_code="440100", zone=None),
    "440300": m.Region(code="440300", name="深圳", level="city", parent_code="440000", zone="core"),
    "440600": m.Region(code="440600", name="佛山", level="city", parent_code="440000", zone="core"),
    "441400": m.Region(code="441400", name="梅州", level="city", parent_code="440000", zone="north"),
    "440800": m.Region(code="440800", name="湛江", level="city", parent_code="440000", zone="west_wing"),
}
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SampleApp:
    id: int
    slug: str
    name: str
    summary: str
    region: str = "440100"
    name_en: str = ""
    kind: str = "application"
    category: str = "services"
    maturity: str = "mature"
    tags: tuple[str, ...] = ()
    xinchuang: dict[str, tuple[str, ...]] = field(default_factory=dict)  # label kind → values
    description: str = ""
    department: str = "政务服务数据管理局"
    status: str = "published"
    live_adoptions: int = 0
    published_days: int = 0  # days after EPOCH


APPS: tuple[SampleApp, ...] = (
    SampleApp(1, "yueshengshi", "粤省事", "广东省统一的移动政务服务平台，集成高频民生服务",
              region="440000", name_en="Yueshengshi", tags=("移动政务",), live_adoptions=21,
              published_days=1, xinchuang={"xc_cpu": ("鲲鹏",), "xc_os": ("统信UOS",)}),
    SampleApp(2, "shebaoka", "社保卡申领", "在线申领第三代社会保障卡，进度查询与邮寄到家",
              tags=("社保卡", "社保"), live_adoptions=9, published_days=30,
              xinchuang={"xc_cpu": ("飞腾",)}),
    SampleApp(3, "dibao", "低保申请", "城乡居民最低生活保障待遇网上申请与审核",
              region="441400", category="governance", tags=("社会救助",), live_adoptions=4,
              published_days=40),
    SampleApp(4, "yiwangtongban", "一网通办", "企业和群众办事的统一入口，事项网上办理",
              region="440300", tags=("政务服务",), live_adoptions=15, published_days=10),
    SampleApp(5, "hotline-12345", "12345热线", "政务服务便民热线工单受理与督办",
              region="440600", category="governance", tags=("热线", "工单"), live_adoptions=7,
              published_days=50),
    SampleApp(6, "gongjijin", "公积金查询", "住房公积金缴存、余额和贷款查询",
              region="440106", tags=("公积金",), live_adoptions=6, published_days=60),
    SampleApp(7, "oa", "OA协同办公", "机关内部公文流转、会议和督办的协同平台",
              name_en="OA Collaboration", category="collaboration", kind="component",
              tags=("OA", "办公"), live_adoptions=12, published_days=70,
              xinchuang={"xc_db": ("达梦",)}),
    SampleApp(8, "yibao-pingzheng", "医保电子凭证", "医保码就医结算与医保报销进度查询",
              region="440300", tags=("医保",), live_adoptions=3, published_days=80),
    SampleApp(9, "shenfenzheng", "居民身份证办理预约", "户籍窗口业务网上预约与材料预审",
              region="440800", tags=("户政",), live_adoptions=2, published_days=90),
    SampleApp(10, "shipin-xuke", "食品经营许可审批", "餐饮店食品经营许可证的申请、变更与延续",
              region="440600", tags=("市场监管",), live_adoptions=1, published_days=100),
    SampleApp(11, "shequ", "智慧社区管理平台", "社区网格、居民议事与物业服务的管理平台",
              region="440106", category="governance", maturity="pilot", tags=("社区",),
              live_adoptions=0, published_days=110),
    SampleApp(12, "data-exchange", "政务数据共享交换平台", "部门之间的数据目录、共享申请与交换通道",
              region="440000", name_en="Government Data Exchange", kind="capability",
              category="support", tags=("数据共享",), live_adoptions=18, published_days=120,
              xinchuang={"xc_cpu": ("鲲鹏", "海光"), "xc_db": ("达梦",)}),
    SampleApp(13, "shebaofei", "社保费征缴", "社会保险费的申报、缴纳与对账",
              region="441400", tags=("税费",), status="deprecated", live_adoptions=0,
              published_days=130),
    SampleApp(14, "qiye-kaiban", "企业开办一窗通", "开办企业的登记、刻章与发票一次办结，优化企业服务",
              region="440300", tags=("市场主体",), live_adoptions=5, published_days=140),
    SampleApp(15, "dawanqu-rencai", "粵港澳大灣區人才服務平台", "大灣區人才認定、補貼申領與住房保障",
              region="440300", tags=("人才",), live_adoptions=8, published_days=150,
              description="面向港澳青年的<b>人才</b>服务 & 政策解读"),
    SampleApp(16, "html-escape", "<b>公文</b>交换 & 签收", "公文<script>alert(1)</script>电子交换",
              region="440800", category="collaboration", tags=("公文",), live_adoptions=0,
              published_days=160),
)  # fmt: skip


def model_of(app: SampleApp) -> m.App:
    """``app`` as an unsaved ``App`` with its region and labels, all ``document_for`` reads."""
    published = EPOCH + timedelta(days=app.published_days)
    labels = [m.AppLabel(kind=m.LabelKind.TAG, value=tag) for tag in app.tags]
    labels += [
        m.AppLabel(kind=kind, value=value) for kind, values in app.xinchuang.items() for value in values
    ]
    return m.App(
        id=app.id,
        slug=app.slug,
        kind=app.kind,
        name=app.name,
        name_en=app.name_en,
        summary=app.summary,
        description=app.description,
        category=app.category,
        region=REGIONS[app.region],
        region_code=app.region,
        department=app.department,
        maturity=app.maturity,
        license_type="gov_free",
        status=app.status,
        labels=labels,
        published_at=published,
        created_at=published - timedelta(days=3),
        updated_at=published + timedelta(hours=1),
    )


def document(app: SampleApp, **changes: Any) -> dict[str, Any]:
    city_zone = REGIONS[REGIONS[app.region].parent_code or app.region].zone
    doc = document_for(model_of(app), live_adoptions=app.live_adoptions, city_zone=city_zone)
    assert doc is not None, app
    return doc | changes


def documents() -> list[dict[str, Any]]:
    return [document(app) for app in APPS]


def app_named(name: str) -> SampleApp:
    return next(app for app in APPS if app.name == name)
