"""`{% kept_include "web/header.html" %}`: the site's header and footer, rendered once per process
for each (template, language, kind of visitor, path, DSFR site configuration) and used again.

Why: every page rendered them again (about a tenth of a rendered dashboard, docs/benchmarks.md)
though they change only with those. What they show of the visitor is only their kind (signed in,
staff, professional); of the request, its path (the menu's current item, the language forms'
return). The CSRF token, one per browser, is left as a slot and filled at each use.

The process keeps at most `SIZE` of them (paths with query strings are many), the least recently
used dropped first. The templates and the translations change only with a new process; a new site
configuration changes `SITE_CONFIG_VERSION` (web/context_processors.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()
SIZE = 512
# What the kept text holds in place of the CSRF token; replaced by each request's own.
SLOT = "cpchromecsrf5e1f0a93"
_KEPT: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_LOCK = threading.Lock()


@register.simple_tag(takes_context=True)
def kept_include(context: Context, template_name: str) -> SafeString:
    request, user = context.get("request"), context.get("user")
    token = context.get("csrf_token")
    engine = context.template.engine  # type: ignore[union-attr]
    if request is None or user is None or not token or str(token) == "NOTPROVIDED":
        # Outside a request (an e-mail, a test rendering a bare template): rendered, not kept.
        return mark_safe(engine.get_template(template_name).render(context))
    key = (
        template_name,
        get_language(),
        user.is_authenticated,
        user.is_staff,
        bool(getattr(user, "professional_id", None)),
        request.get_full_path(),
        context.get("SITE_CONFIG_VERSION"),
    )
    with _LOCK:
        html = _KEPT.get(key)
        if html is not None:
            _KEPT.move_to_end(key)
    if html is None:
        with context.push(csrf_token=SLOT):
            html = engine.get_template(template_name).render(context)
        with _LOCK:
            _KEPT[key] = html
            while len(_KEPT) > SIZE:
                _KEPT.popitem(last=False)
    return mark_safe(html.replace(SLOT, str(token)))


# Per process and language: a few templates times two languages. (Static URLs are fixed per
# process: the storage reads STATIC_URL once.)
_ASSETS: dict[tuple[str, str | None], str] = {}


@register.simple_tag(takes_context=True)
def kept_asset(context: Context, template_name: str) -> SafeString:
    """`{% kept_asset "web/frame_head.html" %}`: a part of the frame that depends on nothing of the
    request nor of the visitor (the DSFR's asset tags, the display-settings dialog), rendered once
    per process and language. About 0.45 ms of every page went to rendering them again (static
    URLs, translations); web/base.html says why no script nonce is needed."""
    key = (template_name, get_language())
    html = _ASSETS.get(key)
    if html is None:
        engine = context.template.engine  # type: ignore[union-attr]
        html = _ASSETS[key] = engine.get_template(template_name).render(Context())
    return mark_safe(html)
