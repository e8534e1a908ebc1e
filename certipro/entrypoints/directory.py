"""`import_directory` (contracts/directory.md): an upsert keyed on (rpps, profession).

The file is streamed and handled in batches of a fixed size: a batch costs a fixed number of
queries, so 1.2 million rows import in bounded memory. The whole import is one transaction:
it is all written, or (with --strict and a bad row, or on a crash) nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import BinaryIO

from django.db import transaction

from certipro.audit.journal import Actor, record_many
from certipro.certification.models import Period, PeriodTransition
from certipro.certification.periods import build_periods, log_opened
from certipro.certification.status import recompute
from certipro.core.iterables import chunks
from certipro.directory.models import (
    Department,
    Exercise,
    Holding,
    PracticeMode,
    Profession,
    Professional,
    Specialty,
)
from certipro.directory.parsing import DirectoryRecord, Known, RowProblem, SeenKeys, open_directory
from certipro.entrypoints.exercises import change_holding, end_exercise_for_profession_change
from certipro.notifications.events import accounts_opened, period_opened

BATCH = 1000


@dataclass
class ImportReport:
    format: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def rejected(self) -> int:
        return len({p.line for p in self.problems})

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )


class StrictImportFailed(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.rejected} bad row(s): nothing imported (--strict)")
        self.report = report


def known_nomenclatures() -> Known:
    return Known(
        professions=frozenset(Profession.objects.values_list("code", flat=True)),
        specialties=dict(Specialty.objects.values_list("code", "profession_id")),
        departments=frozenset(Department.objects.values_list("code", flat=True)),
        practice_modes=frozenset(PracticeMode.objects.values_list("code", flat=True)),
    )


def import_directory(
    stream: BinaryIO,
    *,
    today: date,
    effective_date: date | None = None,
    strict: bool = False,
    actor: Actor,
) -> ImportReport:
    """Imports a directory file. Raises DirectoryFileError when the file itself is unreadable,
    StrictImportFailed when `strict` and a row is bad (then nothing is written)."""
    reader = open_directory(stream, known=known_nomenclatures(), today=today)
    report = ImportReport(format=reader.format)
    run = _Run(report=report, today=today, effective=effective_date or today, actor=actor)
    with transaction.atomic():
        for batch in chunks(reader, BATCH):
            run.batch(batch)
        run.finish()
        report.skipped = reader.skipped
        if strict and report.problems:
            raise StrictImportFailed(report)
    return report


@dataclass
class _Run:
    report: ImportReport
    today: date
    effective: date
    actor: Actor
    # (rpps, profession) keys seen in this file: a new profession for a known RPPS is a change of
    # profession only if the file has no row for the old one (contracts/directory.md).
    seen: SeenKeys = field(
        default_factory=lambda: SeenKeys(Profession.objects.values_list("code", flat=True))
    )
    pending_new_profession: list[DirectoryRecord] = field(default_factory=list)
    labels: dict[str, str] = field(
        default_factory=lambda: dict(Profession.objects.values_list("code", "label"))
    )
    touched: set[int] = field(default_factory=set)

    def batch(self, items: list[DirectoryRecord | RowProblem]) -> None:
        records: list[DirectoryRecord] = []
        for item in items:
            if isinstance(item, RowProblem):
                self.report.problems.append(item)
            else:
                records.append(item)
                self.report.warnings.extend(f"line {item.line}: {w}" for w in item.warnings)
        merged: dict[tuple[str, str], DirectoryRecord] = {}
        for r in records:
            key = (r.rpps, r.profession)
            if key in merged:  # the annuaire extract may repeat a person: union of specialties
                first = merged[key]
                merged[key] = _union(first, r)
            else:
                merged[key] = r
        people = {p.rpps: p for p in Professional.objects.filter(rpps__in={k[0] for k in merged})}
        exercises = {
            (e.professional.rpps, e.profession_id): e
            for e in Exercise.objects.filter(professional__rpps__in=list(people)).select_related(
                "professional"
            )
        }
        new_people: list[DirectoryRecord] = []
        for key, r in merged.items():
            already_seen = self.seen.first_line(r.rpps, r.profession, r.line) is not None
            if key in exercises:
                if already_seen:  # repeated further down the extract: add, never remove
                    r = replace(r, specialties=r.specialties | set(exercises[key].specialties))
                self._update(exercises[key], r, counted=not already_seen)
            elif r.rpps in people:
                self.pending_new_profession.append(r)
            else:
                new_people.append(r)
        self._create(new_people)
        self._refresh()

    def _refresh(self) -> None:
        """Status snapshots of what this batch touched, in the import's transaction."""
        if self.touched:
            recompute(
                Exercise.objects.filter(pk__in=self.touched).select_related("professional"),
                today=self.today,
            )
            self.touched.clear()

    def finish(self) -> None:
        for r in self.pending_new_profession:
            professional = Professional.objects.get(rpps=r.rpps)
            if professional.exercises.filter(profession_id=r.profession).exists():
                continue
            registration = r.registration_date or self.effective
            for old in professional.exercises.filter(is_active=True).select_related("professional"):
                if (r.rpps, old.profession_id) not in self.seen:
                    end_exercise_for_profession_change(old, new_registration=registration)
                    self.touched.add(old.pk)
            # A known person with a new profession: its period is announced (domain §7).
            for exercise, period in self._create_exercises([(professional, r)]):
                period_opened(period, f"inscription comme {self.labels[exercise.profession_id].lower()}")
        self._refresh()

    def _create(self, records: list[DirectoryRecord]) -> None:
        if not records:
            return
        people: dict[str, Professional] = {}
        for r in records:
            if r.rpps not in people:
                people[r.rpps] = Professional(
                    rpps=r.rpps,
                    last_name=r.last_name,
                    first_name=r.first_name,
                    email=r.email,
                    rpps_luhn_valid=not any(w.startswith("rpps") for w in r.warnings),
                )
        Professional.objects.bulk_create(list(people.values()), batch_size=BATCH)
        # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35 (RETURNING).
        created = self._create_exercises([(people[r.rpps], r) for r in records])
        # The account is opened and announced (domain §7), once per person (the key says so).
        accounts_opened((e.professional_id, self.labels[e.profession_id], p) for e, p in created)

    def _create_exercises(
        self, pairs: list[tuple[Professional, DirectoryRecord]]
    ) -> list[tuple[Exercise, Period]]:
        """Creates the exercises with their periods and holdings; returns each with its current period."""
        exercises = [
            Exercise(
                professional=p,
                profession_id=r.profession,
                department_id=r.department,
                practice_mode_id=r.practice_mode,
                registration_date=r.registration_date,
                specialties=sorted(r.specialties),
            )
            for p, r in pairs
        ]
        Exercise.objects.bulk_create(exercises, batch_size=BATCH)
        periods = []
        for e in exercises:
            periods.extend(build_periods(e, start_on=e.registration_date, today=self.today))
        Period.objects.bulk_create(periods, batch_size=BATCH)
        PeriodTransition.objects.bulk_create(log_opened(periods, "inscription"), batch_size=BATCH)
        first_start: dict[int, date] = {}
        current: dict[int, Period] = {}
        for p in periods:
            first_start.setdefault(p.exercise_id, p.start)
            current[p.exercise_id] = p  # build_periods gives them in order
        # A first import knows no history: its specialties hold since the start of the period.
        Holding.objects.bulk_create(
            [
                Holding(
                    professional_id=e.professional_id,
                    exercise=e,
                    start=first_start[e.pk],
                    specialties=e.specialties,
                    reason="import de l'annuaire",
                )
                for e in exercises
            ],
            batch_size=BATCH,
        )
        record_many(
            (
                {
                    "verb": "directory.created",
                    "professional_id": e.professional_id,
                    "obj": e,
                    "data": {"profession": e.profession_id},
                }
                for e in exercises
            ),
            actor=self.actor,
        )
        self.report.created += len(exercises)
        self.touched.update(e.pk for e in exercises)
        return [(e, current[e.pk]) for e in exercises]

    def _update(self, exercise: Exercise, r: DirectoryRecord, *, counted: bool) -> None:
        professional = exercise.professional
        changes: dict[str, list[str]] = {}
        for attr in ("last_name", "first_name", "email"):
            old, new = getattr(professional, attr), getattr(r, attr)
            if old != new:
                changes[attr] = [old, new]
                setattr(professional, attr, new)
        if changes:
            professional.save()
        exercise_changes: dict[str, list[str | None]] = {}
        for attr, new in (
            ("department_id", r.department),
            ("practice_mode_id", r.practice_mode),
        ):
            old = getattr(exercise, attr)
            if new is not None and old != new:
                exercise_changes[attr.removesuffix("_id")] = [old, new]
                setattr(exercise, attr, new)
        if r.registration_date is not None and exercise.registration_date != r.registration_date:
            old_date = exercise.registration_date
            exercise_changes["registration_date"] = [
                old_date.isoformat() if old_date else None,
                r.registration_date.isoformat(),
            ]
            exercise.registration_date = r.registration_date
        if exercise_changes:
            exercise.save()
        new_specialties = sorted(r.specialties)
        if new_specialties != sorted(exercise.specialties):
            exercise_changes["specialties"] = [
                ",".join(exercise.specialties),
                ",".join(new_specialties),
            ]
            change_holding(
                exercise,
                on=self.effective,
                specialties=new_specialties,
                reason="import de l'annuaire",
            )
        changes.update(exercise_changes)  # type: ignore[arg-type]
        if not counted:
            return
        if changes:
            self.report.updated += 1
            self.touched.add(exercise.pk)
            record_many(
                [
                    {
                        "verb": "directory.updated",
                        "professional_id": exercise.professional_id,
                        "obj": exercise,
                        "data": changes,
                    }
                ],
                actor=self.actor,
            )
        else:
            self.report.unchanged += 1


def _union(a: DirectoryRecord, b: DirectoryRecord) -> DirectoryRecord:
    return replace(a, specialties=a.specialties | b.specialties)
