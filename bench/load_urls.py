"""URLs of the benchmark server: every app URL, plus /bench/bare/ (bench/load.py only).

The bare view does no template, no database and no session work of its own, but goes
through the same middleware and server as the booking pages: it is the yardstick of
the throughput ratio.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cercania import urls as app_urls


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


handler500 = getattr(app_urls, "handler500", None)
urlpatterns = [path("bench/bare/", bare), *app_urls.urlpatterns]
