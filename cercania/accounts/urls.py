from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("entrar/", views.login, name="login"),
    path("verificar/", views.verify, name="verify"),
    path("segundo-factor/", views.enrol, name="enrol"),
    path("cerrar-sesion/", views.logout, name="logout"),
    path("sesion/continuar/", views.keep_alive, name="keep_alive"),
    path("cuenta/sesiones/", views.sessions, name="sessions"),
    path(
        "cuenta/sesiones/cerrar-las-demas/",
        views.sessions_end_others,
        name="sessions_end_others",
    ),
    path("cuenta/sesiones/<uuid:public_id>/cerrar/", views.session_end, name="session_end"),
    path("contrasena/", views.password_reset, name="password_reset"),
    path("contrasena/enviada/", views.password_reset_done, name="password_reset_done"),
    path(
        "contrasena/nueva/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("contrasena/lista/", views.password_reset_complete, name="password_reset_complete"),
]
