"""WhiteNoise's compressed manifest storage, with each static file's URL looked up once.

Every page asks for its stylesheet and script URLs (`{% static %}`), and the manifest
storage works each one out again on every call: the manifest lookup, then parsing and
joining the URL, about 20 µs each, a tenth of a public page's base layout. The manifest
is read at start-up and cannot change while the process runs (an upgrade runs
`collectstatic`, then restarts the server: docs/deploy.md), so a name's URL is the same
for the life of the process and is kept after its first lookup.

A name the manifest does not hold still raises, on every call, as the parent does.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
