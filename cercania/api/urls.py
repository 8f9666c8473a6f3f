"""Mounted at /api/v1/ (cercania/urls.py). Every route answers JSON, CORS included."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from .api import api, not_found
from .cors import with_cors


def _with_cors(pattern: URLPattern | URLResolver) -> URLPattern:
    assert isinstance(pattern, URLPattern)
    # Ninja's root view answers Django's HTML 404; ours answers JSON like every route.
    view = csrf_exempt(not_found) if pattern.name == "api-root" else pattern.callback
    return URLPattern(pattern.pattern, with_cors(view), pattern.default_args, pattern.name)


# Not unpacked into `app_name`: that name would namespace this whole module.
_patterns, _ninja_app, _namespace = api.urls

urlpatterns = [
    path("", include(([_with_cors(p) for p in _patterns], _ninja_app), namespace=_namespace)),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"", with_cors(csrf_exempt(not_found))),
]
