"""The guide's screenshots, taken by walking its flows on the demo store (``conftest.demo_server``).

The guide (/guide, templates/site/guide.html) shows each step with a picture of the page. This
test takes those pictures, so they follow the pages as they change: 深圳 city staff sign in,
describe an app, add a version and upload its package, and submit it; the provincial reviewer
finds it in the queue and returns it with comments, which 深圳 then reads on the app's page. 梅州
filters the catalog, reads an app's page and a version's files with their SHA-256, asks to reuse
the app and lands on the adoption's page, and opens an adoption it is deploying to record going
live.

Each picture is the browser's viewport at a fixed size (1280×720, Chinese, the same data on every
run), reduced to 256 colours (the pages are flat colours and text: the files are a third of the
size, and the same page gives the same file), written over ``static/guide/<name>.png``, which
is committed so that ``make run`` shows them. The test checks each file is a PNG of that size,
that the guide shows every one of them, and that every picture the guide names exists.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from .demo_site import DemoServer

pytestmark = pytest.mark.browser

GUIDE_DIR = Path(__file__).resolve().parents[2] / "static" / "guide"
SIZE = {"width": 1280, "height": 720}
SHOTS = (
    "publish-1-sign-in.png",
    "publish-2-my-apps.png",
    "publish-3-form.png",
    "publish-4-version.png",
    "publish-5-submit.png",
    "publish-6-returned.png",
    "reuse-1-catalog.png",
    "reuse-2-app.png",
    "reuse-3-sha256.png",
    "reuse-4-request.png",
    "reuse-5-adoption.png",
    "reuse-6-go-live.png",
    "review-1-queue.png",
    "review-2-decision.png",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
#: the app the guide publishes (fixed, so every run shows the same page)
APP_NAME = "深圳市工程建设项目联合验收系统"
APP_NAME_EN = "Joint acceptance of construction projects"
PACKAGE = b"guide demo package: joint acceptance 1.0.0\n" * 512
RETURN_COMMENT = (
    "1. 请补充信创适配证明材料（鲲鹏、统信UOS）。\n2. 参考价格请注明年份。\n3. 部署文档请写明数据库版本要求。"
)
#: what 梅州 reuses in the guide (published by 广州, not reused by 梅州 in the demo data)
REUSED_APP = "gz-12345-smart-dispatch"
DEPLOYING_ADOPTION = 18  # 梅州 deploys a 江门 app (store/demo_adoptions.py)


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its first chunk is always IHDR)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


class Camera:
    """Viewport screenshots into static/guide/, with an element of the page at the top."""

    def __init__(self) -> None:
        self.taken: list[str] = []

    def shot(self, page: Page, name: str, top: Locator | None = None) -> None:
        assert name in SHOTS, name
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
        if top is not None:
            top.first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.evaluate("window.scrollBy(0, -24)")  # a little air above it
        else:
            page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_function(HTMX_IDLE)
        png = page.screenshot(animations="disabled", caret="hide")
        colours = Image.open(io.BytesIO(png)).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        colours.save(GUIDE_DIR / name, "PNG", optimize=True)
        self.taken.append(name)


def _context(browser: Browser, demo: DemoServer, user: str) -> BrowserContext:
    context = browser.new_context(
        base_url=demo.url, viewport=SIZE, device_scale_factor=1, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(30_000)  # the machines running the suite can be busy
    context.add_cookies([{"name": "lang", "value": "zh_CN", "url": demo.url}])
    if user != "shenzhen":  # 深圳 signs in through the page, for the first picture
        answer = context.request.post(
            "/api/v1/auth/login", data={"username": user, "password": demo.passwords[user]}
        )
        assert answer.ok, f"{user} could not sign in: {answer.status} {answer.text()}"
    return context


@pytest.fixture(scope="module")
def camera(
    browser: Browser, demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Camera]:
    """Walk the guide's flows once for the module, taking the pictures as it goes."""
    GUIDE_DIR.mkdir(parents=True, exist_ok=True)
    cam = Camera()
    package = tmp_path_factory.mktemp("guide") / "lianhe-yanshou-1.0.0.zip"
    package.write_bytes(PACKAGE)
    contexts = {user: _context(browser, demo_server, user) for user in ("shenzhen", "reviewer", "meizhou")}
    try:
        pages = {user: context.new_page() for user, context in contexts.items()}
        for page in pages.values():
            page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions
        slug = _publish(pages["shenzhen"], demo_server, cam, package)
        _review(pages["reviewer"], cam, slug)
        _read_return(pages["shenzhen"], cam, slug)
        _reuse(pages["meizhou"], cam)
        yield cam
    finally:
        for context in contexts.values():
            context.close()


