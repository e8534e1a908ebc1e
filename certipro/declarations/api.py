"""The declaration API (contracts/declarations.md): JSON and CSV batches, withdrawals."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Router
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from certipro.actions.declarants import verify_token
from certipro.actions.models import Action, ActionState, ApiToken, Channel
from certipro.audit.journal import Actor
from certipro.declarations.intake import MAX_DECLARATIONS, judge_batch
from certipro.declarations.schemas import FIELDS
from certipro.entrypoints.actions import change_action_state

REQUIRED_COLUMNS = ("external_id", "rpps", "action_type", "end_date")


class DeclarantToken(HttpBearer):
    """`Authorization: Bearer TOKEN`; request.auth is the ApiToken. Missing, bad or revoked: 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = verify_token(token)
        if found is not None:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


class TokenThrottle(AuthRateThrottle):
    """One budget per token (ApiToken.__str__ is its id, never the secret)."""

    def __init__(self) -> None:
        super().__init__(settings.CERTIPRO_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # Read at each request, so that the rate follows the settings without a restart.
        self.rate = settings.CERTIPRO_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


router = Router(tags=["déclarations"], auth=DeclarantToken(), throttle=[TokenThrottle()])


def _token(request: HttpRequest) -> ApiToken:
    token: ApiToken = getattr(request, "auth")  # noqa: B009 - set by DeclarantToken, unknown to the stubs
    return token


def token_actor(token: ApiToken) -> Actor:
    return Actor(label=f"{token.declarant.name} ({token})", role=token.declarant.kind)


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _body(request: HttpRequest) -> bytes | JsonResponse:
    try:
        return request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return error(413, f"the body is larger than {limit} MB")


def _content_type(request: HttpRequest) -> str:
    return request.content_type or ""


def _respond(request: HttpRequest, items: list[Any], channel: Channel) -> JsonResponse:
    if len(items) > MAX_DECLARATIONS:
        return error(413, f"at most {MAX_DECLARATIONS} declarations per request, not {len(items)}")
    token = _token(request)
    result = judge_batch(
        items,
        declarant=token.declarant,
        actor=token_actor(token),
        today=timezone.localdate(),
        channel=channel,
    )
    return JsonResponse(result.as_response())


JSON_EXAMPLE = {
    "declarations": [
        {
            "external_id": "SESSION-2025-0042/10000000017",
            "rpps": "10000000017",
            "action_type": "MG-1-DPC",
            "title": "Insuffisance cardiaque en ville",
            "start_date": "2025-03-10",
            "end_date": "2025-03-11",
            "hours": 14,
        }
    ]
}


@router.post(
    "/declarations",
    summary="Déclarer des actions (JSON, 5 000 au plus par requête)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"example": JSON_EXAMPLE}},
        }
    },
)
def declare(request: HttpRequest) -> JsonResponse:
    if _content_type(request) != "application/json":
        return error(415, f"Content-Type must be application/json, not {_content_type(request) or 'absent'}")
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        # Decoded here: json.loads(bytes) would guess UTF-16 or UTF-32 from the first bytes.
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return error(400, f"the body is not valid UTF-8 (byte {exc.start})")
    except json.JSONDecodeError as exc:
        return error(400, f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    except RecursionError:
        return error(400, "malformed JSON: nested too deeply")
    if not isinstance(data, dict) or not isinstance(data.get("declarations"), list):
        return error(400, 'the body must be an object with a "declarations" list')
    items = data["declarations"]
    if len(items) <= MAX_DECLARATIONS and not all(isinstance(i, dict) for i in items):
        bad = next(n for n, i in enumerate(items) if not isinstance(i, dict))
        return error(400, f"declarations[{bad}] must be an object")
    return _respond(request, items, Channel.API)


CSV_EXAMPLE = (
    "external_id,rpps,action_type,title,start_date,end_date,hours\n"
    "SESSION-2025-0042/10000000017,10000000017,MG-1-DPC,"
    "Insuffisance cardiaque en ville,2025-03-10,2025-03-11,14\n"
)


@router.post(
    "/declarations.csv",
    summary="Déclarer des actions (CSV UTF-8, mêmes champs, 5 000 lignes au plus)",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"example": CSV_EXAMPLE}}}},
)
def declare_csv(request: HttpRequest) -> JsonResponse:
    if not request.META.get("CONTENT_LENGTH") or request.META.get("CONTENT_LENGTH") == "0":
        return error(400, "the file is empty")
    if _content_type(request) != "text/csv":
        return error(415, f"Content-Type must be text/csv, not {_content_type(request) or 'absent'}")
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    parsed = parse_csv(body)
    if isinstance(parsed, str):
        return error(400, parsed)
    return _respond(request, parsed, Channel.FILE)


def parse_csv(body: bytes) -> list[dict[str, Any]] | str:
    """The declarations of a CSV body, or the reason it cannot be read at all."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return f"the file is not valid UTF-8 (byte {exc.start}); save it as UTF-8"
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return "the file is empty"
        columns = [c.strip() for c in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        unknown = [c for c in columns if c not in FIELDS]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing column(s): {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown column(s): {', '.join(unknown)}")
            return f"wrong header ({'; '.join(parts)}); expected: {', '.join(FIELDS)}"
        if len(set(columns)) != len(columns):
            return "wrong header: a column appears twice"
        items: list[dict[str, Any]] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(items) >= MAX_DECLARATIONS:
                items.append({})  # enough to make the count exceed the limit: refused whole
                break
            if len(row) != len(columns):
                items.append({"__line__": f"expected {len(columns)} fields, found {len(row)}"})
                continue
            items.append({c: v for c, v in zip(columns, row, strict=True) if v != ""})
    except csv.Error as exc:
        return f"the file is not valid CSV (line {reader.line_num}): {exc}"
    return items


@router.delete("/declarations/{path:external_id}", summary="Retirer une déclaration")
def withdraw(request: HttpRequest, external_id: str) -> JsonResponse:
    token = _token(request)
    action = Action.objects.filter(declarant_id=token.declarant_id, external_id=external_id).first()
    if action is None:
        return error(404, "no declaration of yours has this external_id")
    change_action_state(
        action,
        to=ActionState.WITHDRAWN,
        actor=token_actor(token),
        reason="retirée par le déclarant",
        today=timezone.localdate(),
    )
    return JsonResponse({"external_id": external_id, "status": "withdrawn", "action_id": str(action.pk)})
