from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from certipro.actions.declarants import create_declarant
from certipro.audit.journal import Actor
from certipro.directory.models import Professional


class Api:
    """A declarant's HTTP client."""

    def __init__(self, client: Client, token: str) -> None:
        self.client, self.token = client, token

    def post(self, body: Any, *, content_type: str = "application/json", raw: bool = False) -> Any:
        import json

        data = body if raw else json.dumps(body)
        return self.client.post(
            "/api/v1/declarations", data, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {self.token}"
        )

    def post_csv(self, text: str | bytes, *, content_type: str = "text/csv") -> Any:
        return self.client.post(
            "/api/v1/declarations.csv",
            text,
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )

    def delete(self, quoted_external_id: str) -> Any:
        return self.client.delete(
            f"/api/v1/declarations/{quoted_external_id}", HTTP_AUTHORIZATION=f"Bearer {self.token}"
        )


@pytest.fixture
def organism(db: None) -> tuple[Any, str]:
    declarant, _, token = create_declarant(kind="organism", name="ODPC Exemple", actor=Actor.command("test"))
    return declarant, token


@pytest.fixture
def api(client: Client, organism: tuple[Any, str], dr_martin: Professional) -> Api:
    return Api(client, organism[1])


def declaration(**fields: Any) -> dict[str, Any]:
    base = {
        "external_id": "SESSION-2025-0042/10000000017",
        "rpps": "10000000017",
        "action_type": "MG-DPC",
        "title": "Insuffisance cardiaque en ville",
        "start_date": "2025-03-10",
        "end_date": "2025-03-11",
        "hours": 14,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}
