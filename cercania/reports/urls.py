from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("exportar/", views.export, name="export"),
    path("mensual/", views.monthly, name="monthly"),
    path("datos-abiertos/", views.open_data, name="open_data"),
    path("empresa/", views.partner, name="partner"),
    path("boletin/", views.press, name="press"),
    path("expedientes/", views.case_list_export, name="case_list_export"),
]
