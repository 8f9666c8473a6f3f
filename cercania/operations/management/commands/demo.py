from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercania.operations.demo import credentials_path, demo_setup


class Command(BaseCommand):
    help = "Set up the database with the IMM Chihuahua demo configuration and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up only; do not start the server."
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="Port to serve on (default 8000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo creates users with known passwords: it only runs with CERCANIA_DEBUG on."
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the cache without Redis
        report = demo_setup()
        added = ", ".join(f"{k}: {v}" for k, v in report.created.items() if v) or "nada nuevo"
        self.stdout.write(f"Datos de demostración listos ({added}).")
        self.stdout.write(
            f"Jornada abierta de Emerson Termotec: http://127.0.0.1:{options['port']}/jornada/{report.jornada_code}/"
        )
        self.stdout.write(f"Cuentas de demostración (también en {credentials_path()}):")
        for role, email, password in report.credentials:
            self.stdout.write(f"  {role:<13} {email:<40} {password}")
        self.stdout.write(
            "Después de la contraseña se pide un código del segundo factor: "
            "`uv run cercania demo_otp <correo>` muestra el código vigente, o agrega la clave "
            "TOTP de la cuarta columna del archivo a tu aplicación de autenticación."
        )
        if options["no_serve"]:
            return
        # The worker beside the server, so confirmations and reminders really go out.
        # A child process: it has its own signal handling and database connection, and
        # it stops with the server.
        worker = subprocess.Popen(
            [sys.executable, "-m", "cercania.cli", "worker", "--interval", "2"],
            env={
                # Links in the messages lead to this server unless configured otherwise.
                "CERCANIA_PUBLIC_BASE_URL": f"http://127.0.0.1:{options['port']}",
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "cercania.settings",
            },
        )
        self.stdout.write(f"Worker de mensajes en marcha (proceso {worker.pid}).")
        self.stdout.write(messages_destination())
        self.stdout.write(
            self.style.SUCCESS(
                f"Sirviendo en http://127.0.0.1:{options['port']}/ (Ctrl+C para salir)"
            )
        )
        # SIGTERM (not only Ctrl+C) must reach the finally below, which stops the worker.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def messages_destination() -> str:
    """Where the demo's emails and SMS end up, in words."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend == "console":
        email = "los correos se imprimen en esta terminal (CERCANIA_EMAIL_BACKEND=console)"
    elif backend == "filebased":
        email = f"los correos se guardan en {getattr(settings, 'EMAIL_FILE_PATH', '?')}"
    elif backend == "smtp":
        email = f"los correos van al servidor SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    else:
        email = f"los correos van a {settings.EMAIL_BACKEND}"
    sms = {
        "console": "los SMS y WhatsApp se imprimen en esta terminal",
        "file": f"los SMS y WhatsApp se guardan en {Path(settings.VAR_DIR) / 'messages'}",
        "twilio": "los SMS y WhatsApp salen por Twilio",
    }.get(settings.SMS_BACKEND, f"los SMS y WhatsApp van a {settings.SMS_BACKEND}")
    return (
        f"Mensajes: {email}; {sms}. Los recordatorios salen "
        f"{', '.join(str(h) for h in settings.REMINDER_HOURS_BEFORE)} h antes de la sesión; "
        "para ver uno ya, en Administración → Registro de envíos elige «Enviar ahora». "
        "Ver docs/notifications.md."
    )
