from django.urls import path

from . import staff_views as views

app_name = "agenda"

urlpatterns = [
    path("", views.agenda, name="mine"),
    path("todas/", views.agenda_all, name="all"),
    path("citas/<uuid:public_id>/marcar/", views.appointment_mark, name="mark"),
    path("citas/<uuid:public_id>/cancelar/", views.appointment_cancel, name="cancel"),
    path("citas/<uuid:public_id>/reprogramar/", views.appointment_reschedule, name="reschedule"),
    path("jornadas/", views.jornada_list, name="jornadas"),
    path("jornadas/<uuid:public_id>/cartel/", views.jornada_poster, name="poster"),
]
