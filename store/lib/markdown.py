"""Markdown to safe HTML: markdown-it renders (raw HTML off), nh3 then strips anything unsafe.

Two layers on purpose: even if a renderer bug let markup through, the sanitizer allows no
script, no event handler attributes and no ``javascript:`` (or other non-web) URLs.

Images are the store's own screenshots or nothing: an image from anywhere else would be fetched
by every visitor's browser, telling its owner who read the page and when (a tracking pixel). The
renderer writes an image's alt text in its place, and the sanitizer drops any other ``src``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# A screenshot of the store, by path only: no scheme, no host, nothing encoded.
STORE_IMAGE = re.compile(r"/screenshots/[1-9][0-9]{0,17}(?:/thumbnail)?")


def _store_image(src: str) -> bool:
    return STORE_IMAGE.fullmatch(src) is not None


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """markdown-it's image rule, or the alt text alone when the image is not the store's."""
    token = tokens[idx]
    if _store_image(str(token.attrGet("src") or "")):
        return str(self.image(tokens, idx, options, env))
    return escapeHtml(self.renderInlineAsText(token.children or [], options, env))


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not _store_image(value):
        return None
    return value


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )
    renderer.add_render_rule("image", _image)
    return renderer


def render(text: str | None) -> str:
    """Render user Markdown to sanitized HTML (safe to mark as such in templates)."""
    if not text:
        return ""
    return sanitize(_renderer().render(text))


def sanitize(html: str) -> str:
    """The second layer: only the tags, attributes, URL schemes and images allowed above."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
