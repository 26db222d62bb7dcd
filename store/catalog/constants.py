"""Closed vocabularies of the catalog. Values are stored as shown (Chinese names are data)."""

from __future__ import annotations

# 粤系列: the province's branded platforms an app may integrate with.
YUE_PLATFORMS: tuple[str, ...] = (
    "粤省事", "粤商通", "粤政易", "粤智助", "粤省心", "粤平安", "粤治慧", "粤公平", "粤优行", "粤视会",
)  # fmt: skip

# 信创: domestic CPUs, operating systems and databases an app can be verified on.
XC_CPUS: tuple[str, ...] = ("鲲鹏", "飞腾", "海光", "龙芯", "兆芯", "申威")
XC_OS: tuple[str, ...] = ("银河麒麟", "中标麒麟", "统信UOS", "openEuler", "深度Deepin")
XC_DATABASES: tuple[str, ...] = (
    "达梦",
    "人大金仓",
    "南大通用GBase",
    "神通",
    "openGauss",
    "OceanBase",
    "TiDB",
    "PolarDB",
)

# Common SPDX licence identifiers; "LicenseRef-..." is accepted for anything else.
SPDX_IDS: frozenset[str] = frozenset(
    {
        "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MPL-2.0", "EPL-2.0",
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
        "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
        "AGPL-3.0-only", "AGPL-3.0-or-later", "MulanPSL-1.0", "MulanPSL-2.0", "MulanPubL-2.0",
        "CC-BY-4.0", "CC0-1.0", "Unlicense", "0BSD", "Zlib", "BSL-1.0", "EUPL-1.2",
    }
)  # fmt: skip

MAX_TAGS = 10
MAX_TAG_LENGTH = 20
MAX_LIST_ITEMS = 20
# The most entries any list in a request may have, before the rules above are applied.
MAX_LIST_INPUT = 50
MAX_REFERENCE_PRICES = 20
MAX_DESCRIPTION = 50_000
