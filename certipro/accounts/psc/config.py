"""The allauth settings of the Pro Santé Connect app, built from plain values.

Kept free of Django imports so that `config/settings.py` can call it, and tests can build the
same settings for a live server's address.
"""

from __future__ import annotations

from typing import Any

PROVIDER_ID = "psc"
# P1: PSC publishes its discovery document at this non-standard path.
DISCOVERY_PATH = "/.well-known/wallet-openid-configuration"


def metadata_url(value: str) -> str:
    """The discovery URL to give allauth: an issuer gets PSC's path appended.

    allauth appends the standard `/.well-known/openid-configuration` to any URL without
    `/.well-known/` in it, which is the wrong document for PSC (P1); a full URL is used as is.
    """
    value = value.rstrip("/")
    return value if "/.well-known/" in value else value + DISCOVERY_PATH


def provider_settings(*, metadata: str, client_id: str, secret: str) -> dict[str, Any]:
    """`SOCIALACCOUNT_PROVIDERS` with the one "psc" app, or no app when no client is configured."""
    apps = []
    if client_id and metadata:
        apps.append(
            {
                "provider_id": PROVIDER_ID,
                "name": "Pro Santé Connect",
                "client_id": client_id,
                "secret": secret,
                "settings": {
                    "server_url": metadata_url(metadata),
                    # P5: identity plus the sectoral data (SubjectRefPro).
                    "scope": ["openid", "scope_all"],
                    # P6: the only level ANS's own connector asks for.
                    "auth_params": {"acr_values": "eidas1"},
                    "oauth_pkce_enabled": True,
                    # C2: `sub` is a Keycloak artefact; the national identifier is the key.
                    "uid_field": "SubjectNameID",
                    "fetch_userinfo": True,
                    "token_auth_method": "client_secret_post",
                },
            }
        )
    return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": apps}}
