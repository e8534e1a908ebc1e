"""The dashboard's links, reversed once per process and script prefix (space/dashboard_links.py),
are the addresses `{% url %}` gives."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from certipro.space.dashboard_links import PER_PROFESSION, Links, section_links


def expected(code: str) -> Links:
    return Links(
        *(
            reverse(f"space:{n}", kwargs={"profession": code})
            if n in PER_PROFESSION
            else reverse(f"space:{n}")
            for n in Links._fields
        )
    )


def test_the_links_are_those_of_the_urlconf_for_each_profession() -> None:
    assert section_links("10") == expected("10")
    assert section_links("60") == expected("60") != section_links("10")
    assert section_links("10").synthese == "/mon-espace/synthese/10/"


def test_the_links_follow_the_script_prefix() -> None:
    try:
        set_script_prefix("/certipro/")
        assert section_links("10").plan == "/certipro/mon-espace/plan/10/" == expected("10").plan
    finally:
        set_script_prefix("/")
    assert section_links("10").plan == "/mon-espace/plan/10/"
