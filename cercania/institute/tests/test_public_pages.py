"""Every public page: Spanish, exit button, safety banner, headers, nothing from other hosts."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("institute_config")

PUBLIC_PAGES = ["home", "safety", "privacy_simplified", "privacy_integral"]
ATTRIBUTE_URLS = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']([^"']+)["']""", re.I)
CSS_URLS = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)
OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_public_page_renders_in_spanish_with_the_exit_button_and_banner(client, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es-mx">' in html
    assert f'href="{reverse("exit")}"' in html and "Salir rápido" in html
    assert "Si alguien revisa tu teléfono o tu computadora, podría ver esta visita." in html
    assert "911" in html


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_public_page_loads_anything_from_another_host(client, name):
    html = client.get(reverse(name)).content.decode()
    loaded = re.findall(
        r"<(?:script|img|iframe|source|audio|video|embed)[^>]+src=[\"']([^\"']+)", html, re.I
    )
    loaded += re.findall(r"<link[^>]+href=[\"']([^\"']+)", html, re.I)
    assert loaded, "the page should load at least its own stylesheet and script"
    assert [url for url in loaded if OUTSIDE.match(url)] == []
    # Stylesheets may pull fonts or images: they must be local too.
    for url in loaded:
        if url.endswith(".css"):
            path = finders.find(url.removeprefix("/static/"))
            assert isinstance(path, str)
            css = Path(path).read_text()
            assert [
                u for u in CSS_URLS.findall(css) if OUTSIDE.match(u) or u.startswith("http")
            ] == []


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_public_page_sends_the_security_headers(client, name):
    response = client.get(reverse(name))
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_is_used(client):
    for name in PUBLIC_PAGES:
        html = client.get(reverse(name)).content.decode()
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/public.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_home_page_shows_both_lines_as_click_to_call_links(client):
    html = client.get("/").content.decode()
    assert 'href="tel:+526144900789"' in html and "614-4-90-07-89" in html
    assert 'href="tel:+526144102305"' in html and "614-4-10-23-05" in html
    assert "Lunes a viernes, 9:00 a 15:00" in html
    assert 'href="https://www.facebook.com/www.immujereschihuahua.org/"' in html


def test_the_privacy_notice_shows_its_version_and_links_the_other_layer(client):
    html = client.get(reverse("privacy_simplified")).content.decode()
    assert "Versión 2026.1" in html
    assert reverse("privacy_integral") in html
    assert "Unidad de Transparencia" in client.get(reverse("privacy_integral")).content.decode()


def test_a_missing_privacy_notice_is_a_plain_404(client):
    from cercania.institute.models import PrivacyNotice

    PrivacyNotice.objects.all().delete()
    assert client.get(reverse("privacy_integral")).status_code == 404


def test_the_site_can_be_read_in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Quick exit" in html


def test_a_browser_asking_for_english_still_gets_spanish(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="es-mx">' in html
    assert "Salir rápido" in html
