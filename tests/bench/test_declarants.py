"""`bench.declarants` gives generated third-party actions the declarants production would give them,
so that the planner's statistics know declarants (docs/benchmarks.md, the replay lookup)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from certipro.actions.models import Action
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the step is PostgreSQL SQL")


@pytest.mark.django_db
def test_every_third_party_action_gets_a_declarant_of_its_kind_and_a_unique_reference() -> None:
    from bench.declarants import attribute
    from bench.generate import generate

    generate(150, seed=2, today=TODAY, workers=1, log=lambda _: None)  # attributes once itself
    third = Action.objects.exclude(source="professional")
    assert third.exists() and not third.filter(declarant__isnull=True).exists()
    assert not Action.objects.filter(source="professional", declarant__isnull=False).exists()
    rows = list(
        third.values_list("id", "source", "declarant__kind", "external_id", "professional_id", "declarant_id")
    )
    assert all(kind == source for _, source, kind, _, _, _ in rows)
    assert all(ref == f"gen-{pk}" for pk, _, _, ref, _, _ in rows)
    # One employer per professional.
    employers: dict[int, set[int]] = {}
    for _, source, _, _, professional, declarant in rows:
        if source == "employer":
            employers.setdefault(professional, set()).add(declarant)
    assert employers and all(len(e) == 1 for e in employers.values())
    # The training bodies' long tail: the first body declares more than the tenth.
    by_body = Counter(d for _, source, _, _, _, d in rows if source == "organism")
    ranked = [n for _, n in sorted(by_body.items())]
    assert ranked[0] > ranked[9]
    # A rerun changes nothing.
    before = sorted(third.values_list("id", "declarant_id", "external_id"))
    assert attribute(log=lambda _: None) == 0
    assert sorted(third.values_list("id", "declarant_id", "external_id")) == before
