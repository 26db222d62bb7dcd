"""The demo catalog that ``store seed-demo`` publishes: a data table and a small builder.

Each :class:`DemoApp` is one app as a city would describe it; :func:`payload` turns it into what
``AppService.create`` takes and :func:`files_for` makes the small, real artifacts of a version
(a zip with a README and a configuration file, a Markdown manual, or an OpenAPI document). The
bytes are deterministic, so the same version always has the same SHA-256.

Nothing here touches the database; ``store.demo`` drives the services.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from store.regions.data import CITIES

# Region code -> Latin city name ("Meizhou"), for user names, e-mail addresses and URLs.
CITY_LATIN: dict[str, str] = {city.code: city.name_en for city in CITIES}
CITY_NAME: dict[str, str] = {city.code: city.name for city in CITIES}


@dataclass(frozen=True)
class DemoVersion:
    version: str
    released: str  # ISO date
    notes: tuple[str, ...]
    min_requirements: str = ""
    yank: str = ""  # withdrawn a few days after release, for this reason

    @property
    def release_date(self) -> date:
        return date.fromisoformat(self.released)


@dataclass(frozen=True)
class DemoApp:
    slug: str
    region: str
    kind: str  # application, component, capability
    category: str  # governance, services, collaboration, support
    name: str
    name_en: str
    summary: str
    department: str
    contact: str
    maturity: str  # pilot, promoted, mature
    licence: str  # an SPDX id (open source), "gov_free" or "paid"
    offering: str  # standard_free, negotiated, ready_to_use
    fee: int | None  # deployment fee in yuan
    tags: str  # space-separated
    tech: tuple[str, ...]
    requirements: str
    background: str
    features: tuple[str, ...]
    results: tuple[str, ...]
    versions: tuple[DemoVersion, ...]
    price: int | None = None  # yuan, for paid or negotiated offers
    refs: tuple[tuple[str, int, int], ...] = ()  # reference prices: (deal, yuan, year)
    modes: str = "gov_cloud"  # space-separated deployment modes
    xc: tuple[str, str, str] = ("", "", "")  # 信创: CPUs, operating systems, databases (space-separated)
    yue: str = ""  # 粤系列 integrations, space-separated
    endpoints: tuple[tuple[str, str, str], ...] = ()  # for the OpenAPI document: (method, path, summary)
    state: str = "published"  # published, submitted, draft, deprecated
    returned: str = ""  # the reviewer first returned the submission with this comment
    withheld: tuple[str, ...] = ()  # fields missing when first submitted, added after the return
    deprecation: tuple[str, str, str] | None = None  # (ISO date, reason, successor slug)

    @property
    def city(self) -> str:
        return CITY_NAME[self.region]


@dataclass(frozen=True)
class DemoFile:
    filename: str
    kind: str  # an ArtifactKind value
    content_type: str
    data: bytes


# --------------------------------------------------------------------------------------------- data

V = DemoVersion

CATALOG: tuple[DemoApp, ...] = (
    # ------------------------------------------------------------------ 广州
    DemoApp(
        slug="gz-medical-insurance-mobile-pay",
        region="440100",
        kind="application",
        category="services",
        name="医保电子凭证移动支付平台",
        name_en="Medical insurance e-voucher mobile payment",
        summary="参保人在定点医院、药店用医保电子凭证扫码结算，个人账户与自付部分一次支付，无需排队。",
        department="广州市医疗保障局",
        contact="黄工",
        maturity="mature",
        licence="gov_free",
        offering="standard_free",
        fee=120_000,
        tags="医保 移动支付 电子凭证 异地就医",
        tech=("Java 17", "Spring Cloud", "Vue 3", "达梦 DM8", "Redis", "Nginx"),
        requirements="政务云 8C16G × 4（应用）+ 16C32G × 2（数据库）；对接国家医保信息平台接口；等保三级。",
        background="门诊缴费排队时间长、异地就医结算繁琐，是群众反映最集中的医保问题之一。",
        features=(
            "医保电子凭证扫码、刷脸两种身份核验方式",
            "个人账户、统筹基金与自付部分一次结算",
            "异地就医备案线上办理，结算结果实时推送",
            "定点医药机构对账与清算报表",
        ),
        results=(
            "全市 2,300 余家定点医药机构接入，月均结算 1,100 万笔",
            "门诊平均缴费等候时间由 15 分钟缩短至 1 分钟以内",
        ),
        versions=(
            V("2.0.0", "2024-04-16", ("支持医保电子凭证扫码与刷脸结算", "新增异地就医备案线上办理")),
            V("2.1.0", "2024-11-05", ("新增药店购药移动支付", "对账报表支持按机构导出 Excel")),
            V("2.2.0", "2025-08-19", ("接入粤省事“医保码”入口", "结算接口性能提升 40%")),
        ),
        refs=(("梅州市复用部署（含接口联调）", 150_000, 2025), ("湛江市复用部署", 135_000, 2025)),
        xc=("鲲鹏 海光", "统信UOS 银河麒麟", "达梦"),
        yue="粤省事 粤智助",
    ),
    DemoApp(
        slug="gz-city-operation-grid",
        region="440100",
        kind="application",
        category="governance",
        name="城市运行管理服务平台（网格化）",
        name_en="City operation and grid management platform",
        summary="以网格为单元汇聚城市部件、事件和巡查力量，事件发现、派遣、处置、核查、结案全流程闭环。",
        department="广州市城市管理和综合执法局",
        contact="梁科长",
        maturity="mature",
        licence="Apache-2.0",
        offering="standard_free",
        fee=200_000,
        tags="网格化 城市管理 一网统管 事件处置",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "PostgreSQL 15", "PostGIS", "Kafka"),
        requirements="政务云 16C32G × 3；GIS 底图服务（可复用省政务一张图）；移动端需企业微信或粤政易。",
        background="城市管理问题分散在多个部门，发现靠人工巡查、处置靠电话协调，难以形成闭环。",
        features=(
            "网格划分与网格员管理，支持街道、社区两级",
            "事件上报（巡查、12345 转办、视频 AI 识别）自动立案",
            "按权责清单智能派遣，超时预警与督办",
            "处置结果现场核查与结案评价",
            "运行体征大屏：事件热力、处置时效、部门排名",
        ),
        results=("事件按期处置率由 82% 提升至 97%", "已在 11 个区、176 个街道全面使用"),
        versions=(
            V("1.0.0", "2024-02-27", ("网格管理、事件上报与派遣闭环",)),
            V("1.1.0", "2024-10-08", ("新增视频 AI 识别事件自动立案", "支持对接粤治慧事件中心")),
        ),
        refs=(("韶关市复用（含 4 个区县）", 230_000, 2025),),
        xc=("鲲鹏", "openEuler 统信UOS", "openGauss"),
        yue="粤治慧 粤政易",
    ),
    DemoApp(
        slug="gz-12345-smart-dispatch",
        region="440100",
        kind="component",
        category="governance",
        name="12345 热线智能派单组件",
        name_en="12345 hotline smart dispatch",
        summary="基于工单文本自动识别诉求类型和承办单位，给出派单建议，减少二次转派。",
        department="广州市政务服务和数据管理局",
        contact="邓工",
        maturity="promoted",
        licence="paid",
        offering="negotiated",
        fee=60_000,
        price=380_000,
        tags="12345 热线 智能派单 人工智能",
        tech=("Python 3.11", "FastAPI", "PyTorch", "Milvus", "PostgreSQL 15"),
        requirements="GPU 推理节点 1 台（或同级国产加速卡）或 CPU 32C64G；需提供近一年脱敏工单用于调优。",
        background="热线工单量大、承办单位多，人工派单依赖经验，转派、退单比例高。",
        features=(
            "工单诉求分类（三级目录）与承办单位推荐",
            "相似历史工单检索，供话务员参考答复口径",
            "派单结果反馈学习，持续提升准确率",
            "提供 REST 接口，可嵌入各地现有热线系统",
        ),
        results=("派单准确率 91%，二次转派率下降 35%", "话务员平均派单用时由 90 秒降至 25 秒"),
        versions=(
            V("1.0.0", "2024-07-02", ("首个正式版本：诉求分类与承办单位推荐",)),
            V("1.1.0", "2025-03-11", ("新增相似工单检索", "模型支持在昇腾加速卡上推理")),
            V("1.2.0", "2026-01-20", ("支持按地市权责清单本地化配置", "派单结果反馈学习")),
        ),
        refs=(("清远市 12345 热线复用", 320_000, 2025), ("揭阳市 12345 热线复用", 300_000, 2026)),
        xc=("鲲鹏 海光", "银河麒麟", "人大金仓"),
        yue="粤省心",
    ),
    DemoApp(
        slug="gz-business-startup",
        region="440100",
        kind="application",
        category="services",
        name="企业开办一网通办平台",
        name_en="One-stop business start-up",
        summary="营业执照、印章刻制、发票申领、社保登记、公积金开户一表填报、并联审批，一天内办结。",
        department="广州市市场监督管理局",
        contact="刘工",
        maturity="mature",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=90_000,
        tags="企业开办 市场监管 商事登记 一件事",
        tech=("Java 11", "Spring Boot 2", "Vue 2", "达梦 DM8", "RabbitMQ"),
        requirements="政务云 8C16G × 2；需对接本地市场监管登记系统、税务、人社、公积金接口。",
        background="企业开办涉及市场监管、公安、税务、人社、公积金等多个部门，申请人需要多头跑、重复填。",
        features=(
            "一表填报，信息自动分发至各部门",
            "电子营业执照与电子印章同步发放",
            "全程网办进度实时查询",
            "支持粤商通扫码登录与电子签名",
        ),
        results=("企业开办时间压缩至 0.5 个工作日", "全程网办率 96%"),
        versions=(
            V("3.0.0", "2024-03-19", ("一表填报与并联审批", "对接粤商通登录")),
            V("3.1.0", "2025-05-27", ("新增电子印章同步发放", "适配达梦 DM8")),
        ),
        refs=(
            ("汕尾市复用部署", 95_000, 2025),
            ("云浮市复用部署", 90_000, 2025),
            ("潮州市复用部署", 98_000, 2026),
        ),
        xc=("飞腾 鲲鹏", "银河麒麟", "达梦"),
        yue="粤商通",
    ),
    DemoApp(
        slug="gz-gov-llm-qa",
        region="440100",
        kind="capability",
        category="support",
        name="政务大模型智能问答能力",
        name_en="Government LLM question answering",
        summary="基于本地化部署的政务大模型和办事指南知识库，为网站、小程序、热线提供多轮问答接口。",
        department="广州市政务服务和数据管理局",
        contact="邓工",
        maturity="pilot",
        licence="gov_free",
        offering="ready_to_use",
        fee=0,
        tags="人工智能 大模型 智能客服 知识库",
        tech=("Python 3.11", "vLLM", "FastAPI", "Milvus", "Redis"),
        requirements="即开即用：申请接入密钥即可调用；如需本地部署，需 8 卡国产加速服务器 1 台。",
        background="办事指南条目多、更新快，群众在网站和热线上找不到、问不清的情况突出。",
        features=(
            "办事指南知识库自动同步与切片",
            "多轮问答，答案附引用来源",
            "敏感问题识别与人工转接",
            "按调用方统计问答量和满意度",
        ),
        results=("试点期间解答 42 万次咨询，满意率 89%",),
        versions=(
            V("0.9.0", "2025-12-09", ("试点版本：办事指南问答",)),
            V("1.0.0", "2026-06-16", ("多轮对话与引用来源", "敏感问题转人工")),
        ),
        modes="hosted saas",
        xc=("鲲鹏", "openEuler", ""),
        yue="粤省心 粤省事",
        endpoints=(
            ("post", "/chat/completions", "多轮问答"),
            ("get", "/knowledge/sources", "知识库来源列表"),
            ("post", "/feedback", "答复满意度反馈"),
        ),
    ),
    # ------------------------------------------------------------------ 深圳
    DemoApp(
        slug="sz-unified-message-push",
        region="440300",
        kind="capability",
        category="support",
        name="统一消息推送能力",
        name_en="Unified message push",
        summary="一个接口把办件通知发到短信、粤省事、粤政易和站内信，统一模板审核、频控和送达回执。",
        department="深圳市政务服务和数据管理局",
        contact="周工",
        maturity="mature",
        licence="gov_free",
        offering="ready_to_use",
        fee=0,
        tags="消息推送 短信 公共支撑",
        tech=("Go 1.22", "Kafka", "Redis", "TiDB"),
        requirements="即开即用：政务外网可达即可调用；短信通道费用由调用单位按实结算。",
        background="各系统各自对接短信网关，模板不统一、频控缺失，群众收到重复或过期通知。",
        features=(
            "短信、粤省事、粤政易、站内信多通道统一发送",
            "消息模板在线审核与敏感词校验",
            "按号码、按业务的频控与免打扰时段",
            "送达回执与失败重试",
        ),
        results=("日均推送 380 万条，送达率 99.6%", "全市 60 余个业务系统接入"),
        versions=(
            V("1.0.0", "2024-05-14", ("短信与站内信通道",)),
            V("1.2.0", "2025-02-25", ("新增粤省事、粤政易通道", "送达回执回调")),
            V(
                "2.0.0",
                "2025-10-14",
                ("接口升级为 v2（兼容 v1 六个月）", "频控策略可按业务配置"),
                min_requirements="调用方需在 2026 年 4 月前改用 v2 接口；回调地址须支持 HTTPS。",
            ),
        ),
        modes="hosted",
        xc=("鲲鹏", "统信UOS", "TiDB"),
        yue="粤省事 粤政易",
        endpoints=(
            ("post", "/messages", "发送一条消息"),
            ("get", "/messages/{id}", "查询送达状态"),
            ("get", "/templates", "已审核的消息模板"),
        ),
    ),
    DemoApp(
        slug="sz-sms-notice-component",
        region="440300",
        kind="component",
        category="support",
        name="政务短信通知组件",
        name_en="Government SMS notice component",
        summary="嵌入业务系统的短信发送组件，对接运营商短信网关，提供模板与发送记录管理。",
        department="深圳市政务服务和数据管理局",
        contact="周工",
        maturity="mature",
        licence="Apache-2.0",
        offering="standard_free",
        fee=20_000,
        tags="短信 消息推送",
        tech=("Java 8", "Spring Boot 2", "MySQL 5.7"),
        requirements="随业务系统部署，JDK 8 以上；需运营商短信网关账号。",
        background="2019 年为审批系统建设的短信组件，后被多个系统引用。",
        features=("短信模板管理", "发送记录查询", "运营商网关故障切换"),
        results=("曾在 20 余个业务系统中使用",),
        versions=(
            V("1.0.0", "2024-01-16", ("整理 2019 年以来的短信组件，首次上架",)),
            V("1.0.1", "2024-03-05", ("修复长短信拆分计费问题",)),
        ),
        xc=("", "", ""),
        state="deprecated",
        deprecation=(
            "2025-11-03",
            "功能已并入“统一消息推送能力”，该能力即开即用、无需部署，请新项目直接接入；本组件不再更新。",
            "sz-unified-message-push",
        ),
    ),
    DemoApp(
        slug="sz-e-license-verification",
        region="440300",
        kind="capability",
        category="support",
        name="电子证照共享核验能力",
        name_en="E-licence sharing and verification",
        summary="办事时凭授权调取、核验电子证照，免交纸质证明；支持身份证、营业执照、不动产权证等 200 余类。",
        department="深圳市政务服务和数据管理局",
        contact="吴工",
        maturity="mature",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=50_000,
        tags="电子证照 核验 免证办 数据共享",
        tech=("Java 17", "Spring Boot 3", "人大金仓 KES V8", "国密 SM2/SM3"),
        requirements="政务云 4C8G × 2；需接入省电子证照系统并取得调用授权；国密证书。",
        background="办事群众反复提交纸质证照复印件，窗口人员难以核验真伪。",
        features=(
            "证照授权调取与用证记录留痕",
            "证照真伪核验（国密签名验签）",
            "OFD/PDF 版式文件生成与水印",
            "用证统计与异常调用告警",
        ),
        results=("累计核验电子证照 5,600 万次", "420 个事项实现“免证办”"),
        versions=(
            V("1.3.0", "2024-06-04", ("支持 200 余类证照核验",)),
            V("1.4.0", "2025-07-22", ("新增 OFD 版式文件", "用证记录对接省级审计")),
        ),
        refs=(("河源市复用部署", 60_000, 2025),),
        xc=("鲲鹏 飞腾", "银河麒麟 统信UOS", "人大金仓"),
        yue="粤省事 粤商通",
        endpoints=(
            ("post", "/licences/query", "按授权查询证照"),
            ("post", "/licences/verify", "核验证照真伪"),
            ("get", "/licences/{id}/file", "下载版式文件"),
        ),
    ),
    DemoApp(
        slug="sz-policy-benefits-no-application",
        region="440300",
        kind="application",
        category="services",
        name="惠企政策“免申即享”平台",
        name_en="Business subsidies without application",
        summary="基于企业数据自动匹配符合条件的惠企政策，经企业确认后直接兑现资金，无需申报。",
        department="深圳市工业和信息化局",
        contact="陈科长",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=160_000,
        tags="惠企政策 免申即享 企业服务",
        tech=("Java 17", "Spring Boot 3", "React 18", "OceanBase", "Flink"),
        requirements="政务云 8C16G × 3；需对接市场监管、税务、人社等企业数据；资金拨付对接财政一体化系统。",
        background="惠企政策散落在各部门，企业不知道、不会报，申报材料多、兑现周期长。",
        features=(
            "政策条款结构化与规则配置",
            "企业画像自动匹配，精准推送",
            "企业在粤商通一键确认，资金直达",
            "兑现进度与资金使用监管",
        ),
        results=("已上线 126 项免申即享政策", "兑现资金 18.6 亿元，平均兑现周期 7 天"),
        versions=(
            V("1.0.0", "2024-09-10", ("政策规则配置与企业匹配",)),
            V("1.1.0", "2025-04-08", ("粤商通一键确认", "资金兑现进度查询")),
        ),
        refs=(("中山市复用部署", 180_000, 2025),),
        xc=("海光", "统信UOS", "OceanBase"),
        yue="粤商通",
    ),
    DemoApp(
        slug="sz-meeting-minutes-assistant",
        region="440300",
        kind="application",
        category="collaboration",
        name="会议纪要智能生成助手",
        name_en="Meeting minutes assistant",
        summary="会议录音自动转写、区分发言人，按机关公文格式生成会议纪要初稿，支持在粤政易中修改流转。",
        department="深圳市政务服务和数据管理局",
        contact="周工",
        maturity="pilot",
        licence="gov_free",
        offering="standard_free",
        fee=80_000,
        tags="人工智能 会议 公文 协同办公",
        tech=("Python 3.11", "FunASR", "vLLM", "Vue 3", "PostgreSQL 15"),
        requirements="本地部署：8 卡国产加速服务器 1 台；录音文件存储 2TB；仅限政务外网使用。",
        background="机关会议多，纪要整理耗时，且格式、用语不统一。",
        features=(
            "会议录音实时转写，区分发言人",
            "按《党政机关公文格式》生成纪要初稿",
            "议定事项自动提取，生成督办任务",
            "与粤政易、粤视会对接",
        ),
        results=("试点单位纪要整理时间平均减少 70%",),
        versions=(V("0.9.0", "2026-10-27", ("试点版本：转写、纪要初稿与议定事项提取",)),),
        xc=("鲲鹏", "openEuler", "openGauss"),
        yue="粤政易 粤视会",
        state="submitted",
    ),
    DemoApp(
        slug="sz-public-data-sandbox",
        region="440300",
        kind="application",
        category="support",
        name="公共数据授权运营沙箱",
        name_en="Public data authorised-use sandbox",
        summary="数据可用不可见：申请方在隔离环境中使用脱敏公共数据建模，结果经审核后导出。",
        department="深圳市政务服务和数据管理局",
        contact="吴工",
        maturity="pilot",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=300_000,
        tags="数据要素 授权运营 隐私计算",
        tech=("Kubernetes", "JupyterHub", "Python 3.11", "PostgreSQL 15"),
        requirements="政务云 Kubernetes 集群（≥ 6 节点 16C64G）；对象存储 10TB。",
        background="公共数据开发利用需求旺盛，但直接开放存在安全风险。",
        features=("隔离的建模环境", "数据脱敏与水印", "结果导出审核", "全流程操作审计"),
        results=("试点中，尚未推广",),
        versions=(V("0.3.0-beta.1", "2026-09-15", ("内部测试版：建模环境与导出审核",)),),
        xc=("鲲鹏", "openEuler", "openGauss"),
        state="draft",
    ),
    # ------------------------------------------------------------------ 珠海
    DemoApp(
        slug="zh-hengqin-cross-border-services",
        region="440400",
        kind="application",
        category="services",
        name="琴澳跨境政务服务专区",
        name_en="Hengqin–Macao cross-border services",
        summary="澳门居民和企业在横琴办理商事登记、社保、公积金等事项，繁体中文与葡文界面，澳门证件可直接认证。",
        department="珠海市政务服务和数据管理局",
        contact="何工",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=110_000,
        tags="跨境通办 港澳 湾区 一网通办",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "人大金仓 KES V8"),
        requirements="政务云 8C16G × 2；需对接跨境身份认证服务；界面多语言资源可按需扩展。",
        background="澳门居民到横琴办事面临证件不通、语言不通、流程不熟等问题。",
        features=(
            "澳门身份证、回乡证在线认证",
            "繁体中文、葡萄牙文办事界面",
            "跨境视频帮办",
            "跨境办事进度推送至澳门一户通",
        ),
        results=("可办事项 260 项，澳门居民在线办件 9.4 万件",),
        versions=(
            V("1.0.0", "2024-08-20", ("跨境身份认证与商事登记",)),
            V("1.1.0", "2025-06-03", ("新增葡文界面", "跨境视频帮办")),
        ),
        refs=(("中山市复用（中山–澳门专区）", 120_000, 2026),),
        xc=("飞腾", "银河麒麟", "人大金仓"),
        yue="粤省事 粤商通",
    ),
    # ------------------------------------------------------------------ 佛山
    DemoApp(
        slug="fs-enterprise-data-portrait",
        region="440600",
        kind="component",
        category="governance",
        name="涉企数据画像组件",
        name_en="Enterprise data portrait component",
        summary="汇聚登记、纳税、用电、社保等涉企数据，生成企业经营画像和风险标签，供经济运行监测与精准服务调用。",
        department="佛山市工业和信息化局",
        contact="冯工",
        maturity="promoted",
        licence="Apache-2.0",
        offering="standard_free",
        fee=70_000,
        tags="企业画像 经济运行 数据分析",
        tech=("Python 3.11", "Apache Spark", "ClickHouse", "FastAPI"),
        requirements="大数据平台（Spark 3）或政务云 16C64G × 3；需本地涉企数据接入授权。",
        background="制造业企业多，经济运行监测依赖层层上报，时效差。",
        features=(
            "百余项涉企指标标准化",
            "经营画像与风险标签",
            "标签接口供其他系统调用",
            "行业、镇街维度分析",
        ),
        results=("覆盖规上工业企业 9,800 家，月度经济运行分析提前 10 天出数",),
        versions=(
            V("1.0.0", "2024-10-15", ("涉企指标与经营画像",)),
            V("1.1.0", "2025-09-09", ("新增风险标签", "ClickHouse 存储适配")),
        ),
        xc=("海光", "统信UOS", ""),
        yue="粤商通",
    ),
    DemoApp(
        slug="fs-construction-project-approval",
        region="440600",
        kind="application",
        category="services",
        name="工程建设项目审批管理系统",
        name_en="Construction project approval system",
        summary="立项用地、工程规划、施工许可、竣工验收四个阶段并联审批，联合验收、多测合一，审批时限压减一半。",
        department="佛山市住房和城乡建设局",
        contact="冯工",
        maturity="mature",
        licence="paid",
        offering="negotiated",
        fee=100_000,
        price=560_000,
        tags="工程建设 审批 联合验收 多测合一",
        tech=("Java 11", "Spring Boot 2", "Vue 2", "人大金仓 KES V8", "MinIO"),
        requirements="政务云 16C32G × 2；对接省工程建设项目审批管理系统与本地不动产登记系统。",
        background="工程建设审批环节多、材料重复、部门串联，项目从立项到验收平均超过 200 个工作日。",
        features=(
            "四阶段并联审批与一张表单",
            "联合图审、联合验收",
            "多测合一成果共享",
            "审批时限预警与效能监督",
        ),
        results=("社会投资项目审批时限压减至 35 个工作日",),
        versions=(
            V("3.1.0", "2024-06-25", ("四阶段并联审批",)),
            V(
                "3.2.0",
                "2025-03-18",
                ("新增联合验收模块", "升级至人大金仓 KES V8"),
                yank="升级脚本在人大金仓上会丢失历史办件的“联合验收意见”字段，已下架；请直接安装 3.2.1。",
            ),
            V(
                "3.2.1",
                "2025-03-27",
                ("修复 3.2.0 升级脚本丢失联合验收意见的问题",),
                min_requirements="从 3.1.x 直接升级；人大金仓 KES V8R6 及以上。",
            ),
        ),
        refs=(("肇庆市复用（含省系统对接）", 520_000, 2025),),
        xc=("飞腾", "银河麒麟", "人大金仓"),
        yue="粤商通",
    ),
    # ------------------------------------------------------------------ 东莞
    DemoApp(
        slug="dg-random-inspection",
        region="441900",
        kind="application",
        category="governance",
        name="“双随机、一公开”智能监管系统",
        name_en="Random inspection and credit supervision",
        summary="按企业信用风险分类随机抽取检查对象和执法人员，跨部门联合抽查，结果自动公示并记入信用档案。",
        department="东莞市市场监督管理局",
        contact="莫工",
        maturity="mature",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=80_000,
        tags="市场监管 双随机 信用监管 执法",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "达梦 DM8"),
        requirements="政务云 4C8G × 2；对接国家企业信用信息公示系统（广东）。",
        background="检查对象和人员由人工选定，存在随意检查、重复检查，企业负担重。",
        features=(
            "检查对象名录库与执法人员库",
            "按信用风险分类差异化抽查比例",
            "跨部门联合抽查计划",
            "检查结果自动公示",
        ),
        results=("跨部门联合抽查占比 42%，企业受检次数下降 30%",),
        versions=(
            V("2.0.0", "2024-04-09", ("信用风险分类抽查",)),
            V("2.1.0", "2025-01-21", ("跨部门联合抽查", "移动执法 App")),
        ),
        refs=(("揭阳市复用部署", 85_000, 2025), ("阳江市复用部署", 80_000, 2025)),
        xc=("鲲鹏", "统信UOS", "达梦"),
        yue="粤商通",
    ),
    DemoApp(
        slug="dg-industrial-safety-monitoring",
        region="441900",
        kind="application",
        category="governance",
        name="工贸企业安全生产风险监测预警系统",
        name_en="Industrial safety risk monitoring",
        summary="粉尘涉爆、有限空间、液氨制冷等重点场所物联感知，风险分级预警，推送至企业和属地监管人员。",
        department="东莞市应急管理局",
        contact="莫工",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=150_000,
        tags="应急 安全生产 物联网 预警",
        tech=("Java 17", "Spring Boot 3", "EMQX", "TDengine", "Vue 3"),
        requirements="政务云 8C16G × 3；企业端传感器按《工贸企业重大事故隐患判定标准》配置，费用由企业承担。",
        background="工贸企业数量多、监管力量有限，事故隐患发现滞后。",
        features=(
            "物联感知数据接入（MQTT）",
            "风险分级预警与短信、粤政易推送",
            "隐患整改闭环",
            "企业安全画像",
        ),
        results=("接入重点企业 3,200 家，预警处置率 98%",),
        versions=(
            V("1.0.0", "2025-05-13", ("首个正式版本",)),
            V("1.1.0", "2026-02-24", ("新增液氨制冷场景",)),
        ),
        xc=("海光", "银河麒麟", ""),
        yue="粤治慧 粤政易",
    ),
    # ------------------------------------------------------------------ 中山
    DemoApp(
        slug="zs-elderly-care-subsidy",
        region="442000",
        kind="application",
        category="services",
        name="养老服务补贴“一件事”",
        name_en="Elderly care subsidy, one application",
        summary="高龄津贴、居家养老服务补贴、护理补贴一次申请，数据自动比对核验，符合条件的老人免申即享。",
        department="中山市民政局",
        contact="郑工",
        maturity="mature",
        licence="gov_free",
        offering="standard_free",
        fee=60_000,
        tags="养老 民政 一件事 适老化",
        tech=("Java 11", "Spring Boot 2", "uni-app", "达梦 DM8"),
        requirements="政务云 4C8G × 2；对接户籍、殡葬、社保数据用于资格比对。",
        background="老年人申请各类补贴要分别跑民政、社区，材料多，子女代办不便。",
        features=("三类补贴一次申请", "户籍、殡葬数据自动比对", "粤智助自助机和社区代办", "补贴发放到账提醒"),
        results=("3.1 万名老人享受补贴，其中 72% 免申即享",),
        versions=(
            V("1.0.0", "2025-01-07", ("三类补贴一次申请",)),
            V("1.1.0", "2025-09-23", ("粤智助自助机办理",)),
        ),
        refs=(("云浮市复用部署", 65_000, 2025),),
        xc=("飞腾", "统信UOS", "达梦"),
        yue="粤省事 粤智助",
    ),
    DemoApp(
        slug="zs-internal-affairs-one-stop",
        region="442000",
        kind="application",
        category="collaboration",
        name="机关内部“最多跑一次”协同平台",
        name_en="Inter-agency affairs in one trip",
        summary="干部调动、公务用车、资产调拨、人事档案转递等机关内部事项网上流转，部门之间“最多跑一次”。",
        department="中山市政务服务和数据管理局",
        contact="郑工",
        maturity="promoted",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=50_000,
        tags="机关内部 最多跑一次 协同办公",
        tech=("Java 17", "Spring Boot 3", "Flowable", "Vue 3", "达梦 DM8"),
        requirements="政务云 4C8G × 2；通过粤政易统一身份和组织架构接入。",
        background="机关内部事项要跑多个部门盖章签字，效率低且无据可查。",
        features=("内部事项清单与办事指南", "跨部门电子流转与电子印章", "办理时限监督", "粤政易移动审批"),
        results=("86 项内部事项网上流转，平均办理时间缩短 60%",),
        versions=(V("1.0.0", "2026-02-10", ("首个正式版本",)), V("1.1.0", "2026-07-14", ("电子印章",))),
        refs=(("江门市复用部署", 48_000, 2026),),
        xc=("鲲鹏", "统信UOS", "达梦"),
        yue="粤政易",
    ),
    # ------------------------------------------------------------------ 江门
    DemoApp(
        slug="jm-overseas-chinese-services",
        region="440700",
        kind="application",
        category="services",
        name="侨务服务“跨境通办”",
        name_en="Overseas Chinese cross-border services",
        summary="海外侨胞在线办理侨房、侨资企业、亲属关系证明等侨务事项，视频核验身份，证明文件电子送达。",
        department="江门市人民政府侨务办公室",
        contact="甄工",
        maturity="promoted",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=50_000,
        tags="侨务 跨境通办 证明事项",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "PostgreSQL 15"),
        requirements="政务云 4C8G × 2；视频核验需对接公安人口信息与境外证件核验服务。",
        background="江门是著名侨乡，海外侨胞回乡办事路途远、时差大。",
        features=("境外证件视频核验", "侨务事项在线办理", "证明文件电子送达", "中英文双语界面"),
        results=("服务 40 个国家和地区的侨胞 1.2 万人次",),
        versions=(V("1.0.0", "2025-06-17", ("首个正式版本",)),),
        refs=(("汕头市复用（侨批、侨房事项）", 55_000, 2025), ("梅州市复用", 52_000, 2026)),
        xc=("鲲鹏", "openEuler", "openGauss"),
        yue="粤省事",
    ),
    # ------------------------------------------------------------------ 惠州
    DemoApp(
        slug="hz-petrochemical-park-safety",
        region="441300",
        kind="application",
        category="governance",
        name="石化园区安全风险智能化管控平台",
        name_en="Petrochemical park safety control",
        summary="园区重大危险源、封闭化管理、特殊作业和应急救援一张图管控，满足应急管理部园区建设指南要求。",
        department="惠州市应急管理局",
        contact="叶工",
        maturity="mature",
        licence="paid",
        offering="negotiated",
        fee=200_000,
        price=1_200_000,
        tags="应急 危化品 化工园区 一张图",
        tech=("Java 17", "Spring Cloud", "Cesium", "TDengine", "达梦 DM8"),
        requirements="政务云 16C64G × 4；园区视频、门禁、气体检测设备接入；三维模型按园区实际建模。",
        background="化工园区企业密集、危险源多，安全监管要求高。",
        features=(
            "重大危险源在线监测",
            "封闭化管理（人员、车辆）",
            "特殊作业报备与视频监督",
            "应急预案与事故模拟",
        ),
        results=("通过应急管理部化工园区安全风险评估 D 级（最低风险）",),
        versions=(
            V("2.0.0", "2024-09-24", ("三维一张图",)),
            V("2.1.0", "2025-06-17", ("特殊作业视频 AI 识别",)),
            V("2.2.0", "2026-04-21", ("应急救援资源调度",)),
        ),
        refs=(("茂名市石化园区复用", 1_100_000, 2025), ("湛江市东海岛园区复用", 1_050_000, 2026)),
        xc=("鲲鹏", "银河麒麟", "达梦"),
        yue="粤治慧 粤视会",
    ),
    DemoApp(
        slug="hz-open-government-publishing",
        region="441300",
        kind="application",
        category="collaboration",
        name="政务公开智能发布平台",
        name_en="Open government publishing",
        summary="政府信息主动公开、依申请公开、政策解读一站式发布，发布前自动检查敏感信息和个人隐私。",
        department="惠州市人民政府办公室",
        contact="叶工",
        maturity="mature",
        licence="gov_free",
        offering="standard_free",
        fee=60_000,
        tags="政务公开 信息发布 隐私保护",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "人大金仓 KES V8", "Elasticsearch"),
        requirements="政务云 4C8G × 2；对接本地政府网站集约化平台。",
        background="公开信息分散在各部门网站，个人信息泄露风险时有发生。",
        features=(
            "主动公开目录管理",
            "依申请公开全流程办理",
            "发布前敏感信息与隐私检测",
            "政策文件与解读关联发布",
        ),
        results=("依申请公开按期答复率 100%，隐私泄露零发生",),
        versions=(V("2.0.0", "2025-04-01", ("依申请公开办理",)), V("2.1.0", "2025-07-15", ("隐私检测",))),
        xc=("飞腾", "银河麒麟", "人大金仓"),
        yue="粤政易",
    ),
    # ------------------------------------------------------------------ 肇庆
    DemoApp(
        slug="zq-rural-collective-assets",
        region="441200",
        kind="application",
        category="governance",
        name="农村集体“三资”监管平台",
        name_en="Rural collective assets supervision",
        summary="农村集体资金、资产、资源线上管理，合同、交易、财务全程留痕，异常交易自动预警。",
        department="肇庆市农业农村局",
        contact="罗工",
        maturity="promoted",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=90_000,
        tags="三资监管 乡村振兴 农村",
        tech=("Java 11", "Spring Boot 2", "Vue 2", "人大金仓 KES V8"),
        requirements="政务云 4C8G × 2；村级财务数据按省农村集体资产管理规范导入。",
        background="农村集体资产家底不清、合同不规范，易引发信访和廉政风险。",
        features=(
            "三资台账与清产核资",
            "合同电子化与到期提醒",
            "资产交易线上竞价",
            "异常交易预警推送纪委监委",
        ),
        results=("覆盖 1,400 个行政村，集体资产交易溢价率 18%",),
        versions=(V("1.0.0", "2025-02-18", ("首个正式版本",)), V("1.1.0", "2025-12-02", ("线上竞价",))),
        xc=("飞腾", "银河麒麟", "人大金仓"),
        yue="粤政易",
    ),
    # ------------------------------------------------------------------ 梅州
    DemoApp(
        slug="mz-food-safety-supervision",
        region="441400",
        kind="application",
        category="governance",
        name="食品安全智慧监管平台",
        name_en="Smart food safety supervision",
        summary="“明厨亮灶”视频 AI 识别、食品抽检、冷链追溯一体化，监管人员手机端接收预警并处置。",
        department="梅州市市场监督管理局",
        contact="张工",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=70_000,
        tags="市场监管 食品安全 明厨亮灶 视频AI",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "达梦 DM8", "ZLMediaKit"),
        requirements="政务云 8C16G × 2；视频 AI 识别需 GPU 节点 1 台或复用省视频云识别服务。",
        background="山区县餐饮单位分散，监管人员少，日常检查覆盖难。",
        features=(
            "明厨亮灶视频 AI 识别（未戴帽、老鼠等）",
            "抽检计划与结果公示",
            "冷链食品追溯",
            "移动端预警处置",
        ),
        results=("接入学校食堂、餐饮单位 4,600 家，违规行为发现量提升 5 倍",),
        versions=(
            V("1.0.0", "2024-12-10", ("明厨亮灶与抽检管理",)),
            V("1.1.0", "2025-10-21", ("冷链追溯", "移动端预警处置")),
        ),
        refs=(("河源市复用部署", 75_000, 2026),),
        xc=("鲲鹏", "统信UOS", "达梦"),
        yue="粤政易",
    ),
    DemoApp(
        slug="mz-hakka-talent-services",
        region="441400",
        kind="application",
        category="services",
        name="人才服务“一件事”",
        name_en="Talent services, one application",
        summary="人才认定、安居补贴、子女入学、配偶就业等人才服务一次申请、一网通办。",
        department="梅州市人力资源和社会保障局",
        contact="张工",
        maturity="pilot",
        licence="gov_free",
        offering="standard_free",
        fee=40_000,
        tags="人才 人社 一件事",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "达梦 DM8"),
        requirements="政务云 4C8G × 1；对接人社、教育、住建数据。",
        background="引进人才需要分别向多个部门申请各项服务。",
        features=("人才认定在线申请", "多项服务一次申请", "办理进度推送"),
        results=("开发中",),
        versions=(V("0.1.0", "2026-11-04", ("开发版：人才认定与服务清单",)),),
        xc=("鲲鹏", "统信UOS", "达梦"),
        yue="粤省事",
        state="draft",
    ),
    DemoApp(
        slug="mz-rural-grid-governance",
        region="441400",
        kind="application",
        category="governance",
        name="乡村网格化治理小程序",
        name_en="Rural grid governance mini-program",
        summary="网格员走访、矛盾纠纷排查、重点人群关爱在手机上完成，事件一键上报镇街综治中心。",
        department="梅州市委政法委员会",
        contact="李工",
        maturity="pilot",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=30_000,
        tags="网格化 乡村治理 综治",
        tech=("uni-app", "Java 17", "Spring Boot 3", "PostgreSQL 15"),
        requirements="政务云 4C8G × 1；小程序需以本地政府主体注册。",
        background="山区村落分散、网格员年龄偏大，纸质台账难以及时汇总。",
        features=("网格员走访打卡", "矛盾纠纷排查与上报", "重点人群关爱台账", "镇街综治中心工作台"),
        results=("在平远县 3 个镇试点",),
        versions=(V("0.9.0", "2026-09-22", ("试点版本",)),),
        xc=("鲲鹏", "统信UOS", "openGauss"),
        yue="粤平安",
        state="draft",
        returned="请补充试点成效数据（事件上报量、处置时长），并说明与粤平安综治平台的对接方式后再提交。",
        withheld=("integrations",),
    ),
    # ------------------------------------------------------------------ 汕头
    DemoApp(
        slug="st-real-estate-registration",
        region="440500",
        kind="application",
        category="services",
        name="不动产登记“一网通办”",
        name_en="Real estate registration online",
        summary="不动产登记、交易、缴税一窗受理、一网通办，电子证照实时生成，水电气过户同步办理。",
        department="汕头市自然资源局",
        contact="林工",
        maturity="mature",
        licence="gov_free",
        offering="standard_free",
        fee=100_000,
        tags="不动产登记 一窗受理 电子证照 一件事",
        tech=("Java 11", "Spring Boot 2", "Vue 2", "人大金仓 KES V8"),
        requirements="政务云 8C16G × 2；对接本地不动产登记系统、税务及水电气企业接口。",
        background="二手房交易要在登记、税务、水电气之间多次往返。",
        features=(
            "登记、交易、缴税一窗受理",
            "不动产电子证照",
            "水电气网联合过户",
            "银行网点延伸办理抵押登记",
        ),
        results=("一般登记 1 个工作日办结，抵押登记 1 小时办结",),
        versions=(
            V("1.0.0", "2024-05-28", ("一窗受理与电子证照",)),
            V("1.1.0", "2025-03-04", ("水电气联合过户",)),
            V("1.2.0", "2025-12-16", ("银行网点抵押登记",)),
        ),
        refs=(("潮州市复用部署", 105_000, 2025), ("揭阳市复用部署", 110_000, 2026)),
        xc=("飞腾", "银河麒麟", "人大金仓"),
        yue="粤省事",
    ),
    DemoApp(
        slug="st-credit-repair-component",
        region="440500",
        kind="component",
        category="services",
        name="企业信用修复服务组件",
        name_en="Enterprise credit repair",
        summary="行政处罚信息信用修复在线申请、审核与结果同步，一处修复、多平台同步撤下公示信息。",
        department="汕头市发展和改革局",
        contact="林工",
        maturity="promoted",
        licence="Apache-2.0",
        offering="standard_free",
        fee=30_000,
        tags="信用 信用修复 企业服务",
        tech=("Java 17", "Spring Boot 3", "达梦 DM8"),
        requirements="随业务系统部署；需对接“信用中国（广东）”与国家企业信用信息公示系统。",
        background="企业修复信用要在多个平台分别申请，耗时长。",
        features=("信用修复在线申请", "承诺书与培训证明在线提交", "修复结果多平台同步", "修复进度短信提醒"),
        results=("修复办理时间由 15 天缩短至 3 天",),
        versions=(
            V("1.0.0", "2026-10-13", ("首个正式版本",)),
            V("1.0.1", "2026-11-03", ("修正同步失败重试",)),
        ),
        xc=("鲲鹏", "统信UOS", "达梦"),
        yue="粤商通",
        state="submitted",
    ),
    # ------------------------------------------------------------------ 湛江
    DemoApp(
        slug="zj-fishing-vessel-monitoring",
        region="440800",
        kind="application",
        category="governance",
        name="海洋渔船动态监管平台",
        name_en="Fishing vessel monitoring",
        summary="北斗、AIS 数据融合，渔船进出港报告、越界预警和台风期间回港避风一图调度。",
        department="湛江市农业农村局",
        contact="陈工",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=120_000,
        tags="渔业 海洋 北斗 应急",
        tech=("Java 17", "Spring Boot 3", "OpenLayers", "PostGIS", "Kafka"),
        requirements="政务云 8C16G × 2；需接入北斗渔船终端数据与海事 AIS 数据。",
        background="渔船数量多、作业分散，台风季回港避风组织难。",
        features=("渔船实时位置与轨迹", "进出港报告", "越界、失联预警", "台风期间回港避风调度"),
        results=("管理渔船 1.3 万艘，台风期间回港通知时间缩短到 30 分钟",),
        versions=(V("1.0.0", "2026-04-14", ("首个正式版本",)), V("1.1.0", "2026-08-11", ("台风回港调度",))),
        xc=("海光", "统信UOS", "openGauss"),
        yue="粤治慧",
        returned="请补充信创适配情况（CPU、操作系统、数据库），省级项目评审需要。",
        withheld=("xinchuang",),
    ),
    DemoApp(
        slug="zj-pension-eligibility-check",
        region="440800",
        kind="component",
        category="services",
        name="社保待遇资格认证组件",
        name_en="Pension eligibility authentication",
        summary="离退休人员刷脸认证领取待遇资格，支持手机、粤智助自助机和上门认证，无感认证优先。",
        department="湛江市社会保险基金管理局",
        contact="陈工",
        maturity="mature",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=40_000,
        tags="社保 资格认证 人脸识别 适老化",
        tech=("Java 17", "Spring Boot 3", "达梦 DM8"),
        requirements="随社保业务系统部署；人脸比对调用省统一身份认证平台。",
        background="老年人每年到社保窗口认证，排队长、行动不便。",
        features=("大数据无感认证", "手机与自助机刷脸认证", "上门认证工作台", "认证到期提醒"),
        results=("无感认证率 78%，窗口认证量下降 90%",),
        versions=(
            V("2.0.0", "2024-03-12", ("刷脸认证与无感认证",)),
            V("2.1.0", "2025-01-14", ("粤智助自助机认证",)),
        ),
        refs=(("茂名市复用", 45_000, 2025), ("阳江市复用", 42_000, 2025)),
        xc=("鲲鹏 飞腾", "统信UOS", "达梦"),
        yue="粤省事 粤智助",
    ),
    # ------------------------------------------------------------------ 韶关
    DemoApp(
        slug="sg-forest-fire-warning",
        region="440200",
        kind="application",
        category="governance",
        name="森林防火智能监测预警系统",
        name_en="Forest fire monitoring and warning",
        summary="高点视频烟火识别、卫星热点、护林员巡护一体化，火情自动定位并推送至属地和应急部门。",
        department="韶关市林业局",
        contact="曾工",
        maturity="promoted",
        licence="Apache-2.0",
        offering="standard_free",
        fee=150_000,
        tags="森林防火 应急 视频AI 生态",
        tech=("Python 3.11", "PyTorch", "Java 17", "Vue 3", "PostGIS"),
        requirements="政务云 8C16G × 2 + GPU 推理节点；高点摄像头按林区覆盖规划。",
        background="林区面积大、地形复杂，火情发现依赖人工瞭望。",
        features=("视频烟火 AI 识别", "卫星热点自动核查", "护林员巡护轨迹", "火情一键调度"),
        results=("火情平均发现时间由 40 分钟缩短至 5 分钟",),
        versions=(V("1.0.0", "2024-10-29", ("首个正式版本",)), V("1.1.0", "2025-11-18", ("卫星热点接入",))),
        refs=(("清远市复用部署", 160_000, 2026), ("河源市复用部署", 155_000, 2026)),
        xc=("鲲鹏", "openEuler", "openGauss"),
        yue="粤治慧 粤视会",
    ),
    DemoApp(
        slug="sg-eco-monitoring-data-api",
        region="440200",
        kind="capability",
        category="support",
        name="生态环境监测数据共享能力",
        name_en="Environmental monitoring data API",
        summary="空气、水质、噪声自动监测站点数据标准化接口，小时级更新，供各部门和区县调用。",
        department="韶关市生态环境局",
        contact="曾工",
        maturity="mature",
        licence="gov_free",
        offering="ready_to_use",
        fee=0,
        tags="生态环境 数据共享 水质监测",
        tech=("Go 1.22", "TimescaleDB"),
        requirements="即开即用：申请调用授权即可；政务外网访问。",
        background="各部门各自向监测站取数，口径不一致。",
        features=("站点目录", "小时、日均值查询", "超标告警订阅"),
        results=("日均调用 12 万次",),
        versions=(
            V("1.0.0", "2025-03-04", ("站点目录与小时数据",)),
            V("1.1.0", "2025-11-11", ("超标告警订阅",)),
        ),
        modes="hosted",
        yue="粤治慧",
        endpoints=(
            ("get", "/stations", "监测站点目录"),
            ("get", "/stations/{id}/hourly", "站点小时数据"),
            ("post", "/alerts/subscriptions", "订阅超标告警"),
        ),
    ),
    # ------------------------------------------------------------------ 清远
    DemoApp(
        slug="qy-assisted-services",
        region="441800",
        kind="application",
        category="services",
        name="政务服务帮办代办系统",
        name_en="Assisted government services",
        summary="村（社区）帮办员代群众在线申请、视频连线窗口人员，办事不出村，老年人和残疾人优先。",
        department="清远市政务服务和数据管理局",
        contact="朱工",
        maturity="mature",
        licence="gov_free",
        offering="standard_free",
        fee=50_000,
        tags="帮办代办 乡村振兴 适老化",
        tech=("Java 17", "Spring Boot 3", "uni-app", "达梦 DM8"),
        requirements="政务云 4C8G × 2；帮办点配置高拍仪、摄像头，或使用粤智助自助机。",
        background="山区群众到县城办事往返一天，老年人不会用手机。",
        features=("帮办员工作台", "视频连线窗口", "材料高拍与电子签名", "帮办评价"),
        results=("1,000 余个村级帮办点，年帮办 35 万件",),
        versions=(V("1.0.0", "2024-04-23", ("首个正式版本",)), V("1.1.0", "2025-02-11", ("视频连线窗口",))),
        refs=(
            ("韶关市复用部署", 55_000, 2025),
            ("云浮市复用部署", 50_000, 2025),
            ("汕尾市复用部署", 52_000, 2026),
        ),
        xc=("飞腾", "统信UOS", "达梦"),
        yue="粤智助 粤省事",
    ),
    DemoApp(
        slug="qy-document-proofreading",
        region="441800",
        kind="component",
        category="collaboration",
        name="公文智能校对组件",
        name_en="Official document proofreading",
        summary="检查公文中的错别字、标点、政治性表述、领导人姓名职务和格式问题，可嵌入公文系统和粤政易。",
        department="清远市人民政府办公室",
        contact="朱工",
        maturity="pilot",
        licence="gov_free",
        offering="standard_free",
        fee=20_000,
        tags="公文 人工智能 校对 协同办公",
        tech=("Python 3.11", "FastAPI", "ONNX Runtime"),
        requirements="CPU 8C16G × 1 即可；规范表述词库按本地更新。",
        background="公文差错多靠人工多轮校对。",
        features=("错别字与标点检查", "规范表述检查", "公文格式检查", "词库在线维护"),
        results=("试点单位公文差错率下降 60%",),
        versions=(V("0.9.0", "2026-08-18", ("试点版本",)), V("1.0.0", "2026-11-10", ("首个正式版本",))),
        xc=("鲲鹏", "统信UOS", ""),
        yue="粤政易",
        state="submitted",
    ),
    # ------------------------------------------------------------------ 河源
    DemoApp(
        slug="hy-wanlv-lake-water-protection",
        region="441600",
        kind="application",
        category="governance",
        name="万绿湖饮用水源地保护监测平台",
        name_en="Wanlü Lake water source protection",
        summary="水质自动站、无人机巡查、视频监控融合，水源保护区违法行为自动发现、派单和处置。",
        department="河源市生态环境局",
        contact="钟工",
        maturity="promoted",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=130_000,
        tags="生态环境 水质监测 物联网 水源保护",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "TDengine", "PostGIS"),
        requirements="政务云 8C16G × 2；水质站、无人机、视频数据接入。",
        background="万绿湖是香港、深圳等地的重要水源，保护区面积大、巡查难。",
        features=("水质实时监测与超标预警", "无人机自动巡查", "违法行为 AI 识别", "巡查事件闭环处置"),
        results=("水质稳定保持国家 I 类标准",),
        versions=(V("1.0.0", "2026-03-10", ("首个正式版本",)),),
        xc=("海光", "银河麒麟", "openGauss"),
        yue="粤治慧",
    ),
    # ------------------------------------------------------------------ 茂名
    DemoApp(
        slug="mm-agri-product-traceability",
        region="440900",
        kind="application",
        category="governance",
        name="农产品质量安全追溯平台",
        name_en="Agricultural product traceability",
        summary="荔枝、龙眼等特色农产品生产、检测、流通全程追溯，一品一码，消费者扫码可查。",
        department="茂名市农业农村局",
        contact="杨工",
        maturity="mature",
        licence="gov_free",
        offering="standard_free",
        fee=60_000,
        tags="农产品 追溯 市场监管 乡村振兴",
        tech=("Java 11", "Spring Boot 2", "Vue 2", "达梦 DM8"),
        requirements="政务云 4C8G × 2；生产主体使用手机端录入。",
        background="特色农产品品牌保护难，质量问题难以追溯到源头。",
        features=("生产主体档案", "一品一码", "检测结果关联", "扫码追溯"),
        results=("荔枝产区 2,100 个生产主体赋码",),
        versions=(V("1.0.0", "2024-05-07", ("首个正式版本",)), V("1.1.0", "2025-04-29", ("检测结果关联",))),
        refs=(("阳江市复用部署", 62_000, 2025),),
        xc=("飞腾", "银河麒麟", "达梦"),
        yue="粤商通",
    ),
    DemoApp(
        slug="mm-supervision-tasks",
        region="440900",
        kind="application",
        category="collaboration",
        name="督查督办系统",
        name_en="Supervision of assigned tasks",
        summary="领导批示、会议议定事项、重点工作分解立项，承办单位在线反馈，逾期自动提醒和通报。",
        department="茂名市人民政府办公室",
        contact="杨工",
        maturity="mature",
        licence="MulanPSL-2.0",
        offering="standard_free",
        fee=40_000,
        tags="督查督办 协同办公 粤政易",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "人大金仓 KES V8"),
        requirements="政务云 4C8G × 1；移动端通过粤政易工作台访问。",
        background="督办事项靠电话和纸质台账跟踪，进度不透明。",
        features=("督办事项立项与分解", "承办单位在线反馈", "逾期提醒与通报", "督办统计"),
        results=("督办事项按期办结率 96%",),
        versions=(V("1.0.0", "2025-02-25", ("首个正式版本",)), V("1.1.0", "2025-08-05", ("粤政易移动端",))),
        refs=(("湛江市复用", 38_000, 2025),),
        xc=("鲲鹏", "统信UOS", "人大金仓"),
        yue="粤政易",
    ),
    # ------------------------------------------------------------------ 揭阳
    DemoApp(
        slug="jy-service-evaluation-analysis",
        region="445200",
        kind="component",
        category="services",
        name="政务服务“好差评”分析组件",
        name_en="Service evaluation analysis",
        summary="汇总窗口、网站、粤省事的“好差评”数据，差评自动分类、派发整改并回访，生成月度分析报告。",
        department="揭阳市政务服务和数据管理局",
        contact="黄工",
        maturity="promoted",
        licence="Apache-2.0",
        offering="standard_free",
        fee=25_000,
        tags="好差评 满意度 数据分析",
        tech=("Python 3.11", "FastAPI", "PostgreSQL 15"),
        requirements="CPU 4C8G × 1；对接省“好差评”系统数据接口。",
        background="差评处理分散，整改和回访难以追踪。",
        features=("多渠道评价汇总", "差评自动分类", "整改派发与回访", "月度分析报告"),
        results=("差评整改率 100%，回访满意率 92%",),
        versions=(V("1.0.0", "2026-01-13", ("首个正式版本",)),),
        xc=("鲲鹏", "统信UOS", "openGauss"),
        yue="粤省事",
    ),
    # ------------------------------------------------------------------ 潮州
    DemoApp(
        slug="cz-electronic-archives",
        region="445100",
        kind="application",
        category="collaboration",
        name="电子档案“单套制”归档系统",
        name_en="Single-track electronic archiving",
        summary="办公系统和业务系统的电子文件以 OFD 格式直接归档，不再打印纸质件，“四性”检测自动完成。",
        department="潮州市档案馆",
        contact="许工",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=80_000,
        tags="电子档案 归档 OFD 协同办公",
        tech=("Java 17", "Spring Boot 3", "Vue 3", "达梦 DM8"),
        requirements="政务云 8C16G × 1；存储按年归档量估算（每年约 2TB）。",
        background="电子文件打印后再归档，重复劳动且占用库房。",
        features=(
            "OFD 版式归档",
            "真实性、完整性、可用性、安全性“四性”检测",
            "档案利用在线审批",
            "对接粤政易公文",
        ),
        results=("年归档电子文件 60 万件，节约纸张 300 万张",),
        versions=(V("1.0.0", "2025-01-07", ("首个正式版本",)), V("1.1.0", "2025-09-30", ("对接粤政易公文",))),
        xc=("飞腾", "银河麒麟", "达梦"),
        yue="粤政易",
        returned="请补充部署所需的存储容量估算和运行环境要求。",
        withheld=("requirements",),
    ),
    # ------------------------------------------------------------------ 汕尾
    DemoApp(
        slug="sw-unified-identity-adapter",
        region="441500",
        kind="component",
        category="support",
        name="统一身份认证对接组件",
        name_en="Unified identity adapter",
        summary="几行配置即可接入省统一身份认证，支持粤省事、粤商通、粤政易扫码登录和 OAuth 2.0、SAML。",
        department="汕尾市政务服务和数据管理局",
        contact="彭工",
        maturity="mature",
        licence="MIT",
        offering="standard_free",
        fee=10_000,
        tags="统一身份认证 单点登录 公共支撑",
        tech=("Java 8+", "Spring Security", "Node.js 20"),
        requirements="随业务系统部署；需在省统一身份认证平台登记应用。",
        background="各系统分别对接身份认证，重复开发、安全水平参差。",
        features=(
            "OAuth 2.0 / SAML 适配",
            "粤省事、粤商通、粤政易扫码登录",
            "会话与单点退出",
            "Java 与 Node.js SDK",
        ),
        results=("全市 45 个系统接入，平均接入时间 1 天",),
        versions=(V("1.0.0", "2025-01-21", ("首个正式版本",)), V("1.1.0", "2025-06-10", ("Node.js SDK",))),
        refs=(("汕头市复用", 10_000, 2025),),
        xc=("鲲鹏 飞腾 海光", "统信UOS 银河麒麟", ""),
        yue="粤省事 粤商通 粤政易",
    ),
    # ------------------------------------------------------------------ 阳江
    DemoApp(
        slug="yj-typhoon-emergency-command",
        region="441700",
        kind="application",
        category="governance",
        name="台风应急指挥调度系统",
        name_en="Typhoon emergency command",
        summary="台风路径、风暴潮、转移安置、物资储备一图掌握，指令直达镇村，转移人员实时统计。",
        department="阳江市应急管理局",
        contact="梁工",
        maturity="promoted",
        licence="gov_free",
        offering="standard_free",
        fee=100_000,
        tags="应急 台风 指挥调度 防汛",
        tech=("Java 17", "Spring Boot 3", "Cesium", "PostgreSQL 15"),
        requirements="政务云 8C16G × 2；接入气象、水文、视频会商数据。",
        background="沿海台风频繁，人员转移靠电话逐级统计，时效差。",
        features=("台风路径与影响分析", "转移安置实时统计", "物资储备与调拨", "粤视会视频会商"),
        results=("2025 年台风“韦帕”期间 4 小时完成 6.8 万人转移统计",),
        versions=(
            V("1.0.0", "2025-05-27", ("首个正式版本",)),
            V("1.0.1", "2025-07-08", ("转移统计性能优化",)),
        ),
        refs=(("湛江市复用", 110_000, 2026),),
        xc=("鲲鹏", "银河麒麟", "openGauss"),
        yue="粤视会 粤治慧",
    ),
    # ------------------------------------------------------------------ 云浮
    DemoApp(
        slug="yf-spatiotemporal-base-map",
        region="445300",
        kind="capability",
        category="support",
        name="政务一张图时空底座能力",
        name_en="Spatio-temporal base map service",
        summary="提供矢量、影像、三维地图服务和地名地址匹配接口，各业务系统免建底图。",
        department="云浮市自然资源局",
        contact="苏工",
        maturity="promoted",
        licence="gov_free",
        offering="ready_to_use",
        fee=0,
        tags="地图 时空数据 GIS 地址匹配",
        tech=("GeoServer", "PostGIS", "Go 1.22"),
        requirements="即开即用：政务外网访问，按调用单位分配密钥。",
        background="各部门重复采购底图，坐标与地址标准不一。",
        features=("矢量与影像瓦片服务", "三维地形服务", "地名地址匹配", "坐标转换"),
        results=("全市 30 余个系统调用，节约底图采购约 400 万元",),
        versions=(
            V("1.0.0", "2024-11-26", ("矢量、影像与地址匹配",)),
            V("1.1.0", "2025-10-28", ("三维地形服务",)),
        ),
        modes="hosted",
        yue="粤政易",
        endpoints=(
            ("get", "/tiles/{layer}/{z}/{x}/{y}", "地图瓦片"),
            ("get", "/geocode", "地名地址匹配"),
            ("post", "/transform", "坐标转换"),
        ),
    ),
)

# ------------------------------------------------------------------------------------------ builder

REUSE_TERMS = {
    "open_source": (
        "按 {spdx} 许可证开源。复用单位可自行修改和二次开发；修改成果鼓励通过粤复用回馈，"
        "发布单位提供首年免费技术答疑。部署、运维费用由复用单位承担。"
    ),
    "gov_free": (
        "全省各级党政机关和事业单位免费使用，不得用于商业用途。复用单位承担部署和运维费用，"
        "发布单位提供部署手册和远程技术支持；本地化改造需求请在复用申请中说明。"
    ),
    "paid": (
        "按部署规模计费，价格可协商；含首年运维和版本升级。已复用单位的实际成交价见参考价格。"
        "发布单位派驻实施团队完成部署和数据迁移。"
    ),
}
PLATFORM_NOTES = {
    "粤省事": "群众端入口与实名认证",
    "粤商通": "企业端入口与法人认证",
    "粤政易": "工作人员移动办公与消息",
    "粤智助": "村居自助机办理",
    "粤省心": "12345 热线工单",
    "粤平安": "综治中心事件",
    "粤治慧": "省域治理“一网统管”事件与指标",
    "粤公平": "公平竞争审查",
    "粤优行": "交通出行",
    "粤视会": "视频会商",
}


def licence_type(app: DemoApp) -> str:
    return app.licence if app.licence in {"gov_free", "paid"} else "open_source"


def _words(text: str) -> list[str]:
    return text.split()


def description(app: DemoApp, *, omit: tuple[str, ...] = ()) -> str:
    """The app's Markdown description, from its background, features and results; ``omit``
    names fields not filled in yet (``xinchuang``, ``integrations``), left out here too."""
    xinchuang = "" if "xinchuang" in omit else " / ".join("、".join(_words(part)) for part in app.xc if part)
    lines = [
        "## 建设背景",
        "",
        app.background,
        "",
        "## 主要功能",
        "",
        *(f"- {feature}" for feature in app.features),
        "",
        "## 应用成效",
        "",
        *(f"- {result}" for result in app.results),
        "",
        "## 技术架构",
        "",
        f"- 技术栈：{'、'.join(app.tech)}",
        f"- 信创适配：{xinchuang or '未验证'}",
    ]
    if app.yue and "integrations" not in omit:
        lines += ["", "## 对接粤系列平台", ""]
        lines += [f"- **{name}**：{PLATFORM_NOTES[name]}" for name in _words(app.yue)]
    lines += [
        "",
        "## 复用指引",
        "",
        "1. 在粤复用提交复用申请，说明复用范围（市、区县）和预计上线时间；",
        f"2. 与{app.department}（{app.contact}）确认部署方案和本地化改造需求；",
        "3. 按部署手册在本地政务云完成安装，对接统一身份认证；",
        "4. 联调上线后在粤复用登记上线情况并反馈使用效果。",
    ]
    return "\n".join(lines)


def payload(app: DemoApp, *, withhold: bool = False) -> dict[str, Any]:
    """The app as ``AppService.create`` takes it; ``withhold`` leaves out the fields added after a
    review returned it (and their mention in the description)."""
    cpus, oses, dbs = (_words(part) for part in app.xc)
    omit = app.withheld if withhold else ()
    ltype = licence_type(app)
    data: dict[str, Any] = {
        "slug": app.slug,
        "kind": app.kind,
        "name": app.name,
        "name_en": app.name_en,
        "summary": app.summary,
        "description": description(app, omit=omit),
        "category": app.category,
        "tags": _words(app.tags),
        "department": app.department,
        "contact_name": app.contact,
        "contact_email": f"{app.slug.split('-', 1)[1][:40]}@{CITY_LATIN[app.region].lower()}.example.gov.cn",
        "maturity": app.maturity,
        "license_type": ltype,
        "reuse_terms": REUSE_TERMS[ltype].format(spdx=app.licence),
        "offering": app.offering,
        "deployment_fee_yuan": Decimal(app.fee) if app.fee is not None else None,
        "price_yuan": Decimal(app.price) if app.price is not None else None,
        "reference_prices": [
            {"description": deal, "amount_yuan": Decimal(amount), "year": year}
            for deal, amount, year in app.refs
        ],
        "deployment_modes": _words(app.modes),
        "tech_stack": list(app.tech),
        "requirements": app.requirements,
        "xinchuang": {"cpus": cpus, "os": oses, "databases": dbs},
        "integrations": _words(app.yue),
        "docs_url": f"https://docs.example.gov.cn/{app.slug}",
    }
    if ltype == "open_source":
        data["license_spdx"] = app.licence
        data["source_url"] = f"https://code.example.gov.cn/{CITY_LATIN[app.region].lower()}/{app.slug}"
    data = {key: value for key, value in data.items() if value is not None}
    for key in omit:
        data.pop(key, None)
    return data


def withheld_payload(app: DemoApp) -> dict[str, Any]:
    """The edit that answers a returned review."""
    full = payload(app)
    edit = {key: full[key] for key in app.withheld}
    if description(app, omit=app.withheld) != full["description"]:
        edit["description"] = full["description"]
    return edit


def release_notes(version: DemoVersion) -> str:
    return "\n".join(f"- {note}" for note in version.notes)


# ---- artifacts


def _zip(entries: dict[str, str], released: date) -> bytes:
    buffer = io.BytesIO()
    stamp = (released.year, released.month, released.day, 9, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _database_url(app: DemoApp) -> str:
    dbs = _words(app.xc[2])
    if "达梦" in dbs:
        return "jdbc:dm://db.internal:5236/" + app.slug.replace("-", "_")
    if "人大金仓" in dbs:
        return "jdbc:kingbase8://db.internal:54321/" + app.slug.replace("-", "_")
    if "openGauss" in dbs:
        return "jdbc:opengauss://db.internal:5432/" + app.slug.replace("-", "_")
    return "jdbc:postgresql://db.internal:5432/" + app.slug.replace("-", "_")


def _readme(app: DemoApp, version: DemoVersion) -> str:
    return "\n".join(
        [
            f"# {app.name} {version.version}",
            "",
            app.summary,
            "",
            f"发布单位：{app.department}（{app.city}）  ",
            f"发布日期：{version.released}",
            "",
            "## 本版本变更",
            "",
            release_notes(version),
            "",
            "## 运行环境",
            "",
            app.requirements,
            "",
            "## 安装",
            "",
            "```sh",
            "cp config/application.yml config/application-local.yml   # 按本地环境修改",
            "./bin/install.sh --config config/application-local.yml",
            "./bin/healthcheck.sh",
            "```",
            "",
        ]
    )


def _config(app: DemoApp, version: DemoVersion) -> str:
    platforms = ", ".join(_words(app.yue))
    return "\n".join(
        [
            f"# {app.name} — 配置模板（{version.version}）",
            "app:",
            f"  name: {app.slug}",
            f'  version: "{version.version}"',
            '  region-code: "440000"   # 改为复用单位的行政区划代码',
            "server:",
            "  port: 8080",
            "datasource:",
            f"  url: {_database_url(app)}",
            "  username: ${DB_USER}",
            "  password: ${DB_PASSWORD}",
            "identity:",
            "  provider: gd-unified-identity   # 省统一身份认证",
            "  client-id: ${IDENTITY_CLIENT_ID}",
            "  client-secret: ${IDENTITY_CLIENT_SECRET}",
            "integrations:",
            f"  yue-platforms: [{platforms}]",
            "crypto:",
            "  algorithm: SM4   # 国密",
            "",
        ]
    )


def _build_file(app: DemoApp, version: DemoVersion) -> tuple[str, str]:
    first = app.tech[0].lower()
    if first.startswith("python"):
        return (
            "pyproject.toml",
            f'[project]\nname = "{app.slug}"\nversion = "{version.version}"\nrequires-python = ">=3.11"\n',
        )
    if first.startswith("go"):
        return "go.mod", f"module code.example.gov.cn/{app.slug}\n\ngo 1.22\n"
    return (
        "pom.xml",
        f'<?xml version="1.0" encoding="UTF-8"?>\n<project>\n  <modelVersion>4.0.0</modelVersion>\n'
        f"  <groupId>cn.gov.example</groupId>\n  <artifactId>{app.slug}</artifactId>\n"
        f"  <version>{version.version}</version>\n</project>\n",
    )


def _manual(app: DemoApp, version: DemoVersion) -> str:
    return "\n".join(
        [
            f"# {app.name} 部署与复用手册",
            "",
            f"适用版本：{version.version}　发布单位：{app.department}",
            "",
            "## 一、概述",
            "",
            app.summary,
            "",
            description(app).replace("## ", "### "),
            "",
            "## 二、部署前准备",
            "",
            f"- 运行环境：{app.requirements}",
            f"- 部署方式：{'、'.join(_words(app.modes))}",
            "- 网络：政务外网；如需互联网访问，经政务云安全网关发布",
            "",
            "## 三、安装步骤",
            "",
            "1. 申请政务云资源并完成等保定级备案；",
            "2. 导入部署包，按配置模板填写数据库、身份认证参数；",
            "3. 执行安装脚本，完成健康检查；",
            "4. 联调粤系列平台接口，组织用户培训后上线。",
            "",
            "## 四、常见问题",
            "",
            "- **升级是否需要停机？** 小版本升级支持滚动升级；大版本升级请预留 2 小时窗口。",
            "- **数据如何迁移？** 发布单位提供迁移脚本和字段对照表。",
            "",
        ]
    )


def _openapi(app: DemoApp, version: DemoVersion) -> str:
    paths: dict[str, Any] = {}
    for method, path, summary in app.endpoints:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {"200": {"description": "成功"}, "401": {"description": "未授权"}},
        }
        if "{" in path:
            operation["parameters"] = [
                {"name": part.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
                for part in path.split("/")
                if part.startswith("{")
            ]
        if method == "post":
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        paths.setdefault(path, {})[method] = operation
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": app.name,
            "version": version.version,
            "description": app.summary,
            "contact": {"name": app.department},
        },
        "servers": [{"url": f"https://api.example.gov.cn/{app.slug}/v1"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def files_for(app: DemoApp, version: DemoVersion, *, first: bool) -> list[DemoFile]:
    """The artifacts of one version: the first version also carries its manual (or source)."""
    tag = version.version
    files: list[DemoFile] = []
    if app.kind == "capability":
        files.append(
            DemoFile(
                f"{app.slug}-openapi-{tag}.json",
                "api_spec",
                "application/json",
                _openapi(app, version).encode(),
            )
        )
    else:
        package = _zip(
            {
                "README.md": _readme(app, version),
                "config/application.yml": _config(app, version),
                "bin/install.sh": "#!/bin/sh\nset -eu\necho 'installing " + app.slug + " " + tag + "'\n",
            },
            version.release_date,
        )
        files.append(DemoFile(f"{app.slug}-{tag}.zip", "package", "application/zip", package))
    if not first:
        return files
    if app.kind == "component" and licence_type(app) == "open_source":
        build_name, build_text = _build_file(app, version)
        year = version.release_date.year
        licence = f"SPDX-License-Identifier: {app.licence}\n\nCopyright (c) {year} {app.department}\n"
        source = _zip(
            {"README.md": _readme(app, version), "LICENSE": licence, build_name: build_text},
            version.release_date,
        )
        files.append(DemoFile(f"{app.slug}-{tag}-src.zip", "source", "application/zip", source))
    else:
        files.append(
            DemoFile(
                f"{app.slug}-部署手册-{tag}.md",
                "docs",
                "text/markdown; charset=utf-8",
                _manual(app, version).encode(),
            )
        )
    return files