def _publish(page: Page, demo: DemoServer, cam: Camera, package: Path) -> str:
    page.goto("/login")
    page.fill("#username", "shenzhen")
    page.fill("#password", demo.passwords["shenzhen"])
    cam.shot(page, "publish-1-sign-in.png")
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    expect(page.locator("header .account-menu .user-name")).to_be_visible()

    page.goto("/my-apps")
    cam.shot(page, "publish-2-my-apps.png")
    page.click('main a[href="/apps/new"]')
    page.wait_for_url("**/apps/new")
    form = page.locator('form[action="/apps/new"]')
    form.locator('select[name="kind"]').select_option("application")
    form.locator('select[name="category"]').select_option("services")
    form.locator('select[name="maturity"]').select_option("promoted")
    form.locator('input[name="name_en"]').fill(APP_NAME_EN)
    form.locator('input[name="department"]').fill("深圳市住房和建设局")
    form.locator('input[name="contact_name"]').fill("李工")
    form.locator('input[name="contact_phone"]').fill("0755-83788888")
    form.locator('select[name="license_type"]').select_option("open_source")
    form.locator('input[name="license_spdx"]').fill("MulanPSL-2.0")
    form.locator('select[name="offering"]').select_option("standard_free")
    form.locator('input[name="deployment_modes"][value="gov_cloud"]').check()
    form.locator('input[name="name"]').fill(APP_NAME)
    # 查重 as the city types: the apps that look alike appear under the summary (htmx).
    with page.expect_response(lambda r: "/duplicate-check?" in r.url and "summary=" in r.url):
        form.locator('input[name="summary"]').fill("规划、消防、人防、竣工验收一次申请、并联办理、限时办结")
    cam.shot(page, "publish-3-form.png", form.locator('input[name="name"]').locator(".."))
    with page.expect_navigation():
        form.locator('button[type="submit"]').last.click()
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert page.url == f"{demo.url}/apps/{slug}", page.url
    expect(page.locator("h1")).to_contain_text(APP_NAME)

    page.click(f'main a[href="/apps/{slug}/versions/new"]')
    page.wait_for_url(f"**/apps/{slug}/versions/new")
    page.fill('input[name="version"]', "1.0.0")
    page.fill('textarea[name="release_notes"]', "首个版本：联合验收申请、并联审批、结果互认。")
    with page.expect_navigation():
        page.click(f'form[action="/apps/{slug}/versions/new"] button[type="submit"]')
    page.set_input_files("#upload-file", str(package))
    page.select_option("#upload-kind", "package")
    with page.expect_response(lambda r: "/artifacts?" in r.url and r.request.method == "POST") as answer:
        page.click("#upload-button")
    assert answer.value.status == 201, answer.value.text()
    sha256 = hashlib.sha256(PACKAGE).hexdigest()
    expect(page.locator(f'main a[href$="/download"]:text-is("{package.name}")')).to_be_visible()  # reloaded
    expect(page.locator("main code.sha256").first).to_have_text(sha256)
    cam.shot(page, "publish-4-version.png", page.locator("main h1"))

    page.goto(f"/apps/{slug}")
    page.click(f'main a[href="/apps/{slug}/submit"]')
    page.wait_for_url(f"**/apps/{slug}/submit")
    expect(page.locator("#duplicate-check h2").first).to_be_visible()
    cam.shot(page, "publish-5-submit.png")
    with page.expect_navigation():
        page.click(f'form[action="/apps/{slug}/submit"] button[type="submit"]')
    expect(page.locator("h1 .status-submitted")).to_be_visible()
    return slug


def _review(page: Page, cam: Camera, slug: str) -> None:
    page.goto("/review")
    expect(page.locator(f'main a[href="/apps/{slug}"]')).to_be_visible()
    cam.shot(page, "review-1-queue.png")
    page.click(f'main a[href="/apps/{slug}"]')
    page.wait_for_url(f"**/apps/{slug}")
    returning = page.locator('form:has(button[name="decision"][value="return"])')
    returning.locator('textarea[name="comment"]').fill(RETURN_COMMENT)
    cam.shot(page, "review-2-decision.png", returning)
    with page.expect_navigation():
        returning.locator('button[name="decision"][value="return"]').click()


