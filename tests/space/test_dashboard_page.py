"""The owner's rendered dashboard in French and English: each action's row (title, end date,
source, state) in the page's language, and the section's links to the pages they name."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from certipro.actions.models import ActionState, Source
from certipro.directory.models import Professional
from certipro.entrypoints.actions import change_action_state
from tests.conftest import TODAY
from tests.space.test_dashboard import ACTOR, declare

ROW = re.compile(
    r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*"
    r'<td><p class="fr-badge fr-badge--sm ([^"]*)">([^<]*)</p></td>\s*</tr>'
)
ESCAPED = "&lt;b&gt;Insuffisance&lt;/b&gt; &amp; &quot;cardiaque&quot;"  # the title, escaped
ROWS = {
    "fr": {
        (ESCAPED, "11 mars 2025", "Le professionnel", "fr-badge--info", "Déclarée"),
        ("Audit clinique", "5 janvier 2024", "Employeur", "fr-badge--success", "Attestée"),
        ("Communication avec le patient", "11 mars 2025", "Organisme de formation", "fr-badge--warning",
         "Contestée"),
    },
    "en": {
        (ESCAPED, "11 March 2025", "The professional", "fr-badge--info", "Declared"),
        ("Audit clinique", "5 January 2024", "Employer", "fr-badge--success", "Attested"),
        ("Communication avec le patient", "11 March 2025", "Training body", "fr-badge--warning", "Contested"),
    },
}  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_action_rows_in_the_pages_language(
    activated: Client, dr_martin: Professional, language: str
) -> None:
    declare(dr_martin, "MG-FC", title='<b>Insuffisance</b> & "cardiaque"')
    declare(dr_martin, "MG-EPP", source=Source.EMPLOYER, end=TODAY.replace(2024, 1, 5))
    contested = declare(dr_martin, "MG-COM", source=Source.ORGANISM)
    change_action_state(contested, to=ActionState.CONTESTED, actor=ACTOR, reason="jamais suivie", today=TODAY)
    activated.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = activated.get("/mon-espace/").content.decode()
    assert set(ROW.findall(html)) == ROWS[language]
    assert "<b>Insuffisance" not in html


def test_the_sections_links_lead_to_their_pages(activated: Client, dr_martin: Professional) -> None:
    html = activated.get("/mon-espace/").content.decode()
    synthese = reverse("space:synthese", kwargs={"profession": "10"})  # a PDF: tests/space/test_synthese.py
    assert f'href="{synthese}" download' in html
    pages = [reverse(f"space:{n}", kwargs={"profession": "10"}) for n in ("referentiel", "dates", "plan")]
    pages += [reverse(f"space:{n}") for n in ("action_declare", "action_list", "viewers", "grants", "export")]
    for address in pages:
        assert f'href="{address}"' in html
        assert activated.get(address).status_code == 200, address
