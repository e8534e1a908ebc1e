"""The built-in Pro Santé Connect, served by the live server, wired as the relying party's provider.

Imported by the tests that need it (tests/space, tests/browser/test_space_*): the live server's
address is known only at run time, so the RP's metadata URL, the provider's registered redirect
URI, the post-logout URI and the client are set here, per test.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from certipro.accounts.psc.config import provider_settings

# Playwright's sync API and the live server's thread: Django's async-safety check would refuse the
# ORM calls the tests make themselves.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CLIENT_ID = "certipro-test"
CLIENT_SECRET = "certipro-test-secret"
CALLBACK = "/accounts/oidc/psc/login/callback/"
HOME = "/"


def configure_psc(settings: Any, base_url: str) -> None:
    settings.CERTIPRO_DEV_PSC = True
    settings.CERTIPRO_PSC_CLIENT_ID = CLIENT_ID
    settings.CERTIPRO_PSC_CLIENT_SECRET = CLIENT_SECRET
    settings.CERTIPRO_DEV_PSC_REDIRECT_URIS = [base_url + CALLBACK]
    # P12: back to the home page after signing out, registered with the provider like the callback.
    settings.CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI = base_url + HOME
    settings.CERTIPRO_DEV_PSC_POST_LOGOUT_REDIRECT_URIS = [base_url + HOME]
    # The issuer, as PSC publishes it: the RP appends the wallet discovery path itself.
    settings.SOCIALACCOUNT_PROVIDERS = provider_settings(
        metadata=base_url + "/dev-psc", client_id=CLIENT_ID, secret=CLIENT_SECRET
    )


@pytest.fixture(name="psc_live")
def psc_live_fixture(settings: Any, live_server: Any) -> str:
    """The live server's URL, with sign-in through the built-in PSC on it."""
    from certipro.directory.nomenclatures import load
    from certipro.directory.services_nomenclatures import load_nomenclatures

    # A transactional test starts from whatever the previous one flushed.
    load_nomenclatures(load)
    url = str(live_server.url)
    configure_psc(settings, url)
    return url
