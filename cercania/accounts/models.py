from __future__ import annotations

import time
import uuid
from base64 import b32encode
from binascii import unhexlify
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from cercania.lib.crypto import keyed_hash
from cercania.lib.fields import EncryptedCharField


class UserManager(DjangoUserManager["User"]):
    """Email is the login; there is no username."""

    def _create_user_object(  # type: ignore[override]
        self, email: str, password: str | None, **extra_fields: Any
    ) -> User:
        if not email:
            raise ValueError("Email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.password = ""
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user


# django-otp's Device is untyped, so the stubs cannot resolve the reverse managers its
# user foreign key gives User (stafftotpdevice_set, recoverycodedevice_set).
class User(AbstractUser):  # type: ignore[django-manager-missing]
    username = None  # type: ignore[assignment]
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("correo electrónico"), unique=True)
    display_name = models.CharField(_("nombre para mostrar"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("usuaria del personal")
        verbose_name_plural = _("personal")
        constraints = [
            # Emails are stored lower-cased by the manager; this keeps it true for
            # rows written any other way (admin, shell, fixtures).
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="accounts_user_email_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email


class UserSession(models.Model):
    """A signed-in browser of a staff user, so she can see and end her other sessions.

    The session itself lives in Django's session store; this row adds what she needs to
    recognise it and what the middleware needs to enforce the idle and absolute limits.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_sessions")
    # Plain, like in Django's own session table: ending a session deletes it there.
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("sesión del personal")
        verbose_name_plural = _("sesiones del personal")
        # The sessions page lists one user's sessions, newest activity first.
        indexes = [
            models.Index(fields=["user", "-last_seen_at"], name="accounts_session_user_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"

    def idle_end(self) -> datetime:
        return self.last_seen_at + timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)

    def absolute_end(self) -> datetime:
        return self.created_at + timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)

    def expires_at(self) -> datetime:
        """When the server ends it: idle timeout or absolute lifetime, whichever is first."""
        return min(self.idle_end(), self.absolute_end())

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at()


# Second factor ------------------------------------------------------------------------
#
# django-otp's own TOTPDevice and StaticToken keep the TOTP seed and the recovery codes
# as plain text: anyone holding a database dump could mint codes for every account.
# These devices plug into django-otp the same way (Device subclasses, verify_token,
# persistent ids for its middleware and admin site), but the seed is encrypted under
# the field key ring and recovery codes are kept only as keyed hashes.


def totp_default_key() -> str:
    return random_hex(20)  # 160 bits, RFC 4226's recommended HMAC-SHA1 key length


class StaffTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """Her authenticator app (RFC 6238, 30-second steps, 6 digits, SHA-1 as apps expect)."""

    # Hex, as django-otp's TOTPDevice; encrypted, so the key ring is needed to use it.
    key = EncryptedCharField(max_length=80, default=totp_default_key, editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last code accepted: a code is never accepted twice.
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("aplicación de autenticación")
        verbose_name_plural = _("aplicaciones de autenticación")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def totp(self, at: float | None = None) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time() if at is None else at
        return totp

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        """True once per code: only a time step after the last one accepted counts."""
        if not self.verify_is_allowed()[0]:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            code = None
        totp = self.totp()
        verified = code is not None and totp.verify(code, self.tolerance, self.last_t + 1)
        if verified:
            self.last_t = totp.t()
            self.drift = totp.drift  # follow a phone whose clock drifts, as django-otp does
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return verified

    @property
    def config_url(self) -> str:
        """The otpauth:// URL authenticator apps read from the QR code."""
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}" if issuer else self.user.get_username()
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode(),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        if issuer:
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


RECOVERY_CODE_PURPOSE = "accounts.recovery_code"


def recovery_code_hash(code: str) -> str:
    """The keyed hash a recovery code is kept as (``code`` already normalised).

    Codes carry 120 random bits, so a keyed SHA-256 is enough (ASVS 6.5.2 asks a slow
    password hash only below 112 bits); without the hash key a dump confirms nothing.
    """
    return keyed_hash(code, purpose=RECOVERY_CODE_PURPOSE)


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """Her single-use recovery codes: a code works once, then its row is deleted."""

    class Meta(Device.Meta):
        verbose_name = _("códigos de recuperación")
        verbose_name_plural = _("códigos de recuperación")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        deleted, _by_model = self.codes.filter(code_hash=recovery_code_hash(str(token))).delete()
        if deleted:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return bool(deleted)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    # Index: a sign-in with a recovery code looks its hash up.
    code_hash = models.CharField(max_length=64, db_index=True, editable=False)

    class Meta:
        verbose_name = _("código de recuperación")
        verbose_name_plural = _("códigos de recuperación")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "code_hash"], name="accounts_recovery_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.device)  # never the hash
