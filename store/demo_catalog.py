"""The demo catalog that ``store seed-demo`` publishes: ``demo_catalog.yaml`` and a small builder.

Each :class:`DemoApp` is one app as a city would describe it (an entry of the YAML file);
:func:`payload` turns it into what ``AppService.create`` takes and :func:`files_for` makes the
small, real artifacts of a version (a zip with a README and a configuration file, a Markdown
manual, or an OpenAPI document). The bytes are deterministic, so the same version always has the
same SHA-256.

Nothing here touches the database; ``store.demo`` drives the services.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import yaml

from store.regions.data import CITIES, PROVINCE_CODE

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

DATA_FILE = Path(__file__).with_name("demo_catalog.yaml")


def load_catalog(path: Path = DATA_FILE) -> tuple[DemoApp, ...]:
    """Read and validate the demo apps: a wrong or missing field stops with the entry's slug."""
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when built with it
    entries = yaml.load(path.read_text(encoding="utf-8"), Loader=safe_loader)  # noqa: S506
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}: expected a list of apps")
    apps = []
    for index, entry in enumerate(entries):
        name = entry.get("slug", f"entry {index + 1}") if isinstance(entry, dict) else f"entry {index + 1}"
        try:
            apps.append(msgspec.convert(entry, DemoApp))
        except msgspec.ValidationError as exc:
            raise ValueError(f"{path.name}: {name}: {exc}") from exc
    unknown = [app.slug for app in apps if app.region not in CITY_NAME]
    duplicates = {app.slug for app in apps if sum(other.slug == app.slug for other in apps) > 1}
    if unknown or duplicates:
        raise ValueError(f"{path.name}: unknown region in {unknown}; slugs used twice: {sorted(duplicates)}")
    return tuple(apps)


CATALOG: tuple[DemoApp, ...] = load_catalog()

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
            f'  region-code: "{PROVINCE_CODE}"   # 改为复用单位的行政区划代码',
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
