"""`load_referentiel` (contracts/referentiel.md): validate every file, then write all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from certipro.audit.journal import Actor, record
from certipro.certification.status import recompute
from certipro.directory.models import Exercise, Profession, Specialty
from certipro.notifications.events import referentiel_updated
from certipro.referentiels.fileformat import ReferentielFileError, ReferentielSpec, read_referentiel_file
from certipro.referentiels.models import ActionType, Referentiel


@dataclass(frozen=True)
class LoadResult:
    label: str
    changed: bool
    action_types: int

    def __str__(self) -> str:
        if self.changed:
            return f"loaded {self.label} ({self.action_types} action types)"
        return f"unchanged {self.label}"


class LoadRefused(Exception):
    """Every problem found, one `FILE: path.to.field: message` line each; nothing was written."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_referentiel_files(paths: Sequence[Path], *, today: date, actor: Actor) -> list[LoadResult]:
    professions = frozenset(Profession.objects.values_list("code", flat=True))
    specialties = dict(Specialty.objects.values_list("code", "profession_id"))
    problems: list[str] = []
    parsed: list[tuple[Path, ReferentielSpec, str]] = []
    for path in paths:
        try:
            spec = read_referentiel_file(path, known_professions=professions, known_specialties=specialties)
        except ReferentielFileError as exc:
            problems.extend(exc.lines())
            continue
        # Kept as loaded, for traceability; read_referentiel_file has checked it decodes.
        text = path.read_bytes().decode("utf-8-sig")
        parsed.append((path, spec, text))
    problems.extend(_conflicts(parsed, today))
    if problems:
        raise LoadRefused(problems)
    with transaction.atomic():
        results = [_write(path, spec, text, actor) for path, spec, text in parsed]
        changed = {spec.profession for (_, spec, _), r in zip(parsed, results, strict=True) if r.changed}
        # Publishing re-evaluates every professional of the profession (contracts/referentiel.md).
        for profession in sorted(changed):
            recompute(
                Exercise.objects.filter(profession_id=profession).select_related("professional"),
                today=today,
            )
        # Those whose status now rests on a published version are told of it (domain §7).
        for (_, spec, _), r in zip(parsed, results, strict=True):
            if r.changed and spec.published_on is not None and spec.published_on <= today:
                referentiel = Referentiel.objects.get(code=spec.code, version=spec.version)
                referentiel_updated(referentiel.pk, spec.code, spec.title, spec.version)
    return results


def _conflicts(parsed: list[tuple[Path, ReferentielSpec, str]], today: date) -> list[str]:
    problems = []
    seen: dict[tuple[str, str], Path] = {}
    for path, spec, _ in parsed:
        key = (spec.code, spec.version)
        if key in seen:
            problems.append(f"{path}: version: {spec.code}@{spec.version} is also in {seen[key]}")
        seen[key] = path
        existing = Referentiel.objects.filter(code=spec.code, version=spec.version).first()
        if existing is None or existing.content_hash == spec.content_hash():
            continue
        if existing.profession_id != spec.profession:
            problems.append(
                f"{path}: profession: {spec.code} is a référentiel of profession {existing.profession_id}"
            )
        if existing.is_applied(today):
            problems.append(
                f"{path}: version: {spec.code}@{spec.version} is published and already applied; "
                "publish a new version instead"
            )
    return problems


def _write(path: Path, spec: ReferentielSpec, text: str, actor: Actor) -> LoadResult:
    label = f"{spec.code}@{spec.version}"
    existing = Referentiel.objects.filter(code=spec.code, version=spec.version).first()
    if existing is not None and existing.content_hash == spec.content_hash():
        return LoadResult(label=label, changed=False, action_types=len(spec.action_types))
    fields = {
        "title": spec.title,
        "profession_id": spec.profession,
        "specialties": list(spec.specialties),
        "published_on": spec.published_on,
        "minimum_per_axis": spec.minimum_per_axis,
        "axis_minimums": {str(axis): n for axis, n in spec.axis_minimums.items()},
        "multi_axis": spec.multi_axis,
        "content_hash": spec.content_hash(),
        "source_name": path.name,
        "source_text": text,
    }
    referentiel, created = Referentiel.objects.update_or_create(
        code=spec.code, version=spec.version, defaults=fields
    )
    referentiel.action_types.all().delete()  # a draft being replaced
    ActionType.objects.bulk_create(
        ActionType(
            referentiel=referentiel,
            code=t.code,
            title=t.title,
            axes=list(t.axes),
            declarable_by=list(t.declarable_by),
            evidence=t.evidence,
            description=t.description,
            position=i,
        )
        for i, t in enumerate(spec.action_types)
    )
    record(
        actor=actor,
        verb="referentiel.loaded" if created else "referentiel.replaced",
        obj=referentiel,
        data={"label": label, "published_on": str(spec.published_on or ""), "hash": spec.content_hash()},
    )
    return LoadResult(label=label, changed=True, action_types=len(spec.action_types))
