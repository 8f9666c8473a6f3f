"""The starting catalogues of DOMAIN.md and the default risk instrument, as data.

Everything here is editable in the admin afterwards; loading is written out (not
imported) so this migration keeps meaning what it meant when it ran. Rows that exist
already (same code) are left alone: admin edits win.
"""

from datetime import date

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEGAL_MATTERS = [
    ("Familiar", [
        ("divorcio", "Divorcio"),
        ("pension-alimenticia", "Pensión alimenticia (fijación, aumento, incumplimiento)"),
        ("guarda-custodia", "Guarda y custodia"),
        ("regimen-convivencia", "Régimen de convivencia"),
        ("patria-potestad", "Patria potestad"),
        ("paternidad", "Reconocimiento o investigación de paternidad"),
        ("liquidacion-bienes", "Liquidación de bienes"),
        ("ordenes-proteccion", "Órdenes o medidas de protección"),
        ("sustraccion-menores", "Sustracción o retención de hijas e hijos"),
    ]),
    ("Registro civil", [
        ("rectificacion-actas", "Rectificación o aclaración de actas"),
    ]),
    ("Penal", [
        ("denuncia-violencia-familiar", "Orientación para denuncia: violencia familiar"),
        ("denuncia-abuso-acoso-sexual", "Orientación para denuncia: abuso o acoso sexual"),
        ("denuncia-violacion", "Orientación para denuncia: violación"),
        ("denuncia-amenazas", "Orientación para denuncia: amenazas"),
        ("denuncia-lesiones", "Orientación para denuncia: lesiones"),
        ("denuncia-incumplimiento-alimentario", "Orientación para denuncia: incumplimiento alimentario"),
        ("denuncia-intimidad-sexual", "Orientación para denuncia: violación a la intimidad sexual"),
        ("asesoria-victima-proceso", "Asesoría jurídica de víctima en proceso penal"),
    ]),
    ("Laboral", [
        ("hostigamiento-acoso-laboral", "Hostigamiento o acoso sexual en el trabajo"),
        ("discriminacion-laboral", "Discriminación (incluido embarazo)"),
        ("despido", "Despido"),
        ("protocolo-empresa", "Protocolo de la empresa"),
    ]),
    ("Civil y patrimonial", [
        ("arrendamiento", "Arrendamiento"),
        ("propiedad", "Propiedad"),
        ("despojo", "Despojo"),
        ("deudas", "Deudas"),
        ("retencion-documentos", "Retención de documentos"),
    ]),
]

OUTCOMES = [
    ("orientacion", "Orientación brindada"),
    ("documento", "Documento elaborado"),
    ("canalizada", "Canalizada a otra institución"),
    ("accion-legal", "Acción legal iniciada"),
    ("resuelto", "Asunto resuelto"),
    ("desistio", "Desistió"),
    ("sin-contacto", "Sin contacto posterior"),
    ("atencion-concluida", "Atención concluida"),
]

# Ley General de Acceso de las Mujeres a una Vida Libre de Violencia, art. 6 (vicaria
# added 2024-01-17). The 2026 reform may change these lists: to confirm.
VIOLENCE_TYPES = [
    ("psicologica", "Psicológica"),
    ("fisica", "Física"),
    ("patrimonial", "Patrimonial"),
    ("economica", "Económica"),
    ("sexual", "Sexual"),
    ("vicaria", "A través de interpósita persona (vicaria)"),
    ("otras-analogas", "Otras formas análogas"),
]

VIOLENCE_MODALITIES = [
    ("familiar", "Familiar"),
    ("laboral-docente", "Laboral y docente (incluye hostigamiento y acoso sexual)"),
    ("comunidad", "En la comunidad"),
    ("institucional", "Institucional"),
    ("politica", "Política"),
    ("digital-mediatica", "Digital y mediática"),
    ("feminicida", "Feminicida"),
]

AGGRESSOR_RELATIONS = [
    ("pareja", "Pareja actual"),
    ("expareja", "Expareja"),
    ("novio", "Novio o relación de noviazgo"),
    ("familiar", "Familiar"),
    ("jefe", "Jefe o superior en el trabajo"),
    ("companero-trabajo", "Compañero de trabajo"),
    ("docente", "Docente"),
    ("conocido", "Persona conocida"),
    ("desconocido", "Persona desconocida"),
    ("otra", "Otra"),
]

