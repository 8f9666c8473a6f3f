from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


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


class User(AbstractUser):
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
