"""The HTTP API, served under /api/v1/ (contracts/), documented at /api/v1/docs."""

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI

from certipro.api.certification import router as certification_router
from certipro.declarations.api import router as declarations_router

api = NinjaAPI(
    title="CertiPro",
    version="1",
    description="API de la certification périodique des professionnels de santé.",
    urls_namespace="api-v1",
)
api.add_router("", certification_router)
api.add_router("", declarations_router)


@api.exception_handler(DatabaseError)
def database_unavailable(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    """A lost connection or a database failure: every write of the request was in one transaction,
    so nothing of it was recorded and replaying it is safe (contracts/declarations.md)."""
    response = JsonResponse(
        {"error": "the database is unavailable: nothing of this request was recorded; replay it"},
        status=503,
    )
    response["Retry-After"] = "5"
    return response
