"""The new report URLs for a partner liaison: none of them is hers, whichever company
she belongs to, and her own partner report never shows another company's jornada."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
NEW_URLS = [
    ("reports:monthly", {"mes": "2026-12"}),
    ("reports:open_data", {"archivo": "datos"}),
    ("reports:case_list_export", {"formato": "csv", "estado": ""}),
    ("reports:export", {"tabla": "primera_sesion"}),
    ("reports:export", {"tabla": "contactos_canal"}),
]


def _link(user, organization):
    from cercania.partners.models import Liaison

    Liaison.objects.create(user=user, organization=organization)


def test_a_liaison_of_company_a_reaches_no_new_report_and_not_company_b(
    world, liaison, client_for, settings
):
    from cercania.partners.models import Organization

    settings.REPORTS_MIN_CELL = 1  # so that a figure of company B would show if it leaked
    other = Organization.objects.exclude(name="Emerson Termotec").order_by("pk")[0]
    _link(liaison, other)  # company A = the other one; the world's jornada is Emerson's (B)
    client = client_for(liaison)
    for name, query in NEW_URLS:
        response = client.get(reverse(name), query)
        assert response.status_code == 403, name
        assert b"IMM-" not in response.content and b"%PDF" not in response.content
    partner = client.get(reverse("reports:partner"))
    assert partner.status_code == 200
    assert world.jornada.title not in partner.content.decode()
    assert "Emerson" not in partner.content.decode()
