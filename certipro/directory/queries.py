"""Reads of the directory for pages (design.md: small query functions beside the models)."""

from __future__ import annotations

from collections.abc import Iterable

from certipro.directory.models import Specialty


def specialty_labels(codes: Iterable[str]) -> dict[str, str]:
    """The label of each known specialty code: one query, none when there is no code."""
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(Specialty.objects.filter(code__in=wanted).values_list("code", "label"))
