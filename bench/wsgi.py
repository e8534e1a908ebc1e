"""The WSGI entry the HTTP benchmarks serve: the project's own settings and URLconf, plus the
minimal baseline view of `bench.urls`, without changing production code.

    gunicorn bench.wsgi:application

`configure()` is also what a benchmark calls in-process (to count the queries of a page) so that
the same URLs resolve there.
"""

from __future__ import annotations

import os

URLCONF = "bench.urls"


def configure() -> None:
    """`config.settings`, with `bench.urls` as the root URLconf (before Django resolves any URL)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.ROOT_URLCONF = URLCONF


configure()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
