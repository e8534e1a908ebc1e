"""The language of the pages: French unless the person chose another (the DSFR language selector).

Django's LocaleMiddleware would follow the browser's Accept-Language, so that an English browser
would land on English pages. A French public service starts in French for everyone: only the
language cookie that Django's `set_language` view writes (the selector in the header) switches it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request: HttpRequest) -> str:
    """The language of the cookie if the site offers it, else the site's own (French)."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        request.LANGUAGE_CODE = language
        # override, not activate: the thread goes back to the default once the response is made,
        # so that nothing run after it (a test, a task in the same thread) inherits the choice.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
