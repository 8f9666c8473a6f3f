from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("agendar/", views.start, name="start"),
    path("agendar/confirmada/", views.confirmed, name="confirmed"),
    path("agendar/<slug:step>/", views.step, name="step"),
    path("jornada/<str:code>/", views.start, name="jornada"),
    path("jornada/<str:code>/<slug:step>/", views.step, name="jornada_step"),
    path("cita/<str:token>/", views.manage, name="manage"),
    path("cita/<str:token>/cancelar/", views.manage_cancel, name="manage_cancel"),
    path("cita/<str:token>/cambiar/", views.manage_reschedule, name="manage_reschedule"),
]
