"""Django in one file, with pyinstrument's middleware installed.

    python django_app.py runserver
    open http://127.0.0.1:8000/slow?profile

Uncomment PYINSTRUMENT_PROFILE_DIR to keep a report of every request.
"""
import sys
import time

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

if not settings.configured:
    settings.configure(
        DEBUG=True,
        SECRET_KEY="only-for-this-example",
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["pyinstrument.middleware.ProfilerMiddleware"],
        # PYINSTRUMENT_PROFILE_DIR="profiles",
        # PYINSTRUMENT_PROFILE_DIR_RENDERER=
        #     "pyinstrument.renderers.SpeedscopeRenderer",
        # PYINSTRUMENT_SHOW_CALLBACK="django_app.only_from_localhost",
    )


def only_from_localhost(request):
    """A show callback: ?profile is obeyed only for local clients."""
    return request.META.get("REMOTE_ADDR") == "127.0.0.1"


def slow_django_view(request):
    time.sleep(0.05)
    return HttpResponse("finished")


urlpatterns = [path("slow", slow_django_view)]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
