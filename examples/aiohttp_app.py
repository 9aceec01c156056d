"""aiohttp: a middleware that profiles a request whose URL has ?profile and
answers with the HTML report instead of the handler's response.

    python aiohttp_app.py
    open http://127.0.0.1:8080/?profile
"""
import asyncio
import time

from aiohttp import web

from pyinstrument import Profiler


@web.middleware
async def profiler_middleware(request, handler):
    if "profile" not in request.query:
        return await handler(request)
    profiler = Profiler(async_mode="enabled")
    profiler.start()
    try:
        await handler(request)
    finally:
        profiler.stop()
    return web.Response(text=profiler.output_html(), content_type="text/html")


async def slow_aiohttp_view(request):
    await asyncio.sleep(0.02)
    time.sleep(0.03)
    return web.Response(text="finished")


def make_app():
    app = web.Application(middlewares=[profiler_middleware])
    app.router.add_get("/", slow_aiohttp_view)
    return app


if __name__ == "__main__":
    web.run_app(make_app())
