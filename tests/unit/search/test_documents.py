"""The search document of an app, built in memory (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from search.documents import FILTERABLE_FIELDS, SEARCHABLE_FIELDS, SORTABLE_FIELDS, document_for
from search.types import FACETS
from store.db import models as m

SHENZHEN = m.Region(code="440300", name="深圳市", level="city", parent_code="440000", zone="core")
NANSHAN = m.Region(code="440305", name="南山区", level="district", parent_code="440300", zone=None)
PROVINCE = m.Region(code="440000", name="广东省", level="province", parent_code=None, zone=None)

KEYS = {
    "id", "slug", "name", "name_en", "summary", "department", "kind", "category", "region_code",
    "region_name", "city", "zone", "regions", "maturity", "license_type", "status", "tags",
    "xinchuang", "live_adoptions", "published_at", "updated_at", "name_n", "name_en_n", "tags_n",
    "summary_n", "body_n", "department_n", "words", "py_full", "py_syl", "py_ini", "py_text",
}  # fmt: skip


def _app(region: m.Region = SHENZHEN, **overrides: Any) -> m.App:
    labels = [
        m.AppLabel(kind="tag", value="粵省事"),
        m.AppLabel(kind="tag", value="医保"),
        m.AppLabel(kind="xc_cpu", value="鲲鹏"),
        m.AppLabel(kind="xc_os", value="麒麟"),
        m.AppLabel(kind="xc_db", value="达梦"),
        m.AppLabel(kind="xc_cpu", value="鲲鹏"),
        m.AppLabel(kind="integration", value="粤省事"),
    ]
    fields: dict[str, Any] = {
        "id": 7,
        "slug": "smart-yibao",
        "kind": "application",
        "name": "智慧醫保結算平台",
        "name_en": "Smart Medical Insurance",
        "summary": "醫保結算一站式辦理，支持異地就醫。",
        "description": "## 功能\n\n- 门诊结算\n" + "说明" * 2000,
        "category": "services",
        "department": "深圳市醫療保障局",
        "maturity": "mature",
        "license_type": "gov_free",
        "status": "published",
        "published_at": datetime(2024, 3, 1, tzinfo=UTC),
        "updated_at": datetime(2024, 3, 2, tzinfo=UTC),
        "region": region,
        "region_code": region.code,
        "labels": labels,
    }
    return m.App(**(fields | overrides))


def test_a_published_app_becomes_this_document() -> None:
    doc = document_for(_app(), live_adoptions=3)
    assert doc is not None
    assert set(doc) == KEYS
    assert doc["id"] == 7 and doc["slug"] == "smart-yibao"
    # Display fields keep what the publisher wrote.
    assert doc["name"] == "智慧醫保結算平台"
    assert doc["tags"] == ["粵省事", "医保"]
    assert doc["xinchuang"] == ["鲲鹏", "麒麟", "达梦"]
    assert (doc["region_code"], doc["region_name"], doc["city"], doc["zone"]) == (
        "440300",
        "深圳市",
        "440300",
        "core",
    )
    assert doc["regions"] == ["440300"]
    assert doc["live_adoptions"] == 3
    assert doc["published_at"] == int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
    assert doc["updated_at"] == int(datetime(2024, 3, 2, tzinfo=UTC).timestamp())
    # Searchable fields are normalised, segmented and in pinyin.
    assert doc["name_n"] == "智慧医保结算平台"
    assert doc["name_en_n"] == "smart medical insurance"
    assert doc["tags_n"] == ["粤省事", "医保"]
    assert doc["summary_n"] == "医保结算一站式办理,支持异地就医。"  # full-width comma folded
    assert doc["department_n"] == "深圳市医疗保障局"
    assert len(doc["body_n"]) == 3000 and doc["body_n"].startswith("## 功能")
    assert doc["words"].startswith("智慧 医保 结算 平台 粤省事 医保 医保 结算")
    assert doc["py_full"] == ["zhihuiyibaojiesuanpingtai", "yueshengshi", "yibao"]
    assert doc["py_syl"] == ["zhi hui yi bao jie suan ping tai", "yue sheng shi", "yi bao"]
    assert doc["py_ini"] == ["zhybjspt", "yss", "yb"]
    assert doc["py_text"].startswith("zhi hui yi bao jie suan ping tai yi bao jie suan")
    assert doc["py_text"].endswith("yue sheng shi yi bao")


def test_a_district_app_is_filed_under_its_city() -> None:
    doc = document_for(_app(region=NANSHAN), city_zone="core")
    assert doc is not None
    assert (doc["region_code"], doc["city"], doc["zone"]) == ("440305", "440300", "core")
    assert doc["regions"] == ["440305", "440300"]


def test_a_provincial_app_has_no_zone() -> None:
    doc = document_for(_app(region=PROVINCE))
    assert doc is not None
    assert (doc["city"], doc["zone"], doc["regions"]) == ("440000", "", ["440000"])


def test_a_deprecated_app_is_indexed_and_marked() -> None:
    doc = document_for(_app(status="deprecated", published_at=None))
    assert doc is not None
    assert (doc["status"], doc["published_at"]) == ("deprecated", 0)


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_unpublished_apps_have_no_document(status: str) -> None:
    assert document_for(_app(status=status)) is None


def test_the_field_lists_name_document_fields() -> None:
    doc = document_for(_app())
    assert doc is not None
    assert set(SEARCHABLE_FIELDS) | set(FILTERABLE_FIELDS) | set(SORTABLE_FIELDS) <= set(doc)
    assert set(FACETS) <= set(FILTERABLE_FIELDS)
    assert SEARCHABLE_FIELDS[:3] == ("name_n", "name_en_n", "tags_n")
