"""`cercania demo_otp EMAIL`: the current second-factor code of a demo account.

Lets a newcomer sign in to `cercania demo` without an authenticator app. It only
runs in development mode and only for the demo domain, so it cannot read a real
user's code on a production server.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercania.accounts.models import StaffTOTPDevice
from cercania.operations.demo import DEMO_DOMAIN


def next_code(device: StaffTOTPDevice, now: float) -> tuple[str, float]:
    """The code the device accepts next, and the seconds until it is valid.

    A code is accepted once (TOTPDevice.last_t); after a sign-in in the same 30-second
    step, the next usable code is the following step's.
    """
    totp = device.totp(now)
    wait = 0.0
    if totp.t() <= device.last_t:
        wait = device.step - ((now - device.t0) % device.step)
        totp.time = now + wait
    return f"{totp.token():0{device.digits}d}", wait


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help=f"a demo account, …@{DEMO_DOMAIN}")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_otp only runs with CERCANIA_DEBUG on.")
        email = str(options["email"]).strip().lower()
        if not email.endswith(f"@{DEMO_DOMAIN}"):
            raise CommandError(f"demo_otp only gives codes of demo accounts (@{DEMO_DOMAIN}).")
        device = (
            StaffTOTPDevice.objects.filter(user__email=email, confirmed=True).order_by("pk").first()
        )
        if device is None:
            raise CommandError("No demo account with that email: run `cercania demo` first.")
        code, wait = next_code(device, time.time())
        if wait:
            self.stderr.write(f"El código actual ya se usó; esperando {wait:.0f} s al siguiente…")
            time.sleep(wait)
        self.stdout.write(code)
