"""Helpers of the API tests: the frozen clock, a JSON client, a valid booking body."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from cercania.conftest import local

NOW = local(2026, 11, 30, 8, 0)  # Monday 8:00 in Chihuahua
FIRST_FREE = local(2026, 11, 30, 10, 30)  # two hours of notice: 10:30 is the first slot
SECOND_FREE = local(2026, 11, 30, 11, 15)


class Api:
    """The Django test client speaking JSON to /api/v1/."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, **extra: Any):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", **extra)

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        data = body if isinstance(body, (bytes, str)) else json.dumps(body or {})
        return self.client.post(
            f"/api/v1{path}", data=data, content_type="application/json", headers=headers or {}
        )

    def book(self, **changes: Any):  # type: ignore[no-untyped-def]
        headers = changes.pop("headers", None)
        return self.post("/bookings", booking_body(**changes), headers=headers)


def booking_body(**changes: Any) -> dict[str, Any]:
    """A valid phone booking of the first free slot; a change to ... drops the field."""
    body: dict[str, Any] = {
        "service": "juridico",
        "start": FIRST_FREE.isoformat(),
        "modality": "phone",
        "name": "Ana",
        "phone": "614 123 4567",
        "contact": {"call": True},
        "privacy_notice_accepted": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def error_codes(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """{field: code} of a 422 body."""
    body = response.json()
    assert body["detail"] == "invalid_input", body
    return {e["field"]: e["code"] for e in body["errors"]}
