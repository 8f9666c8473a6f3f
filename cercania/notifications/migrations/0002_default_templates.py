"""The default wording of every message: neutral, in Spanish.

Only the day, the time, the modality, the reference and the links; her alias in the
greeting of an email, never in a subject or an SMS. The coordinator edits them in the
admin; this migration never overwrites an edited template.
"""

from django.db import migrations

EMAIL_DETAILS = """Día: {{ dia }}
Hora: {{ hora }}
Modalidad: {{ modalidad }}
Referencia: {{ referencia }}
{% if enlace_videollamada %}
Para entrar a la videollamada: {{ enlace_videollamada }}
{% endif %}"""

GREETING = "Hola{% if alias %}, {{ alias }}{% endif %}:"

TEMPLATES = {
    ("confirmation", "email"): (
        "Tu cita está confirmada",
        f"""{GREETING}

Tu cita está confirmada.

{EMAIL_DETAILS}
Para ver, cambiar o cancelar tu cita: {{{{ enlace }}}}

Si la cita es por llamada, te marcaremos a la hora indicada.""",
    ),
    ("confirmation", "text"): (
        "",
        "Cita confirmada: {{ dia }}, {{ hora }}, por {{ modalidad }}. Ref. {{ referencia }}."
        "{% if enlace_videollamada %} Entrar: {{ enlace_videollamada }}{% endif %}"
        " Ver o cambiar: {{ enlace }}",
    ),
    ("reminder", "email"): (
        "Recordatorio de tu cita",
        f"""{GREETING}

Te recordamos tu cita.

{EMAIL_DETAILS}
Si no puedes, cámbiala o cancélala aquí: {{{{ enlace }}}}""",
    ),
    ("reminder", "text"): (
        "",
        "Recordatorio: cita el {{ dia }}, {{ hora }}, por {{ modalidad }}. Ref. {{ referencia }}."
        "{% if enlace_videollamada %} Entrar: {{ enlace_videollamada }}{% endif %}"
        " Cambiar o cancelar: {{ enlace }}",
    ),
    ("rescheduled", "email"): (
        "Tu cita cambió de horario",
        f"""{GREETING}

Tu cita cambió. Este es el nuevo horario:

{EMAIL_DETAILS}
Para ver, cambiar o cancelar tu cita: {{{{ enlace }}}}""",
    ),
    ("rescheduled", "text"): (
        "",
        "Tu cita cambió: ahora es el {{ dia }}, {{ hora }}, por {{ modalidad }}. "
        "Ref. {{ referencia }}."
        "{% if enlace_videollamada %} Entrar: {{ enlace_videollamada }}{% endif %}"
        " Ver o cambiar: {{ enlace }}",
    ),
    ("cancelled", "email"): (
        "Cita cancelada",
        f"""{GREETING}

Tu cita del {{{{ dia }}}} a las {{{{ hora }}}} (referencia {{{{ referencia }}}}) quedó cancelada.

Si quieres otra, puedes agendarla aquí: {{{{ enlace_agendar }}}}""",
    ),
    ("cancelled", "text"): (
        "",
        "Tu cita del {{ dia }}, {{ hora }} (ref. {{ referencia }}) quedó cancelada. "
        "Para agendar otra: {{ enlace_agendar }}",
    ),
    ("no_show", "email"): (
        "¿Agendamos otra cita?",
        f"""{GREETING}

No pudimos comunicarnos contigo en tu cita del {{{{ dia }}}} a las {{{{ hora }}}} \
(referencia {{{{ referencia }}}}).

Si quieres, puedes agendar otra aquí: {{{{ enlace_agendar }}}}""",
    ),
    ("no_show", "text"): (
        "",
        "No pudimos comunicarnos contigo en tu cita del {{ dia }}, {{ hora }} "
        "(ref. {{ referencia }}). Si quieres otra: {{ enlace_agendar }}",
    ),
}


def create_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for (kind, fmt), (subject, body) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            kind=kind, format=fmt, defaults={"subject": subject, "body": body}
        )


def remove_templates(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create_templates, remove_templates)]
