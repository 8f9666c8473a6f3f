"""Django's database sessions, read with one plain SELECT.

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


class SessionStore(db.SessionStore):
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
