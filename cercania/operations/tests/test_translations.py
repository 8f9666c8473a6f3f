"""The English catalogue is complete and its compiled file matches it.

Compiled .mo files are committed, so a fresh clone runs without gettext tools; this
test catches a .po edited without recompiling (`uv run cercania compilemessages`).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_there_is_an_english_catalogue():
    assert [p.parts[-3] for p in CATALOGUES] == ["en"]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated(po_path):
    catalogue = polib.pofile(str(po_path))
    missing = [
        e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert missing == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_compiled_catalogue_matches_the_source(po_path):
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.pofile(str(po_path))
        if e.translated()
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.mofile(str(po_path.with_suffix(".mo")))
    }
    compiled.pop((None, ""), None)  # the header entry
    assert compiled == source


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext (Debian package gettext)"
)
def test_the_catalogue_holds_every_message_of_the_code(tmp_path):
    # Extract afresh from a copy of the sources (without settings, so nothing can be
    # written back into the repository) and compare: a string added to the code but
    # never extracted would otherwise show untranslated without notice.
    root = Path(settings.BASE_DIR)
    for folder in ("cercania", "templates"):
        shutil.copytree(
            root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )
    fresh = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(tmp_path / "locale/en/LC_MESSAGES/django.po"))
    }
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUES[0])) if not e.obsolete}
    assert sorted(fresh - committed, key=str) == []
