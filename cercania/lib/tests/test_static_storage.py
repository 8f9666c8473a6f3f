import json
import re
from unittest import mock

import pytest

from cercania.lib.static_storage import ManifestStaticStorage

pytestmark = pytest.mark.django_db

HASHED = {"css/public.css": "css/public.0123456789ab.css", "js/exit.js": "js/exit.ba9876543210.js"}


@pytest.fixture
def production_static(settings, tmp_path):
    """The production storage over a collected manifest (DEBUG off: hashed names)."""
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": HASHED, "version": "1.1"}))
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "cercania.lib.static_storage.ManifestStaticStorage"},
    }
    return tmp_path


def test_every_page_links_the_hashed_files_looked_up_once_per_process(client, production_static):
    # Other names (the admin's widgets, looked up when its modules load) are answered
    # as they are: only this layout's two files are counted.
    with mock.patch.object(
        ManifestStaticStorage,
        "stored_name",
        autospec=True,
        side_effect=lambda s, n: HASHED.get(n, n),
    ) as lookups:
        pages = [client.get(path).content.decode() for path in ("/seguridad/", "/", "/seguridad/")]

    for page in pages:
        assert re.search(r'href="/static/css/public\.0123456789ab\.css"', page)
        assert re.search(r'src="/static/js/exit\.ba9876543210\.js"', page)
    looked_up = [call.args[1] for call in lookups.call_args_list]
    assert {name: looked_up.count(name) for name in HASHED} == dict.fromkeys(HASHED, 1)


def test_a_name_missing_from_the_manifest_still_fails_on_every_call(settings, production_static):
    storage = ManifestStaticStorage()
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/not-collected.css")
    assert storage.url("css/public.css") == "/static/css/public.0123456789ab.css"
