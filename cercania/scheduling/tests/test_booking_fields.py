"""The radio buttons of the booking questions (templatetags/booking_fields.py), through
HTTP: each labelled, and only her own answer checked when she comes back to a question."""

import re

import pytest
import time_machine
from django.urls import reverse

from cercania.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 30, 8, 0)  # Monday morning
RADIO = re.compile(
    r'<input class="radios__input" type="radio" name="(\w+)" id="([\w-]+)" value="([^"]+)"'
    r"( checked)?>\s*<label class=\"radios__label\" for=\"([\w-]+)\">([^<]+)</label>"
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def step(name):
    return reverse("booking:step", kwargs={"step": name})


def radios(client, question):
    page = client.get(step(question)).content.decode()
    return [
        {
            "name": name,
            "id": id_,
            "value": value,
            "checked": bool(checked),
            "for": for_,
            "label": label,
        }
        for name, id_, value, checked, for_, label in RADIO.findall(page)
    ]


def test_each_day_is_a_labelled_radio_and_only_her_chosen_day_is_checked(client, make_advisor):
    make_advisor()
    client.get(reverse("booking:start"))
    assert client.post(step("modalidad"), {"modality": "phone"}).status_code == 302

    days = radios(client, "dia")
    assert len(days) > 10  # the whole horizon's working days
    assert [d["id"] for d in days] == [f"id_day_{n}" for n in range(len(days))]
    assert all(d["for"] == d["id"] and d["name"] == "day" for d in days)
    assert not any(d["checked"] for d in days)

    chosen = days[3]["value"]
    assert client.post(step("dia"), {"day": chosen})["Location"] == step("hora")
    again = radios(client, "dia")
    assert [d["value"] for d in again if d["checked"]] == [chosen]
    assert [d["label"] for d in again] == [d["label"] for d in days]


def test_a_refused_answer_leaves_no_radio_checked(client, make_advisor):
    make_advisor()
    client.get(reverse("booking:start"))
    page = client.post(step("modalidad"), {"modality": "carrier-pigeon"}).content.decode()
    found = RADIO.findall(page)
    assert [m[2] for m in found] == ["video", "phone"]
    assert not any(m[3] for m in found)
