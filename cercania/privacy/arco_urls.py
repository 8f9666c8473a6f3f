"""The coordinator's ARCO pages, mounted at /personal/privacidad/."""

from django.urls import path

from . import arco_views as views

app_name = "arco"

urlpatterns = [
    path("arco/", views.queue, name="queue"),
    path("arco/nueva/", views.register, name="register"),
    path("arco/<uuid:public_id>/", views.detail, name="detail"),
    path("arco/<uuid:public_id>/identificar/", views.identify, name="identify"),
    path("arco/<uuid:public_id>/ampliar/", views.extend, name="extend"),
    path("arco/<uuid:public_id>/responder/", views.answer, name="answer"),
    path("arco/<uuid:public_id>/ejecutar/", views.execute, name="execute"),
    path("arco/<uuid:public_id>/cerrar/", views.close, name="close"),
    path("arco/<uuid:public_id>/expediente/", views.export_html, name="export_html"),
    path("arco/<uuid:public_id>/expediente.json", views.export_json, name="export_json"),
]
