from __future__ import annotations

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
        call_command("createcachetable", verbosity=0)  # rate limits live in the database cache
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
        self.stdout.write(
            self.style.SUCCESS(
                f"Sirviendo en http://127.0.0.1:{options['port']}/ (Ctrl+C para salir)"
            )
        )
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
