"""Markdown sanitizing, semantic versions and file names: the small pure functions uploads rely on."""

from __future__ import annotations

import random
import re

import pytest

from store.lib import filenames, markdown, semver


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<div onclick="steal()">hi</div>',
        "![img](javascript:alert(1))",
    ],
)
def test_markdown_never_lets_scripts_through(source: str) -> None:
    html = markdown.render(source)
    tags = re.findall(r"<[^>]*>", html.lower())  # escaped text (&lt;script&gt;) is harmless
    for tag in tags:
        assert not tag.startswith(("<script", "<iframe", "<div")), tag
        assert not re.search(r"\son\w+\s*=", tag), tag
        assert "javascript:" not in tag and "data:" not in tag, tag


def test_markdown_keeps_ordinary_formatting() -> None:
    html = markdown.render(
        "# 标题\n\n**粗体** and [文档](https://example.gov.cn/doc)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h1>标题</h1>" in html
    assert "<strong>粗体</strong>" in html
    assert 'href="https://example.gov.cn/doc"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html
    assert markdown.render("") == ""


@pytest.mark.parametrize(
    "text", ["1.0.0", "0.1.2", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-b", "2.0.0+build.5"]
)
def test_valid_versions(text: str) -> None:
    assert semver.parse(text) is not None


@pytest.mark.parametrize(
    "text", ["1", "1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0 ", "a.b.c", "1" * 11 + ".0.0"]
)
def test_invalid_versions(text: str) -> None:
    assert semver.parse(text) is None


def test_sort_key_orders_like_semver() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-alpha-b",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.2.0",
        "1.9.0",
        "1.10.0",
        "2.0.0",
        "10.0.0",
    ]
    shuffled = ordered[:]
    random.Random(4).shuffle(shuffled)
    keyed = sorted(shuffled, key=lambda v: semver.parse(v).sort_key)  # type: ignore[union-attr]
    assert keyed == ordered


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("部署包-v1.2.0.zip", "部署包-v1.2.0.zip"),
        ("  report.pdf  ", "report.pdf"),
        ("a\x00b\x1f.txt", "ab.txt"),
        ('we"ird<name>.tar.gz', "we_ird_name_.tar.gz"),
        ("\u202egnp.exe", "gnp.exe"),
        # invisible and bidirectional-control characters go, whatever their code point
        ("report\u2060.pdf", "report.pdf"),
        ("\ufeffreport.pdf", "report.pdf"),
        ("rep\u061cort.pdf", "report.pdf"),
        ("re\u00adport.pdf", "report.pdf"),
        ("a\u200b\u200c\u200d\u200e\u200fb.zip", "ab.zip"),
        ("\u202a\u202b\u202c\u202d\u202ex.zip", "x.zip"),
        ("\u2066\u2067\u2068\u2069x.zip", "x.zip"),
        ("x\u3164\u115f.zip", "x.zip"),
        # trailing dots and spaces (Windows drops them, so the saved name would differ)
        ("setup.exe. . .", "setup.exe"),
        ("notes.txt   ", "notes.txt"),
        # names that merely start like a reserved one are fine
        ("console.log", "console.log"),
        ("nul-report.pdf", "nul-report.pdf"),
        ("com10.txt", "com10.txt"),
    ],
)
def test_filenames_are_cleaned(raw: str, clean: str) -> None:
    assert filenames.sanitize(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        *["", "   ", "../etc/passwd", "dir/file.zip", "..\\win.ini", "..", ".", "x" * 201],
        # look-alike slashes would pose as a path
        *["..\u2215etc\u2215passwd", "a\u2044b.zip", "a\uff0fb.zip", "a\u29f8b.zip", "a\uff3cb.zip"],
        # Windows opens the device, whatever the case or extension
        *["CON", "prn", "Aux", "nul", "NUL.txt", "nul.tar.gz", "com1", "COM9.zip", "lpt1.txt"],
        *["lpt\u00b9.txt", "con .txt", "nul.", "aux  "],
        # nothing visible left
        *["\u200b\u2060\ufeff", "\u00ad.", "x" * 1000],
    ],
)
def test_unusable_filenames_are_refused(raw: str) -> None:
    assert filenames.sanitize(raw) is None


def test_times_are_shown_in_china_standard_time() -> None:
    from datetime import UTC, datetime

    from store.lib.templating import local_time

    assert local_time(datetime(2026, 1, 31, 17, 30, tzinfo=UTC)) == "2026-02-01 01:30"
    assert local_time(datetime(2026, 1, 31, 17, 30)) == "2026-02-01 01:30"  # naive means UTC
    assert local_time(None) == "—"
