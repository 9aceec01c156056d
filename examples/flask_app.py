"""Flask: add ?profile to any URL and the page is replaced by pyinstrument's
HTML report of that request.

    flask --app flask_app run
    open http://127.0.0.1:5000/?profile
"""
import time

from flask import Flask, g, make_response, request

from pyinstrument import Profiler

app = Flask(__name__)


@app.before_request
def start_profiler():
    if "profile" in request.args:
        g.profiler = Profiler()
        g.profiler.start()


@app.after_request
def answer_with_report(response):
    profiler = g.pop("profiler", None)
    if profiler is None:
        return response
    profiler.stop()
    return make_response(profiler.output_html())


@app.route("/")
def slow_flask_view():
    time.sleep(0.05)
    return "finished"
