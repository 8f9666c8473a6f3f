import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_flushes_the_session_and_clears_the_site(client, settings):
    session = client.session
    session["booking_step"] = "time"
    session.save()
    old_key = session.session_key

    response = client.get(reverse("exit"))

    assert response.status_code == 302
    assert response["Location"] == settings.EXIT_URL
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "no-store" in response["Cache-Control"]
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()


def test_it_also_accepts_a_post(client, settings):
    response = client.post(reverse("exit"))
    assert response.status_code == 302
    assert response["Location"] == settings.EXIT_URL


def test_a_query_parameter_cannot_change_where_it_goes(client, settings):
    for param in ("next", "to", "url", "redirect", "destino"):
        response = client.get(reverse("exit"), {param: "https://abuser.example/track"})
        assert response["Location"] == settings.EXIT_URL
        assert "abuser" not in response["Location"]


def test_it_goes_to_the_configured_neutral_site(client, settings):
    settings.EXIT_URL = "https://clima.example/"
    assert client.get(reverse("exit"))["Location"] == "https://clima.example/"
