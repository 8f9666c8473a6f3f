"""Reads of the delivery log and the templates."""

from __future__ import annotations

from django.db.models import QuerySet

from cercania.scheduling.models import Appointment

from .models import Delivery, MessageTemplate


def delivery_log() -> QuerySet[Delivery]:
    """Every delivery, newest first, with what the log list shows (no person data)."""
    return Delivery.objects.select_related("appointment", "advisor__user", "template")


def deliveries_for_appointment(*, appointment: Appointment) -> QuerySet[Delivery]:
    return Delivery.objects.filter(appointment=appointment).order_by("due_at", "id")


def pending_deliveries(*, appointment: Appointment) -> QuerySet[Delivery]:
    return deliveries_for_appointment(appointment=appointment).filter(status=Delivery.Status.QUEUED)


def message_templates() -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.all()
