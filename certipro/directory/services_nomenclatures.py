"""Nomenclatures as data (certipro/directory/nomenclatures/*.json), upserted by code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from certipro.directory.models import Department, PracticeMode, Profession, Region, Specialty


@transaction.atomic
def load_nomenclatures(load: Callable[[str], list[dict[str, Any]]]) -> dict[str, int]:
    counts = {}
    for p in load("professions"):
        Profession.objects.update_or_create(
            code=p["code"],
            defaults={"label": p["label"], "label_en": p.get("label_en", ""), "order": p["order"]},
        )
    counts["professions"] = Profession.objects.count()
    for s in load("specialties"):
        Specialty.objects.update_or_create(
            code=s["code"],
            defaults={
                "label": s["label"],
                "profession_id": s["profession"],
                "kind": s.get("kind", "S"),
                "deprecated": bool(s.get("deprecated", False)),
            },
        )
    counts["specialties"] = Specialty.objects.count()
    for r in load("regions"):
        Region.objects.update_or_create(code=r["code"], defaults={"name": r["name"]})
    counts["regions"] = Region.objects.count()
    for d in load("departments"):
        Department.objects.update_or_create(
            code=d["code"], defaults={"name": d["name"], "region_id": d["region"]}
        )
    counts["departments"] = Department.objects.count()
    for m in load("practice_modes"):
        PracticeMode.objects.update_or_create(code=m["code"], defaults={"label": m["label"]})
    counts["practice modes"] = PracticeMode.objects.count()
    return counts
