"""Litestar: an ASGI middleware that profiles a request whose URL has
?profile and sends the HTML report in place of the handler's response.

    litestar --app litestar_app:app run
    open http://127.0.0.1:8000/?profile
"""
import asyncio
import time
from urllib.parse import parse_qs

from litestar import Litestar, get

from pyinstrument import Profiler


class ProfilerMiddleware:
    """Plain ASGI, so it also fits other ASGI frameworks."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode(),
                         keep_blank_values=True)
        if scope["type"] != "http" or "profile" not in query:
            await self.app(scope, receive, send)
            return

        async def drop(message):  # the handler's own response is discarded
            pass

        profiler = Profiler(async_mode="enabled")
        profiler.start()
        try:
            await self.app(scope, receive, drop)
        finally:
            profiler.stop()
        body = profiler.output_html().encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@get("/")
async def slow_litestar_view() -> dict:
    await asyncio.sleep(0.02)
    time.sleep(0.03)
    return {"finished": True}


app = Litestar(route_handlers=[slow_litestar_view],
               middleware=[ProfilerMiddleware])
