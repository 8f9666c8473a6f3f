"""Coordination edits the templates and reads the delivery log in the admin."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified
from cercania.cases.services import ContactChoices
from cercania.notifications.models import Delivery, MessageTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, institute_config):
    def sign_in(role: Role):
        user = staff_user_create(
            email=f"{role.value}@example.mx", display_name=str(role.label), roles=[role]
        )
        login_verified(client, user)
        return client

    return sign_in


def test_the_coordinator_reads_the_delivery_log_with_masked_recipients(
    clock, book_her, run_worker, signed_in
):
    appointment = book_her(contact=ContactChoices(call=True, email=True))
    run_worker()
    client = signed_in(Role.COORDINACION)
    page = client.get("/admin/notifications/delivery/")
    assert page.status_code == 200
    html = page.content.decode()
    assert appointment.reference in html
    assert "a•••@•••.net" in html and "•••• 4567" in html
    assert "ana.sentinel" not in html and "6141234567" not in html
    assert "Ella no autorizó este medio" in html  # the SMS she did not allow
    any_delivery = Delivery.objects.filter(appointment=appointment).first()
    assert any_delivery is not None
    detail = client.get(f"/admin/notifications/delivery/{any_delivery.pk}/change/")
    assert detail.status_code == 200


@pytest.mark.parametrize("role", [Role.SISTEMAS])
def test_other_staff_accounts_do_not_see_the_log(signed_in, role):
    client = signed_in(role)
    assert client.get("/admin/notifications/delivery/").status_code == 403
    assert client.get("/admin/notifications/messagetemplate/").status_code == 403


@pytest.mark.parametrize("role", [Role.JURIDICO, Role.VIOLENCIA, Role.LINEA, Role.ENLACE])
def test_non_admin_roles_are_kept_out_of_the_admin(signed_in, role):
    assert signed_in(role).get("/admin/notifications/delivery/").status_code == 302


def test_the_coordinator_edits_a_template_and_the_deny_list_is_checked_on_save(signed_in):
    client = signed_in(Role.COORDINACION)
    template = MessageTemplate.objects.get(kind="reminder", format="text")
    url = f"/admin/notifications/messagetemplate/{template.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "{{ enlace_videollamada }}" in page.content.decode()
    refused = client.post(url, {"subject": "", "body": "Tu cita jurídica es el {{ dia }}"})
    assert refused.status_code == 200
    assert "no puede decir" in refused.content.decode()
    template.refresh_from_db()
    assert "jurídica" not in template.body
    saved = client.post(url, {"subject": "", "body": "Te esperamos el {{ dia }} a las {{ hora }}."})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert template.body == "Te esperamos el {{ dia }} a las {{ hora }}."
    assert client.get("/admin/notifications/messagetemplate/add/").status_code == 403


def test_send_now_moves_a_queued_reminder_to_the_queue_and_the_gate_still_decides(
    clock, book_her, run_worker, signed_in
):
    appointment = book_her(contact=ContactChoices(email=True))
    run_worker()
    reminder = Delivery.objects.filter(
        appointment=appointment, kind="reminder", channel="email"
    ).order_by("due_at")[0]
    client = signed_in(Role.COORDINACION)
    response = client.post(
        "/admin/notifications/delivery/",
        {"action": "send_now", "_selected_action": [reminder.pk]},
    )
    assert response.status_code == 302
    run_worker()
    assert [m.subject for m in mail.outbox][-1] == "Recordatorio de tu cita"
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    # Its original task still runs at the planned time, and sends nothing more.
    sent = len(mail.outbox)
    clock.move_to(reminder.due_at)
    assert run_worker() >= 1
    assert len(mail.outbox) == sent
    assert DBTaskResult.objects.ready().count() == 0
