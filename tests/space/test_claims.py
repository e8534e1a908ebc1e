"""From PSC's claims to a professional: the RPPS is the only key (directory-and-psc.md C1, C2, C5, P1, P6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from certipro.accounts.models import User
from certipro.accounts.psc.claims import SignInRefused, identity_from_claims, rpps_from_id_nat, trimmed_claims
from certipro.accounts.psc.config import metadata_url, provider_settings

ACR = ["eidas1", "eidas2", "eidas3"]


def claims(id_nat: Any = "810000000017", acr: str = "eidas1") -> dict[str, Any]:
    return {
        "userinfo": {
            "sub": "f:550dc1c8:" + str(id_nat),
            "SubjectNameID": id_nat,
            "email": "someone@example.org",
            "SubjectRefPro": {
                "exercices": [
                    {
                        "codeProfession": "10",
                        "codeCategorieProfessionnelle": "C",
                        "codeSavoirFaire": "SM54",
                        "activities": [{"raisonSocialeSite": "CABINET", "codePostal": "75009"}],
                    }
                ]
            },
        },
        "id_token": {"acr": acr, "sub": "f:550dc1c8:" + str(id_nat)},
    }


def test_the_rpps_is_the_national_identifier_without_its_leading_8() -> None:
    assert rpps_from_id_nat("810000000017") == "10000000017"


@pytest.mark.parametrize(
    "value", ["ANS20231122132732", "8100000000", "910000000017", "8100000000171", None, ""]
)
def test_an_identifier_that_is_not_8_and_11_digits_is_refused(value: Any) -> None:
    with pytest.raises(SignInRefused) as refused:
        rpps_from_id_nat(value)
    assert refused.value.reason == "malformed_identifier"


def test_the_identity_comes_from_subjectnameid_never_from_sub_or_email() -> None:
    identity = identity_from_claims(claims(), accepted_acr=ACR)
    assert (identity.rpps, identity.professions, identity.acr) == ("10000000017", ("10",), "eidas1")


@pytest.mark.parametrize("acr", ["eidas3", "EIDAS1"])
def test_a_stronger_authentication_level_is_accepted(acr: str) -> None:
    assert identity_from_claims(claims(acr=acr), accepted_acr=ACR).acr == acr


def test_a_missing_authentication_level_is_refused() -> None:
    with pytest.raises(SignInRefused) as refused:
        identity_from_claims(claims(acr=""), accepted_acr=ACR)
    assert refused.value.reason == "insufficient_acr"


def test_psc_activity_addresses_are_not_kept() -> None:
    kept = trimmed_claims(claims())
    assert kept["exercices"] == [
        {"codeProfession": "10", "codeCategorieProfessionnelle": "C", "codeSavoirFaire": "SM54"}
    ]
    assert "activities" not in str(kept) and "email" not in kept


def test_an_issuer_gets_psc_wallet_discovery_path_and_a_full_url_is_kept() -> None:
    issuer = "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet"
    assert metadata_url(issuer) == issuer + "/.well-known/wallet-openid-configuration"
    assert metadata_url(issuer + "/.well-known/wallet-openid-configuration") == (
        issuer + "/.well-known/wallet-openid-configuration"
    )


def test_allauth_fetches_the_wallet_discovery_document_not_the_standard_one(settings: Any, db: None) -> None:
    from allauth.socialaccount.adapter import get_adapter

    issuer = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
    settings.SOCIALACCOUNT_PROVIDERS = provider_settings(metadata=issuer, client_id="c", secret="s")
    provider = get_adapter().get_provider(RequestFactory().get("/"), "psc")
    assert provider.server_url == issuer + "/.well-known/wallet-openid-configuration"
    assert provider.get_scope() == ["openid", "scope_all"]
    assert provider.get_auth_params() == {"acr_values": "eidas1"}
    assert "code_challenge" in provider.get_pkce_params()


def test_without_a_client_id_no_psc_app_is_configured() -> None:
    assert provider_settings(metadata="https://x", client_id="", secret="")["openid_connect"]["APPS"] == []


def test_a_professional_cannot_sign_in_with_a_password(dr_martin: Any) -> None:
    User.objects.create_user("10000000017", password="demo-certipro-2026", professional=dr_martin)
    User.objects.create_user("agent", password="demo-certipro-2026")
    assert authenticate(username="10000000017", password="demo-certipro-2026") is None
    assert authenticate(username="agent", password="demo-certipro-2026") is not None
