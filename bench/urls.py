"""`config.urls`, plus the baseline of the HTTP benchmarks: a minimal authenticated view.

`/bench/baseline/` goes through the same middleware as every page (sessions, authentication,
CSRF, messages, allauth's): the session (1 query) and the user (1 query) are loaded as for the
dashboard, then it does ONE indexed query (the professional's status snapshots by
`professional_id`, joined to the professional for the RPPS) and renders a few hundred bytes
without a template. Anyone not signed in as a professional gets 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import escape
from django.views.decorators.http import require_GET

from certipro.certification.models import StatusSnapshot
from config.urls import urlpatterns as project_urlpatterns

BASELINE_PATH = "/bench/baseline/"


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    professional_id = getattr(request.user, "professional_id", None)
    if professional_id is None or not request.user.is_active:
        raise Http404
    rows = list(
        StatusSnapshot.objects.filter(professional_id=professional_id).values_list(
            "professional__rpps", "status", "progress"
        )
    )
    if not rows:
        raise Http404
    items = "".join(f"<li>{escape(status)} {progress:.0%}</li>" for _, status, progress in rows)
    return HttpResponse(
        f"<!doctype html><title>Ma certification périodique</title>"
        f"<h1>Ma certification périodique</h1><p>RPPS {escape(rows[0][0])}</p><ul>{items}</ul>"
    )


urlpatterns = [path(BASELINE_PATH.strip("/") + "/", baseline, name="bench_baseline"), *project_urlpatterns]
