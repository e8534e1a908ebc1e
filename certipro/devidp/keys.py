"""The provider's signing key: RSA, generated in memory once per process.

A restart makes a new key, which is harmless: the relying party fetches the JWKS at each sign-in
and our own session, not PSC's tokens, keeps people signed in (P8).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

_lock = threading.Lock()


@cache
def _key() -> rsa.RSAPrivateKey:
    with _lock:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def kid() -> str:
    numbers = _key().public_key().public_numbers()
    return hashlib.sha256(str(numbers.n).encode()).hexdigest()[:16]


def jwks() -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(_key().public_key(), as_dict=True)
    jwk.update({"kid": kid(), "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def sign(claims: dict[str, Any], *, typ: str = "JWT") -> str:
    return jwt.encode(claims, _key(), algorithm="RS256", headers={"kid": kid(), "typ": typ})


def verify(
    token: str, *, issuer: str, typ: str, audience: str | None = None, verify_exp: bool = True
) -> dict[str, Any]:
    """The claims of a token this provider signed; raises jwt.InvalidTokenError otherwise.

    `audience`, when given, must be the token's `aud`; `verify_exp=False` accepts an expired token
    (an `id_token_hint` at logout, as Keycloak does: RP-initiated logout 1.0 §2).
    """
    if jwt.get_unverified_header(token).get("typ") != typ:
        raise jwt.InvalidTokenError("wrong token type")
    claims: dict[str, Any] = jwt.decode(
        token,
        _key().public_key(),
        algorithms=["RS256"],
        issuer=issuer,
        audience=audience,
        options={"verify_aud": audience is not None, "verify_exp": verify_exp, "require": ["iss", "sub"]},
    )
    return claims


def s256(verifier: str) -> str:
    """PKCE's S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
