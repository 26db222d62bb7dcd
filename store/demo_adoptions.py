"""Demo adoptions for `make run`: which region reuses which demo app, in every state.

Each :class:`DemoAdoption` is one region's reuse of one demo app as it happened: the request, the
publisher's answer, deployment, going live with the saving and its basis, the publisher's
confirmation (or dispute), the adopter's rating and comment, an upgrade, the yearly
re-confirmations, retirement. :func:`seed_adoptions` replays each story through
``AdoptionService``, step by step, as the people involved would have: the adopting city's staff
request, deploy and go live; the publishing city's staff decide and confirm. So the timeline,
the audit log and the search index's live counts are what real use writes. The service's clock
(``today``) is set to each step's day, and afterwards the moments written are moved to those days
(as ``store.demo`` does for the catalog), so histories read like two years of use. One live
adoption is left without its yearly re-confirmation, and the stale sweep marks it.

Idempotent: a story whose app and adopting region already have an adoption is skipped, so a
second run writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.adoptions.services import STALE_AFTER, AdoptionService, GoLive, RequestData, add_year
from store.db import models as m
from store.db.models._adoption import Adoption, AdoptionEvent, AdoptionVersion
from store.demo_catalog import CITY_NAME
from store.regions.services import RegionService

CHINA = timezone(timedelta(hours=8))
# A district that reuses an app itself (its city's staff act for it), so district pages have data.
DEMO_DISTRICTS = (("441402", "441400", "梅江区", "Meijiang District"),)
CONTACTS = (
    "陈工",
    "林科长",
    "黄工",
    "张工",
    "李科长",
    "王工",
    "刘工",
    "吴科长",
    "郑工",
    "何工",
    "罗工",
    "谢工",
)
AREA_CODES = {
    "440100": "020",
    "440200": "0751",
    "440500": "0754",
    "440600": "0757",
    "440700": "0750",
    "440800": "0759",
    "440900": "0668",
    "441200": "0758",
    "441400": "0753",
    "441500": "0660",
    "441600": "0762",
    "441700": "0662",
    "441800": "0763",
    "441900": "0769",
    "442000": "0760",
    "445100": "0768",
    "445200": "0663",
    "445300": "0766",
}
CLOUD_NODES = ("鲲鹏资源池", "海光资源池", "信创专区", "政务外网区")
APPROVED = "同意复用，部署手册和接口文档已发送联系人。"
CONFIRMED = "已核实复用单位生产环境运行情况，确认上线。"
RECONFIRMED = "系统运行正常，继续使用。"


@dataclass(frozen=True)
class DemoAdoption:
    app: str  # the demo app's slug
    region: str  # the adopting city or district
    version: str  # the version requested
    requested: str  # ISO date of the request
    outcome: str  # the status the story ends in
    purpose: str
    live_on: str = ""  # ISO go-live date (live, or retired after going live)
    saving: str = ""  # 万元
    basis: str = ""
    rating: int | None = None
    feedback: str = ""
    confirmation: str = ""  # the publisher's answer to a live adoption: confirmed, disputed or none
    confirmation_comment: str = ""
    reason: str = ""  # why it was declined, withdrawn or retired
    closed: str = ""  # ISO date of retirement
    upgrade: tuple[str, str] | None = None  # (version, ISO date)
    stale: bool = False  # its yearly re-confirmation never comes: the sweep marks it stale

    @property
    def requested_on(self) -> date:
        return date.fromisoformat(self.requested)

    @property
    def live_day(self) -> date | None:
        return date.fromisoformat(self.live_on) if self.live_on else None

    @property
    def closed_day(self) -> date | None:
        return date.fromisoformat(self.closed) if self.closed else None


def _live(
    app: str,
    region: str,
    version: str,
    requested: str,
    live_on: str,
    saving: str,
    basis: str,
    purpose: str,
    **more: Any,
) -> DemoAdoption:
    """A story that ends live (the table's most common)."""
    return DemoAdoption(
        app, region, version, requested, "live", purpose, live_on=live_on, saving=saving, basis=basis, **more
    )


ADOPTIONS: tuple[DemoAdoption, ...] = (
    _live("gz-medical-insurance-mobile-pay", "441400", "2.1.0", "2024-12-02", "2025-03-18", "150",
          "对比自建估算：开发 120 万元、接口联调 30 万元",
          "在全市定点医院、药店推广医保电子凭证扫码结算，缓解门诊排队。",
          rating=5, feedback="门诊扫码结算上线后窗口排队明显减少，发布方联调支持及时。",
          confirmation="confirmed", upgrade=("2.2.0", "2025-09-23")),
    _live("gz-medical-insurance-mobile-pay", "440800", "2.1.0", "2025-01-13", "2025-05-20", "135",
          "对比自建估算：开发 110 万元、运维 25 万元/年",
          "湛江市医保经办机构和定点医药机构移动支付结算。",
          rating=4, feedback="结算稳定；异地就医备案流程需要结合本地政策做少量调整。",
          confirmation="confirmed"),
    _live("gz-city-operation-grid", "440200", "1.1.0", "2024-11-11", "2025-04-15", "230",
          "对比自建估算：开发 180 万元、运维 50 万元/年（含 4 个区县）",
          "市、区县两级城市管理网格化平台，覆盖 4 个区县。",
          rating=5, feedback="事件闭环处置率明显提升，已推广到 4 个区县。", confirmation="confirmed"),
    _live("gz-12345-smart-dispatch", "441800", "1.1.0", "2025-03-31", "2025-07-08", "320",
          "对比自建估算：模型研发 260 万元、运维 60 万元/年",
          "清远市 12345 热线工单智能派单，减少二次转派。",
          rating=4, feedback="派单准确率约 88%，按本地权责清单配置后还有提升空间。"),
    _live("gz-12345-smart-dispatch", "445200", "1.2.0", "2026-02-09", "2026-05-12", "300",
          "对比自建估算：开发 240 万元、运维 60 万元/年",
          "揭阳市 12345 热线智能派单与相似工单检索。",
          rating=5, feedback="二次转派率明显下降，话务员反馈良好。"),
    _live("gz-business-startup", "441500", "3.1.0", "2025-06-10", "2025-08-19", "95",
          "对比自建估算：开发 80 万元、运维 15 万元/年",
          "企业开办一网通办，营业执照、印章、发票、社保一次办。",
          rating=5, feedback="企业开办压缩到半个工作日，办事企业满意度高。", confirmation="confirmed"),
    _live("gz-business-startup", "445300", "3.1.0", "2025-07-01", "2025-10-14", "90",
          "对比自建估算：开发 75 万元、运维 15 万元/年",
          "云浮市企业开办“一件事”集成办理。",
          rating=4, feedback="与本地登记系统对接顺利，税务接口调试用时较长。", confirmation="confirmed"),
    DemoAdoption("gz-business-startup", "445100", "3.1.0", "2026-10-12", "approved",
                 "潮州市企业开办全程网办，计划年底前上线。"),
    _live("sz-e-license-verification", "441600", "1.4.0", "2025-08-04", "2025-11-04", "60",
          "对比自建估算：开发 50 万元、运维 10 万元/年",
          "河源市政务服务中心电子证照核验，减少纸质材料提交。",
          rating=4, feedback="窗口核验电子证照更快，部分旧版证照需补录。", confirmation="confirmed"),
    _live("sz-policy-benefits-no-application", "442000", "1.1.0", "2025-04-28", "2025-08-26", "180",
          "对比自建估算：开发 150 万元、运维 30 万元/年",
          "中山市惠企政策免申即享，政策兑现资金直达企业。",
          rating=3, feedback="政策库对接工作量比预期大，已上线部分政策。",
          confirmation="disputed",
          confirmation_comment="经核实，中山市目前仅在测试环境完成部署，生产环境尚未切换，请核实后更正上线日期。"),
    DemoAdoption("zh-hengqin-cross-border-services", "442000", "1.1.0", "2026-11-09", "requested",
                 "中山–澳门专区跨境政务服务，为在中山的澳门居民提供便利。"),
    _live("fs-construction-project-approval", "441200", "3.1.0", "2024-09-09", "2024-12-17", "520",
          "对比自建估算：开发 420 万元、省系统对接 100 万元",
          "肇庆市工程建设项目审批管理系统，对接省工改系统。",
          rating=5, feedback="审批时限压缩一半，与省工改系统数据同步稳定。", confirmation="confirmed"),
    _live("dg-random-inspection", "445200", "2.0.0", "2024-08-05", "2024-11-26", "85",
          "对比自建估算：开发 70 万元、运维 15 万元/年",
          "揭阳市市场监管“双随机、一公开”抽查。",
          rating=4, feedback="抽查名单随机生成、结果自动公示，减少人工操作。", confirmation="confirmed"),
    _live("dg-random-inspection", "441700", "2.1.0", "2025-02-10", "2025-04-22", "80",
          "对比自建估算：开发 65 万元、运维 15 万元/年",
          "阳江市跨部门联合抽查。",
          rating=4, feedback="联合抽查任务统一派发，部门协同更顺畅。", stale=True),
    _live("zs-elderly-care-subsidy", "445300", "1.0.0", "2025-02-17", "2025-05-13", "65",
          "对比自建估算：开发 55 万元、运维 10 万元/年",
          "云浮市高龄津贴、养老服务补贴线上申领与发放。",
          rating=5, feedback="老人足不出户即可申领，发放周期由一个月缩短到一周。", confirmation="confirmed"),
    _live("zs-internal-affairs-one-stop", "440700", "1.0.0", "2026-03-02", "2026-06-09", "48",
          "对比自建估算：开发 40 万元、运维 8 万元/年",
          "江门市机关内部“一件事”集成办理。",
          rating=4, feedback="机关内部事项跑动次数明显减少。"),
    _live("jm-overseas-chinese-services", "440500", "1.0.0", "2025-07-07", "2025-10-21", "55",
          "对比自建估算：开发 45 万元、运维 10 万元/年",
          "汕头市侨批、侨房等涉侨事项网上办理。",
          rating=5, feedback="海外侨胞可以远程办理侨房事项，反响很好。", confirmation="confirmed"),
    DemoAdoption("jm-overseas-chinese-services", "441400", "1.0.0", "2026-08-17", "deploying",
                 "梅州市涉侨事项一网通办，服务海外客家乡亲。"),
    _live("hz-petrochemical-park-safety", "440900", "2.0.0", "2024-11-18", "2025-03-25", "1100",
          "对比自建估算：开发 900 万元、运维 200 万元/年",
          "茂名石化园区安全风险智能化管控平台。",
          rating=5, feedback="重大危险源实时监测预警，园区安全管理水平显著提升。", confirmation="confirmed"),
    _live("hz-petrochemical-park-safety", "440800", "2.1.0", "2025-09-15", "2026-03-17", "1050",
          "对比自建估算：开发 860 万元、运维 190 万元/年",
          "湛江东海岛石化园区安全风险管控。",
          rating=4, feedback="园区企业接入率已达 90%，个别企业设备需要改造。"),
    _live("mz-food-safety-supervision", "441600", "1.1.0", "2025-11-10", "2026-02-10", "75",
          "对比自建估算：开发 60 万元、运维 15 万元/年",
          "河源市食品生产经营智慧监管。",
          rating=4, feedback="检查记录全程留痕，基层执法人员容易上手。", confirmation="confirmed"),
    _live("st-real-estate-registration", "445100", "1.1.0", "2025-03-24", "2025-07-15", "105",
          "对比自建估算：开发 85 万元、运维 20 万元/年",
          "潮州市不动产登记“一窗受理、并联办理”。",
          rating=5, feedback="二手房转移登记当天办结。", confirmation="confirmed"),
    DemoAdoption("st-real-estate-registration", "445200", "1.1.0", "2025-06-02", "declined",
                 "揭阳市不动产登记一窗受理。",
                 reason="揭阳市不动产登记存量数据尚未完成治理，建议数据整合后再申请；我局可先提供数据标准。"),
    _live("st-real-estate-registration", "445200", "1.2.0", "2026-01-05", "2026-04-21", "110",
          "对比自建估算：开发 90 万元、运维 20 万元/年",
          "揭阳市不动产登记一窗受理（存量数据已完成治理）。",
          rating=4, feedback="存量数据治理后对接顺利，登记时限压缩明显。"),
    _live("zj-pension-eligibility-check", "440900", "2.0.0", "2024-06-03", "2024-09-10", "45",
          "对比自建估算：开发 38 万元、运维 7 万元/年",
          "茂名市养老金领取资格静默认证。",
          rating=4, feedback="大部分老人无需再到现场认证。", confirmation="confirmed"),
    _live("zj-pension-eligibility-check", "441700", "2.1.0", "2025-02-03", "2025-04-08", "42",
          "对比自建估算：开发 35 万元、运维 7 万元/年",
          "阳江市养老金领取资格认证。",
          confirmation="confirmed"),
    _live("sg-forest-fire-warning", "441800", "1.1.0", "2025-12-01", "2026-03-24", "160",
          "对比自建估算：开发 130 万元、运维 30 万元/年",
          "清远市森林防火监测预警，覆盖重点林区。",
          rating=5, feedback="春季防火期预警及时，火点发现时间大幅缩短。", confirmation="confirmed"),
    _live("sg-forest-fire-warning", "441600", "1.1.0", "2025-12-15", "2026-04-14", "155",
          "对比自建估算：开发 125 万元、运维 30 万元/年",
          "河源市万绿湖周边林区森林防火监测。"),
    DemoAdoption("qy-assisted-services", "440200", "1.0.0", "2024-06-17", "retired",
                 "韶关市村居帮办代办服务。",
                 live_on="2024-09-24", saving="55", basis="对比自建估算：开发 45 万元、运维 10 万元/年",
                 rating=4, feedback="村居群众办事不出村，帮办员使用方便。", confirmation="confirmed",
                 reason="村居自助终端统一迁移至省粤智助平台，本地系统下线。", closed="2026-06-30"),
    _live("qy-assisted-services", "445300", "1.1.0", "2025-03-03", "2025-05-27", "50",
          "对比自建估算：开发 42 万元、运维 8 万元/年",
          "云浮市镇村帮办代办服务。",
          confirmation="confirmed"),
    DemoAdoption("qy-assisted-services", "441500", "1.1.0", "2025-12-08", "withdrawn",
                 "汕尾市村居帮办代办服务。",
                 reason="经评估与我市已建的自助服务系统功能重叠，撤回申请。"),
    _live("mm-agri-product-traceability", "441700", "1.1.0", "2025-05-19", "2025-09-16", "62",
          "对比自建估算：开发 50 万元、运维 12 万元/年",
          "阳江市农产品质量安全追溯。",
          rating=4, feedback="合作社扫码登记方便，追溯码已覆盖主要农产品。", confirmation="confirmed"),
    _live("mm-supervision-tasks", "440800", "1.1.0", "2025-08-25", "2025-12-09", "38",
          "对比自建估算：开发 30 万元、运维 8 万元/年",
          "湛江市重点任务督查督办。",
          rating=5, feedback="督办事项全程可跟踪，逾期提醒实用。"),
    _live("sw-unified-identity-adapter", "440500", "1.1.0", "2025-06-30", "2025-09-09", "10",
          "对比自建估算：开发 8 万元、运维 2 万元/年",
          "汕头市自建业务系统对接省统一身份认证。",
          confirmation="confirmed"),
    _live("yj-typhoon-emergency-command", "440800", "1.0.1", "2026-03-09", "2026-06-23", "110",
          "对比自建估算：开发 90 万元、运维 20 万元/年",
          "湛江市台风防御应急指挥调度。",
          rating=5, feedback="汛期台风过程中指挥调度高效，转移人员信息实时汇总。", confirmation="confirmed"),
    _live("sz-unified-message-push", "440100", "1.2.0", "2025-03-17", "2025-06-24", "40",
          "对比自建估算：开发 32 万元、运维 8 万元/年",
          "广州市政务服务统一消息推送。",
          confirmation="confirmed"),
    _live("cz-electronic-archives", "441402", "1.1.0", "2025-10-20", "2026-01-20", "28",
          "对比自建估算：开发 22 万元、运维 6 万元/年",
          "梅江区机关电子档案单套制管理。",
          rating=4, feedback="区直机关电子文件归档全部线上完成。"),
    DemoAdoption("gz-gov-llm-qa", "440600", "1.0.0", "2026-11-16", "requested",
                 "佛山市 12345 热线和政务服务中心智能问答。"),
    DemoAdoption("hz-open-government-publishing", "441900", "2.1.0", "2026-09-14", "deploying",
                 "东莞市政府信息公开统一发布。"),
    DemoAdoption("fs-enterprise-data-portrait", "440700", "1.1.0", "2025-10-13", "retired",
                 "江门市企业数据画像，服务精准招商。",
                 reason="数据源授权未能落实，暂停部署，待省数据资源一网共享平台开放后再申请。",
                 closed="2026-02-27"),
)  # fmt: skip


@dataclass
class AdoptionReport:
    """What one run of the adoption seed wrote."""

    by_status: dict[str, int] = field(default_factory=dict)
    stale: list[int] = field(default_factory=list)  # adoptions the sweep marked stale


StaffFor = Callable[[set[str]], Awaitable[dict[str, m.User]]]


@dataclass(frozen=True, order=True)
class _Step:
    day: date
    order: int  # within a day, in the order of the story
    action: str
    hour: int = 10
    minute: int = 0


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA).astimezone(UTC)


