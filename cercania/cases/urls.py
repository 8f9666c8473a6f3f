"""Staff URLs of the case files and the line console. Only public ids in paths."""

from django.urls import path

from . import console_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("mi-trabajo/", views.my_work, name="my_work"),
    # People
    path("personas/nueva/", views.person_new, name="person_new"),
    path("personas/<uuid:public_id>/", views.person_detail, name="person"),
    path("personas/<uuid:public_id>/editar/", views.person_edit, name="person_edit"),
    path(
        "personas/<uuid:public_id>/preferencias/",
        views.person_preferences,
        name="person_preferences",
    ),
    path("personas/<uuid:public_id>/fusionar/", views.person_merge, name="person_merge"),
    path("personas/<uuid:public_id>/consentimiento/", views.person_consent, name="person_consent"),
    path("personas/<uuid:public_id>/expediente-nuevo/", views.case_new, name="case_new"),
    # Cases
    path("casos/<uuid:public_id>/", views.case_detail, name="case"),
    path("casos/<uuid:public_id>/editar/", views.case_edit, name="case_edit"),
    path("casos/<uuid:public_id>/cerrar/", views.case_close, name="case_close"),
    path("casos/<uuid:public_id>/tomar/", views.case_take, name="case_take"),
    path("casos/<uuid:public_id>/contacto/", views.contact_new, name="contact_new"),
    path("casos/<uuid:public_id>/violencia/", views.violence_record, name="violence_record"),
    path("casos/<uuid:public_id>/riesgo/", views.risk_new, name="risk_new"),
    path("casos/<uuid:public_id>/riesgo/<uuid:assessment_id>/", views.risk_detail, name="risk"),
    path("casos/<uuid:public_id>/canalizacion/", views.referral_new, name="referral_new"),
    path("casos/<uuid:public_id>/seguimiento/", views.follow_up_new, name="follow_up_new"),
    path("canalizaciones/<uuid:public_id>/", views.referral_detail, name="referral"),
    path("seguimientos/<uuid:public_id>/hecho/", views.follow_up_done, name="follow_up_done"),
    # Contacts
    path("contactos/<uuid:public_id>/", views.contact_detail, name="contact"),
    path("contactos/<uuid:public_id>/vincular/", views.contact_link, name="contact_link"),
    path(
        "citas/<uuid:public_id>/contacto/",
        views.contact_from_appointment,
        name="contact_from_appointment",
    ),
    # The line console
    path("linea/", console_views.console, name="console"),
    path("linea/nueva/", console_views.console_person_new, name="console_person_new"),
    path("linea/llamada/", console_views.console_call, name="console_call"),
    path("linea/persona/<uuid:public_id>/", console_views.console_person, name="console_person"),
    path("linea/persona/<uuid:public_id>/cita/", console_views.console_book, name="console_book"),
]
