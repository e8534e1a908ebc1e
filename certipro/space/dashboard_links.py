"""The dashboard's links, reversed once per process and script prefix.

A section links to nine pages (four of them per profession). Each `{% url %}` costs a `reverse()`,
~40 µs here: about 0.4 ms of every rendered dashboard, for addresses that only change with the
URLconf (fixed for a process's life) and the script prefix (part of the key). Not language-
dependent: the URLs carry no language prefix (config/urls.py has no `i18n_patterns`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from django.urls import get_script_prefix, reverse


class Links(NamedTuple):
    synthese: str
    referentiel: str
    dates: str
    plan: str
    action_declare: str
    action_list: str
    viewers: str
    grants: str
    export: str


PER_PROFESSION = ("synthese", "referentiel", "dates", "plan")


def section_links(profession_code: str) -> Links:
    return _links(get_script_prefix(), profession_code)


@lru_cache(maxsize=64)  # seven professions; the prefix is the same for every request of a site
def _links(prefix: str, profession_code: str) -> Links:
    return Links(
        *(
            reverse(f"space:{name}", kwargs={"profession": profession_code})
            if name in PER_PROFESSION
            else reverse(f"space:{name}")
            for name in Links._fields
        )
    )
