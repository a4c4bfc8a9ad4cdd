"""Settings for benchmark servers only: the project's settings plus a bench URLconf (a bare view).

Nothing here is imported by the project; `bench/home_page.py` starts gunicorn with
DJANGO_SETTINGS_MODULE=bench.settings.
"""

from cunzhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