def _clock(day: date) -> Callable[[], date]:
    """The service's ``today`` for a step taken on ``day``."""
    return lambda: day


def _home_city(code: str) -> str:
    """The city of a demo region (a district's parent)."""
    for district, parent, _name, _name_en in DEMO_DISTRICTS:
        if code == district:
            return parent
    return code


def _steps(demo: DemoAdoption, today: date) -> list[_Step]:
    """The story of ``demo`` as dated steps, up to ``today`` (yearly re-confirmations included)."""
    requested = demo.requested_on
    steps = [_Step(requested, 0, "request", 10, 0)]
    if demo.outcome == "requested":
        return steps
    decided = requested + timedelta(days=4)
    if demo.outcome == "withdrawn":
        return [*steps, _Step(requested + timedelta(days=6), 1, "withdraw", 14, 0)]
    if demo.outcome == "declined":
        return [*steps, _Step(decided, 1, "decline", 15, 30)]
    steps.append(_Step(decided, 1, "approve", 15, 30))
    if demo.outcome == "approved":
        return steps
    steps.append(_Step(decided + timedelta(days=8), 2, "deploying", 9, 30))
    live = demo.live_day
    closed = demo.closed_day
    if live is None:
        if demo.outcome == "retired" and closed is not None:
            steps.append(_Step(closed, 3, "give_up", 17, 0))
        return steps
    steps.append(_Step(live, 3, "live", 9, 0))
    later: list[_Step] = []
    if demo.confirmation:
        later.append(_Step(live + timedelta(days=9), 4, demo.confirmation, 16, 0))
    if demo.rating or demo.feedback:
        later.append(_Step(live + timedelta(days=35), 5, "feedback", 11, 0))
    if demo.upgrade:
        later.append(_Step(date.fromisoformat(demo.upgrade[1]), 6, "upgrade", 20, 0))
    end = closed or today
    due = add_year(live)
    while not demo.stale and due + timedelta(days=3) < end:
        day = due + timedelta(days=3)
        later.append(_Step(day, 7, "reconfirm", 10, 30))
        due = add_year(day)
    if demo.outcome == "retired" and closed is not None:
        later.append(_Step(closed, 8, "retire", 17, 0))
    return steps + sorted(later)


