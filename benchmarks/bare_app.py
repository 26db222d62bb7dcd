"""The framework's ceiling for the throughput benchmark: a bare Litestar app answering a fixed page.

``benchmarks/throughput.py`` runs it under the same server and number of workers as the store,
in the same run, and reports the store's requests per second as a share of this app's: what the
machine, the server and Litestar give before the store does any work of its own (no database,
no templates, no middleware). ``/health`` is there so it can be started like the store.
"""

from __future__ import annotations

from litestar import Litestar, MediaType, get

# About the size of the store's smaller pages' head and header: a fixed page, built once.
PAGE = (
    "<!doctype html>\n"
    '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    "<title>粤复用 · 基准页面</title>\n</head>\n<body>\n"
    '<header class="container"><nav><ul><li><a href="/"><strong>粤复用</strong></a></li></ul>'
    '<ul><li><a href="/apps">应用目录</a></li><li><a href="/regions">地区</a></li></ul></nav></header>\n'
    '<main class="container"><h1>一处创新，处处复用</h1>\n'
    + "".join(
        f'<article><h2><a href="/apps/app-{i}">应用 {i}</a></h2><p>固定内容。</p></article>\n'
        for i in range(8)
    )
    + "</main>\n</body>\n</html>\n"
)


@get("/", media_type=MediaType.HTML, sync_to_thread=False)
def page() -> str:
    return PAGE


@get("/health", media_type=MediaType.JSON, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[page, health])
