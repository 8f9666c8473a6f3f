from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set.

    Listed after WhiteNoise, so only dynamic responses pass here: those must never be
    kept by a shared or back-button cache, where an abuser with the phone could find them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if (
            "Cache-Control" not in response.headers
            or "no-store" not in response.headers["Cache-Control"]
        ):
            add_never_cache_headers(response)
        return response


class SpanishFirstLocaleMiddleware(LocaleMiddleware):
    """Spanish unless she chose another language with the selector.

    Django's LocaleMiddleware follows the browser's Accept-Language; many phones in
    Chihuahua are set to English without their owners reading English, so only the
    explicit choice (the language cookie) switches the site.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = (
                translation.get_supported_language_variant(chosen)
                if chosen
                else settings.LANGUAGE_CODE
            )
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NullOriginMiddleware:
    """Let Django's CSRF protection work under `Referrer-Policy: no-referrer`.

    With that policy browsers send `Origin: null` and no Referer on same-origin form
    posts, which Django's CsrfViewMiddleware refuses. Browsers also send
    `Sec-Fetch-Site`, which pages cannot forge: when it says the post comes from this
    very origin, the null origin is replaced by ours. Listed just before Django's
    CsrfViewMiddleware, which still checks the origin and the token on every post.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        ):
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)


class UnchangedCsrfCookieMiddleware:
    """Do not send her browser again the CSRF cookie it already holds.

    Django sets the CSRF cookie again on every page with a form, to push its expiry a
    year further. Ours lives only until the browser closes (CSRF_COOKIE_AGE = None, so
    the phone keeps no trace of this site for a year): there is no expiry to push, and
    the same value sent again changes nothing. A new or rotated secret (first visit,
    login, a malformed cookie) differs from the one she sent and is set as Django sets
    it. Listed right after Django's CsrfViewMiddleware, so its response step runs first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.CSRF_COOKIE_AGE is None
            and not settings.CSRF_USE_SESSIONS
            and request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and request.COOKIES.get(settings.CSRF_COOKIE_NAME) == request.META.get("CSRF_COOKIE")
        ):
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return response
