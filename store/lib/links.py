"""Web addresses as people type them into a form: "www.gz.gov.cn/app" means
"https://www.gz.gov.cn/app".

Only the missing scheme is added, and only when what was typed starts with a host name; anything
else ("javascript:…", "ftp://…", words) is left as it is, for validation to refuse.
"""

from __future__ import annotations

import re

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# A host name with a dot and a top-level domain of letters (or an IPv4 address), an optional
# port, then the end or a path, query or fragment.
_HOST_FIRST = re.compile(
    r"^(?:(?:[\w\-]+\.)+[^\W\d_]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#]|$)",
    re.UNICODE,
)


def normalize_link(text: str | None) -> str:
    """``text`` trimmed, with ``https://`` added when it starts with a host and has no scheme.

    A host followed by a port ("www.gz.gov.cn:8080/app") looks like a scheme to a URL parser; it
    is recognised here by its dot before the colon.
    """
    value = (text or "").strip()
    if not value:
        return ""
    if value.startswith("//"):
        return "https:" + value
    if _HAS_SCHEME.match(value) and not _HOST_FIRST.match(value):
        return value
    if _HOST_FIRST.match(value):
        return "https://" + value
    return value
