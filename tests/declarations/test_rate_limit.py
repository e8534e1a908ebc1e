"""Rate limiting per token: 429 with Retry-After (issue: automatic feed, item 5).

On a machine where Redis answers (CI), the limit is tested against the real Redis cache that
production uses; elsewhere against the in-process cache.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

import pytest
from django.test import Client

from certipro.actions.declarants import create_declarant
from certipro.audit.journal import Actor
from tests.declarations.conftest import Api


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def limited(settings: Any) -> None:
    settings.CERTIPRO_API_RATE = "3/min"
    if _redis_answers():
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/0",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }


@pytest.mark.django_db
def test_each_token_has_its_own_budget_then_gets_429_with_retry_after(
    limited: None, api: Api, client: Client
) -> None:
    for _ in range(3):
        assert api.post({"declarations": []}).status_code == 200
    refused = api.post({"declarations": []})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    _, _, other = create_declarant(kind="employer", name="CHU", actor=Actor.command("test"))
    assert Api(client, other).post({"declarations": []}).status_code == 200
