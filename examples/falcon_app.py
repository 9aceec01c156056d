"""Falcon: a middleware component that profiles a request whose URL has
?profile and puts the HTML report in the response body.

    gunicorn falcon_app:app
    open http://127.0.0.1:8000/?profile
"""
import time

import falcon

from pyinstrument import Profiler


class ProfilerMiddleware:
    def process_request(self, req, resp):
        if "profile" in req.params:
            req.context.profiler = Profiler()
            req.context.profiler.start()

    def process_response(self, req, resp, resource, req_succeeded):
        profiler = req.context.get("profiler")
        if profiler is None:
            return
        profiler.stop()
        resp.status = falcon.HTTP_200
        resp.content_type = falcon.MEDIA_HTML
        resp.text = profiler.output_html()


class SlowResource:
    def on_get(self, req, resp):
        slow_falcon_view(resp)


def slow_falcon_view(resp):
    time.sleep(0.05)
    resp.media = {"finished": True}


app = falcon.App(middleware=[ProfilerMiddleware()])
app.add_route("/", SlowResource())
