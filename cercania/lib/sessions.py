"""Django's database sessions, encrypted at rest and read with one plain SELECT.

Her booking answers (name, phone, email, what is safe) live in the session until she
confirms or it expires. Django signs the session data but does not encrypt it, so a
dump of `django_session` would show them: the data is sealed with the field key ring
(AES-256-GCM, cercania/lib/crypto.py), under its own label, on top of Django's
signature. A session written before this, in Django's signed form, is still read, and
sealed at its next save. One the ring cannot open (its key removed) reads as empty: she
starts her booking again, nothing breaks.

Every booking question and every staff page reads its session. Django's store reads it
through the ORM (`Session.objects.get(...)`), and building that query cost three times
the query itself: about 0.3 ms of CPU of a booking question's 4 (bench/pagecost.py).
Same table, same expiry rule, same answer: an unknown or expired key loads nothing and
gets a new key when saved. Writes are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from cercania.lib.crypto import FORMAT_VERSION, FieldDecryptionError, decrypt, encrypt

# Authenticated with the ciphertext: a sealed session copied into another column (or a
# case field copied here) does not open.
SESSION_LABEL = "django_session.session_data"


class SessionStore(db.SessionStore):
    def encode(self, session_dict: dict[str, Any]) -> str:
        return encrypt(super().encode(session_dict), label=SESSION_LABEL)

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        if isinstance(session_data, bytes):
            session_data = session_data.decode("ascii", "replace")
        if not session_data.startswith(f"{FORMAT_VERSION}:"):
            return super().decode(session_data)  # Django's signed form, from before
        try:
            signed = decrypt(session_data, label=SESSION_LABEL)
        except FieldDecryptionError:
            return {}  # as Django answers a session whose signature fails
        return super().decode(signed)

    def load(self) -> dict[str, Any]:
        connection = connections[router.db_for_read(self.model)]
        expires_after = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {connection.ops.quote_name(self.model._meta.db_table)} "  # noqa: S608 (no input in the text)
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, expires_after],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
