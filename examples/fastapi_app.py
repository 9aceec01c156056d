"""FastAPI: an HTTP middleware that profiles a request when its URL has
?profile and answers with the report instead: HTML by default, or a
speedscope profile with ?profile=speedscope.

    uvicorn fastapi_app:app
    open http://127.0.0.1:8000/?profile
"""
import asyncio
import time

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from pyinstrument import Profiler
from pyinstrument.renderers import SpeedscopeRenderer

app = FastAPI()


@app.middleware("http")
async def profile_request(request: Request, call_next):
    wanted = request.query_params.get("profile")
    if wanted is None:
        return await call_next(request)
    # "enabled" follows the request's task across its awaits
    profiler = Profiler(async_mode="enabled")
    profiler.start()
    await call_next(request)
    profiler.stop()
    if wanted == "speedscope":
        return Response(profiler.output(SpeedscopeRenderer()),
                        media_type="application/json")
    return HTMLResponse(profiler.output_html())


@app.get("/")
async def slow_fastapi_view():
    await asyncio.sleep(0.02)
    time.sleep(0.03)  # a blocking call, as slow code in a handler often is
    return {"finished": True}
