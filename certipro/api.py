"""The HTTP API, served under /api/v1/ (contracts/), documented at /api/v1/docs."""

from ninja import NinjaAPI

from certipro.certification.api import router as certification_router
from certipro.declarations.api import router as declarations_router

api = NinjaAPI(
    title="CertiPro",
    version="1",
    description="API de la certification périodique des professionnels de santé.",
    urls_namespace="api-v1",
)
api.add_router("", certification_router)
api.add_router("", declarations_router)