# EPV-R-style scale as validated in Chihuahua city (2020) with the Centro de Justicia
# para las Mujeres: 23 yes/no items weighted 3/2/1, cut-off 21 for high risk. Item
# wording, weights and the low/moderate boundary are a starting point: to validate
# with the institute before use.
EPVR_ITEMS = [
    ("Situación de la relación", "Separación reciente o en trámite de separación", 3),
    ("Situación de la relación", "Acoso reciente a la víctima", 2),
    ("Situación de la relación", "Incumplimiento de una orden de protección o de alejamiento", 3),
    ("Violencia", "Violencia física susceptible de causar lesiones", 3),
    ("Violencia", "Violencia física en presencia de hijas, hijos u otros familiares", 2),
    ("Violencia", "Aumento de la frecuencia y la gravedad de las agresiones en el último mes", 3),
    ("Violencia", "Amenazas graves o de muerte en el último mes", 3),
    ("Violencia", "Amenazas con objetos peligrosos o con armas de cualquier tipo", 3),
    ("Violencia", "Intención clara de causar lesiones graves o muy graves", 3),
    ("Violencia", "Agresiones sexuales en la relación", 2),
    ("Agresor", "Celos muy intensos o conductas de control sobre ella", 2),
    ("Agresor", "Historial de conductas violentas con parejas anteriores", 2),
    ("Agresor", "Historial de conductas violentas con otras personas", 1),
    ("Agresor", "Consumo abusivo de alcohol o drogas", 2),
    ("Agresor", "Antecedentes de enfermedad mental con abandono del tratamiento", 1),
    ("Agresor", "Conductas de crueldad, desprecio hacia ella y falta de arrepentimiento", 2),
    ("Agresor", "Justifica la violencia por su propio estado o por «provocación» de ella", 1),
    ("Agresor", "Vínculos con la delincuencia organizada", 3),
    ("Víctima", "Ella percibe peligro de muerte en el último mes", 3),
    ("Víctima", "Ha retirado denuncias previas o se ha echado atrás en dejarlo o denunciarlo", 1),
    ("Víctima", "Vulnerabilidad por aislamiento, enfermedad o dependencia", 2),
    ("Otras violencias", "Violencia psicológica: humillaciones, insultos, desvalorización", 1),
    ("Otras violencias", "Violencia económica: control del dinero, le impide trabajar", 1),
]
EPVR_BANDS = [("low", 0), ("moderate", 11), ("high", 21)]

CATALOGUE_MODELS = ["legalmatter", "caseoutcome", "violencetype", "violencemodality", "aggressorrelation"]
RISK_MODELS = ["riskinstrument", "riskitem", "riskband"]
ALL = ["add", "change", "delete", "view"]
ROLE_PERMISSIONS = {
    "coordinacion": [(m, a) for m in CATALOGUE_MODELS + RISK_MODELS for a in ALL],
    "sistemas": [(m, a) for m in CATALOGUE_MODELS + RISK_MODELS for a in ALL],
    "juridico": [(m, "view") for m in CATALOGUE_MODELS],
    "violencia": [(m, "view") for m in CATALOGUE_MODELS + RISK_MODELS],
}


def load(apps, schema_editor):
    position = 0
    LegalMatter = apps.get_model("cases", "LegalMatter")
    for group, matters in LEGAL_MATTERS:
        for code, name in matters:
            position += 10
            LegalMatter.objects.get_or_create(
                code=code, defaults={"name": name, "group": group, "position": position}
            )
    for model_name, rows in (
        ("CaseOutcome", OUTCOMES),
        ("ViolenceType", VIOLENCE_TYPES),
        ("ViolenceModality", VIOLENCE_MODALITIES),
        ("AggressorRelation", AGGRESSOR_RELATIONS),
    ):
        model = apps.get_model("cases", model_name)
        for index, (code, name) in enumerate(rows, start=1):
            model.objects.get_or_create(code=code, defaults={"name": name, "position": index * 10})

    RiskInstrument = apps.get_model("cases", "RiskInstrument")
    instrument, created = RiskInstrument.objects.get_or_create(
        code="epv-r-chihuahua",
        version="2020.1",
        defaults={
            "name": "Escala de predicción del riesgo de violencia grave (EPV-R, versión Chihuahua)",
            "note": (
                "A validar con el instituto: redacción de los reactivos, pesos y el límite "
                "entre riesgo bajo y moderado. Punto de corte de riesgo alto: 21 puntos."
            ),
            "current": not RiskInstrument.objects.filter(code="epv-r-chihuahua", current=True).exists(),
            "published_on": date(2020, 1, 1),
        },
    )
    if created:
        RiskItem = apps.get_model("cases", "RiskItem")
        RiskBand = apps.get_model("cases", "RiskBand")
        RiskItem.objects.bulk_create(
            RiskItem(instrument=instrument, number=n, family=f, text=t, weight=w)
            for n, (f, t, w) in enumerate(EPVR_ITEMS, start=1)
        )
        RiskBand.objects.bulk_create(
            RiskBand(instrument=instrument, level=level, min_score=score) for level, score in EPVR_BANDS
        )

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, pairs in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        group.permissions.add(*[
            Permission.objects.get(content_type__app_label="cases", codename=f"{action}_{model}")
            for model, action in pairs
        ])


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_files"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
