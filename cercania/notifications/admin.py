"""Admin: the coordinator edits the message templates and reads the delivery log.

Permissions (migration 0003) give both to `coordinacion` only. The log shows masked
recipients and codes, never an address, a name or a message text.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Delivery, MessageTemplate
from .selectors import delivery_log
from .services import delivery_send_now
from .wording import PLACEHOLDERS, SUBJECT_PLACEHOLDERS


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "format", "subject", "updated_at")
    list_filter = ("format",)
    fields = ("kind", "format", "subject", "body", "placeholders")
    readonly_fields = ("kind", "format", "placeholders")

    @admin.display(description=_("datos que puedes usar"))
    def placeholders(self, obj: MessageTemplate | None) -> str:
        rows = format_html_join(
            "",
            "<li><code>{{{{ {} }}}}</code> — {}{}</li>",
            (
                (name, help_text, "" if name in SUBJECT_PLACEHOLDERS else _(" (no en el asunto)"))
                for name, help_text in PLACEHOLDERS.items()
            ),
        )
        return format_html(
            "<ul>{}</ul><p>{} <code>{}</code></p><p>{}</p>",
            rows,
            _("También bloques condicionales:"),
            "{% if dato %} … {% else %} … {% endif %}",
            _(
                "El texto no puede nombrar al instituto, sus servicios ni el motivo de la "
                "cita: se revisa al guardar y otra vez al enviar."
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one template per message and format, shipped by a migration

    def has_delete_permission(
        self, request: HttpRequest, obj: MessageTemplate | None = None
    ) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "due_at",
        "kind",
        "channel",
        "appointment_reference",
        "recipient_masked",
        "status",
        "reason",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel", "kind", "reason")
    search_fields = ("appointment__reference",)
    date_hierarchy = "due_at"
    actions = ["send_now"]
    fields = (
        "kind",
        "channel",
        "appointment_reference",
        "agenda_day",
        "template",
        "recipient_masked",
        "status",
        "reason",
        "attempts",
        "provider_id",
        "last_error",
        "for_starts_at",
        "sequence",
        "due_at",
        "next_attempt_at",
        "sent_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return delivery_log()

    @admin.display(description=_("cita"), ordering="appointment__reference")
    def appointment_reference(self, obj: Delivery) -> str:
        if obj.appointment is None:
            return "—"
        url = reverse("admin:scheduling_appointment_change", args=[obj.appointment.pk])
        return format_html('<a href="{}">{}</a>', url, obj.appointment.reference)

    @admin.action(
        description=_("Enviar ahora (si sigue en cola; el filtro de contacto seguro decide)"),
        permissions=["send"],
    )
    def send_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = sum(delivery_send_now(delivery=d) for d in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d mensaje pasa a la cola de envío.",
                "%(count)d mensajes pasan a la cola de envío.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.view_delivery")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False