class _Storyteller:
    """Replays the stories through the service and dates what each step wrote."""

    def __init__(self, session: AsyncSession, staff: dict[str, m.User], today: date) -> None:
        self.session = session
        self.staff = staff
        self.today = today
        self.started = m.utcnow()
        self.latest = self.started - timedelta(hours=1)  # every moment before the run, as demo.py does

    def moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        return min(_at(day, hour, minute), self.latest)

    async def stamp(self, adoption: Adoption, moment: datetime) -> None:
        """Date what the last step wrote: its timeline event and the app's audit entry."""
        await self.session.execute(
            update(AdoptionEvent)
            .where(AdoptionEvent.adoption_id == adoption.id, AdoptionEvent.at >= self.started)
            .values(at=moment)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(m.AuditEntry)
            .where(m.AuditEntry.app_id == adoption.app_id, m.AuditEntry.at >= self.started)
            .values(at=moment)
            .execution_options(synchronize_session=False)
        )

    async def tell(self, demo: DemoAdoption, index: int) -> Adoption:
        app = await self.session.scalar(select(m.App).where(m.App.slug == demo.app))
        assert app is not None
        publisher = self.staff[_home_city(app.region_code)]
        adopter = self.staff[_home_city(demo.region)]
        city = CITY_NAME[_home_city(demo.region)]
        adoption: Adoption | None = None
        moments: dict[str, datetime] = {}
        for step in _steps(demo, self.today):
            day = min(step.day, self.today)
            service = AdoptionService(self.session, today=_clock(day))
            if step.action == "request":
                area = AREA_CODES[_home_city(demo.region)]
                adoption = await service.request(
                    adopter,
                    RequestData(
                        app=demo.app,
                        version=demo.version,
                        region=demo.region,
                        purpose=demo.purpose,
                        contact_name=CONTACTS[index % len(CONTACTS)],
                        contact_phone=f"{area}-{2_210_000 + 137 * index}",
                        environment=f"{city}市政务云（{CLOUD_NODES[index % len(CLOUD_NODES)]}）",
                    ),
                )
            else:
                assert adoption is not None
                await self._act(service, adoption, demo, step.action, publisher, adopter)
            assert adoption is not None
            moments[step.action] = self.moment(day, step.hour, step.minute)
            await self.stamp(adoption, moments[step.action])
        assert adoption is not None
        await self._date(adoption, moments)
        return adoption

    async def _act(
        self,
        service: AdoptionService,
        adoption: Adoption,
        demo: DemoAdoption,
        action: str,
        publisher: m.User,
        adopter: m.User,
    ) -> None:
        if action == "approve":
            await service.transition(
                publisher, adoption, "approved", "同意复用，部署手册和接口文档已发送联系人。"
            )
        elif action == "decline":
            await service.transition(publisher, adoption, "declined", demo.reason)
        elif action == "withdraw":
            await service.transition(adopter, adoption, "withdrawn", demo.reason)
        elif action == "deploying":
            await service.transition(adopter, adoption, "deploying", "政务云资源已到位，开始部署。")
        elif action == "live":
            went_live_on = min(demo.live_day, service.today()) if demo.live_day else None
            go_live = GoLive(went_live_on, Decimal(demo.saving) if demo.saving else None, demo.basis)
            await service.transition(adopter, adoption, "live", "完成联调测试，正式上线。", go_live=go_live)
        elif action in ("confirmed", "disputed"):
            comment = demo.confirmation_comment or CONFIRMED
            await service.confirm(publisher, adoption, action == "confirmed", comment)
        elif action == "feedback":
            await service.feedback(adopter, adoption, rating=demo.rating, comment=demo.feedback)
        elif action == "upgrade":
            assert demo.upgrade is not None
            await service.upgrade(adopter, adoption, demo.upgrade[0], "升级至新版本，获得新功能和性能改进。")
        elif action == "reconfirm":
            await service.reconfirm(adopter, adoption, RECONFIRMED)
        elif action in ("retire", "give_up"):
            await service.transition(adopter, adoption, "retired", demo.reason)
        else:  # a typo in the table
            raise ValueError(f"unknown demo step {action!r}")

    async def _date(self, adoption: Adoption, moments: dict[str, datetime]) -> None:
        """The adoption's own dates, and the versions it ran, at the days of its story."""
        decided = moments.get("approve") or moments.get("decline")
        closed = moments.get("retire") or moments.get("give_up") or moments.get("decline")
        closed = closed or moments.get("withdraw")
        confirmed = moments.get("confirmed") or moments.get("disputed")
        values: dict[str, Any] = {
            "created_at": moments["request"],
            "updated_at": max(moments.values()),
            "decided_at": decided,
            "closed_at": closed,
            "confirmed_at": confirmed,
            "feedback_at": moments.get("feedback"),
        }
        await self.session.execute(
            update(Adoption)
            .where(Adoption.id == adoption.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        versions = list(
            await self.session.scalars(
                select(AdoptionVersion)
                .where(AdoptionVersion.adoption_id == adoption.id)
                .order_by(AdoptionVersion.id)
            )
        )
        versions[0].since = moments["request"]
        if len(versions) > 1:
            versions[0].until = versions[1].since = moments["upgrade"]
        await self.session.flush()

    async def sweep(self, stale: list[Adoption]) -> list[int]:
        """Run the stale sweep on the night after the first left-alone adoption fell 30 days
        overdue (today at the latest), and date what it wrote."""
        dues = [a.reconfirm_due_on for a in stale if a.reconfirm_due_on is not None]
        if not dues:
            return []
        night = min(min(dues) + STALE_AFTER + timedelta(days=1), self.today)
        marked = await AdoptionService(self.session, today=lambda: night).sweep()
        moment = self.moment(night, 2)
        await self.session.execute(
            update(AdoptionEvent)
            .where(AdoptionEvent.adoption_id.in_(marked), AdoptionEvent.at >= self.started)
            .values(at=moment)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(m.AuditEntry)
            .where(m.AuditEntry.action == "adoption_stale", m.AuditEntry.at >= self.started)
            .values(at=moment)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Adoption)
            .where(Adoption.id.in_(marked))
            .values(updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        return marked


async def _districts(session: AsyncSession) -> None:
    service = RegionService(session)
    for code, parent, name, name_en in DEMO_DISTRICTS:
        if await session.get(m.Region, code) is None:
            await service.add_district(parent_code=parent, code=code, name=name, name_en=name_en)


async def seed_adoptions(
    session: AsyncSession, staff_for: StaffFor, *, today: date | None = None
) -> AdoptionReport:
    """Replay the demo adoptions whose app and adopting region have none yet.

    ``staff_for(cities)`` gives an active city-staff user for each city (``store.demo`` passes
    the catalog's publisher lookup, which creates a demo user where a city has none). ``today``
    is the last day a story may reach (China's today when not given).
    """
    report = AdoptionReport()
    today = today or datetime.now(CHINA).date()
    apps = {
        app.slug: app
        for app in await session.scalars(
            select(m.App).where(
                m.App.slug.in_({d.app for d in ADOPTIONS}), m.App.status == m.AppStatus.PUBLISHED
            )
        )
    }
    if not apps:
        return report
    await _districts(session)
    rows = await session.execute(
        select(m.App.slug, Adoption.adopter_region_code)
        .join(m.App, m.App.id == Adoption.app_id)
        .where(m.App.slug.in_(list(apps)))
    )
    taken = {(slug, region) for slug, region in rows}
    stories = [
        (index, demo)
        for index, demo in enumerate(ADOPTIONS)
        if demo.app in apps and (demo.app, demo.region) not in taken
    ]
    if not stories:
        return report
    cities = {_home_city(demo.region) for _index, demo in stories}
    cities |= {_home_city(apps[demo.app].region_code) for _index, demo in stories}
    teller = _Storyteller(session, await staff_for(cities), today)
    left_alone = []
    for index, demo in stories:
        adoption = await teller.tell(demo, index)
        report.by_status[adoption.status] = report.by_status.get(adoption.status, 0) + 1
        if demo.stale:
            left_alone.append(adoption)
    report.stale = await teller.sweep(left_alone)
    return report