def _read_return(page: Page, cam: Camera, slug: str) -> None:
    page.goto(f"/apps/{slug}")
    expect(page.locator("h1 .status-draft")).to_be_visible()
    expect(page.locator("main")).to_contain_text("请补充信创适配证明材料")
    cam.shot(page, "publish-6-returned.png")


def _reuse(page: Page, cam: Camera) -> None:
    page.goto("/apps?category=governance&xinchuang=鲲鹏")
    expect(page.locator("article.app-card").first).to_be_visible()
    cam.shot(page, "reuse-1-catalog.png")

    page.goto(f"/apps/{REUSED_APP}")
    cam.shot(page, "reuse-2-app.png")
    page.locator('main a[href*="/versions/"]').first.click()
    page.wait_for_url(f"**/apps/{REUSED_APP}/versions/*")
    expect(page.locator("main code.sha256").first).to_be_visible()
    page.locator("main details.verify > summary").first.click()  # the commands that check a download
    cam.shot(page, "reuse-3-sha256.png", page.locator("main ul.artifacts"))

    page.goto(f"/apps/{REUSED_APP}")
    page.click("#request-reuse")
    page.wait_for_url(f"**/apps/{REUSED_APP}/adopt")
    form = page.locator(f'form[action="/apps/{REUSED_APP}/adopt"]')
    form.locator('textarea[name="purpose"]').fill("梅州市 12345 热线需要工单智能分派，减少人工派单。")
    form.locator('input[name="contact_name"]').fill("张科长")
    form.locator('input[name="contact_phone"]').fill("0753-2188888")
    form.locator('input[name="environment"]').fill("梅州市政务云")
    cam.shot(page, "reuse-4-request.png", page.locator("main h1"))
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert "/adoptions/" in page.url, page.url
    cam.shot(page, "reuse-5-adoption.png")

    page.goto(f"/adoptions/{DEPLOYING_ADOPTION}")
    going_live = page.locator("#to-live")
    expect(going_live).to_be_visible()
    going_live.locator('input[name="saving_wan"]').fill("60")
    going_live.locator('input[name="saving_basis"]').fill("对比自建预算 80 万元")
    cam.shot(page, "reuse-6-go-live.png", going_live)


def test_every_screenshot_is_written_at_the_fixed_size(camera: Camera) -> None:
    assert sorted(camera.taken) == sorted(SHOTS)
    for name in SHOTS:
        path = GUIDE_DIR / name
        assert path.is_file(), name
        assert _png_size(path) == (SIZE["width"], SIZE["height"]), name
        assert path.stat().st_size > 10_000, f"{name} looks empty"


def test_the_guide_shows_every_screenshot_and_only_existing_ones(
    camera: Camera, browser: Browser, demo_server: DemoServer
) -> None:
    context = browser.new_context(base_url=demo_server.url, viewport=SIZE)
    try:
        page = context.new_page()
        page.goto("/")
        page.click('header a[href="/guide"]')  # linked from the header
        page.wait_for_url("**/guide")
        images = page.locator("main img").evaluate_all("els => els.map(e => [e.getAttribute('src'), e.alt])")
        links = page.locator("main a[href*='/static/guide/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        shown = [src for src, _alt in images]
        assert sorted(Path(src).name for src in shown) == sorted(SHOTS)
        assert all(src.startswith("/static/guide/") for src in shown), shown
        assert all(alt.strip() for _src, alt in images), "every screenshot needs its alt text"
        assert sorted(links) == sorted(shown)  # each picture opens at full size
        for src in shown:
            assert (GUIDE_DIR / Path(src).name).is_file(), src
            answer = page.request.get(src)
            assert answer.status == 200 and answer.headers["content-type"] == "image/png", src
            assert answer.body()[:8] == PNG_SIGNATURE, src
        # They load lazily: asked for all at once, every one must decode.
        page.locator("main img").evaluate_all("els => els.forEach(e => { e.loading = 'eager'; })")
        page.wait_for_function("() => [...document.querySelectorAll('main img')].every(e => e.complete)")
        broken = page.locator("main img").evaluate_all(
            "els => els.filter(e => !e.naturalWidth).map(e => e.src)"
        )
        assert broken == [], f"the browser could not show {broken}"
    finally:
        context.close()
