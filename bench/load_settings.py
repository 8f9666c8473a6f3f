"""Settings for bench/load.py only: the app's settings plus a bare view to compare with.

Never used in production: the runner points gunicorn at this module (with `bench/` on
its path) so the bare view exists only on the benchmark's server.
"""

from cercania.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
