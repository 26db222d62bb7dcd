"""Input limits without a server: JSON depth and NUL, list validation, image headers, the CPU pool."""

from __future__ import annotations

import asyncio
import io
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from store.artifacts import images
from store.catalog import constants as c
from store.catalog.validation import clean_app
from store.lib import i18n, inputs, offload
from store.lib.errors import BadRequest, PayloadTooLarge, ValidationFailed


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (b'{"tags": ["a", "b"]}', False),
        (nested(32), False),
        (nested(33), True),
        (nested(100_000), True),
        (b'{"a":' * 40 + b"1" + b"}" * 40, True),
        (b"[[]" * 40 + b"]" * 40, True),  # deep without a long run of opening brackets
        (b"[" + b"[]," * 10_000 + b"[]]", False),  # many brackets, shallow
        (b'["' + b"[" * 100 + b'"]', False),  # brackets inside a string do not nest
        (b'["\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', False),  # nor after an escaped quote
    ],
    ids=[
        "flat",
        "depth-32",
        "depth-33",
        "depth-100000",
        "objects",
        "staircase",
        "wide",
        "in-string",
        "escaped",
    ],
)
def test_json_depth_is_judged_on_the_raw_bytes(body: bytes, too_deep: bool) -> None:
    assert inputs.json_too_deep(body) is too_deep


def test_deep_json_is_refused_before_decoding() -> None:
    with pytest.raises(BadRequest):
        inputs.check_json_body(nested(5000))


def test_a_deep_wide_body_is_judged_quickly() -> None:
    # 32 levels repeated: the worst case for the pass-by-pass check, at the app's body limit.
    unit = nested(32) + b","
    body = b"[" + unit * (inputs.MAX_BODY_BYTES // len(unit) - 1) + b"[]]"
    started = time.perf_counter()
    assert inputs.json_too_deep(body) is True  # 33 with the outer list
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"tags": ["ok", "b\x00"]}, "tags[1]"),
        ({"xinchuang": {"os": ["\x00"]}}, "xinchuang.os[0]"),
        ({"reference_prices": [{"description": "x\x00"}]}, "reference_prices[0].description"),
        ({"k\x00": "v"}, "k\\0"),
    ],
)
def test_nul_in_any_json_string_is_refused_by_name(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        inputs.check_json_body(json.dumps(payload).encode())
    assert caught.value.details == [{"field": field, "message": i18n.gettext(inputs.NUL_MESSAGE)}]


@pytest.mark.parametrize(
    "body",
    [b'{"name": "a\\\\u0000"}', b'{"name": "plain"}', b"{not json \\u0000"],
    ids=["escaped-backslash", "clean", "malformed"],
)
def test_text_that_only_looks_like_nul_passes(body: bytes) -> None:
    inputs.check_json_body(body)  # the decoder reports malformed bodies in its own way


class CountingList(list[str]):
    """A list that counts how often it is walked."""

    walks = 0

    def __iter__(self) -> Iterator[str]:
        CountingList.walks += 1
        return super().__iter__()


def test_oversized_lists_are_refused_without_being_walked() -> None:
    tags = CountingList(f"t{i}" for i in range(24_000))
    CountingList.walks = 0
    with pytest.raises(ValidationFailed) as caught:
        clean_app({"tags": tags}, current=None)
    assert CountingList.walks == 0
    assert "tags" in [d["field"] for d in caught.value.details or []]


def test_list_cleaning_is_linear_and_keeps_order() -> None:
    many = [f"d{i % 7}" for i in range(c.MAX_LIST_INPUT)]
    with pytest.raises(ValidationFailed) as caught:
        clean_app({"tags": [*many, "x"]}, current=None)  # one past the input bound
    assert "tags" in [d["field"] for d in caught.value.details or []]
    payload = {"tags": many, "deployment_modes": ["gov_cloud"]}
    with pytest.raises(ValidationFailed) as caught:
        clean_app(payload, current=None)  # required fields missing, but tags are fine
    assert "tags" not in [d["field"] for d in caught.value.details or []]


# -- images --------------------------------------------------------------------------------------


def png_header(width: int, height: int, bit_depth: int = 8, colour: int = 2) -> bytes:
    """A PNG that declares ``width`` x ``height`` but carries almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(20_000, 20_000), (9_000, 9_000), (7_000, 7_000), (40_001, 1_000)])
def test_images_declaring_too_many_pixels_are_refused_from_the_header(size: tuple[int, int]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        images.prepare_screenshot(png_header(*size))
    [detail] = caught.value.details or []
    assert detail["field"] == "image"
    assert detail["message"] == i18n.gettext(images.TOO_MANY_PIXELS, max=40)


def test_image_checks_still_accept_real_screenshots_and_refuse_others() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1920, 1080), (1, 2, 3)).save(buffer, format="JPEG")
    prepared = images.prepare_screenshot(buffer.getvalue())
    assert (prepared.width, prepared.height, prepared.content_type) == (1920, 1080, "image/jpeg")
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert thumb.width <= 480 and thumb.height <= 300
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(ValidationFailed):
        images.prepare_screenshot(gif.getvalue())  # only PNG, JPEG and WebP decoders are tried
    with pytest.raises(PayloadTooLarge):
        images.prepare_screenshot(b"\x00" * (images.MAX_SCREENSHOT_BYTES + 1))


# -- the CPU pool --------------------------------------------------------------------------------


async def test_cpu_work_runs_off_the_loop_a_bounded_number_at_a_time() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def work() -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return threading.current_thread().name

    loop_thread = threading.current_thread().name
    names = await asyncio.gather(*(offload.run_cpu_bound(work) for _ in range(4 * offload.MAX_CONCURRENT)))
    assert loop_thread not in names
    assert 1 < most <= offload.MAX_CONCURRENT


async def test_cpu_work_sees_the_request_language_and_raises_as_usual() -> None:
    i18n.current_locale.set("en")

    def fail() -> None:
        raise images._refuse(images.NOT_AN_IMAGE)

    with pytest.raises(ValidationFailed) as caught:
        await offload.run_cpu_bound(fail)
    assert caught.value.details == [{"field": "image", "message": "Upload a PNG, JPEG or WebP image."}]
