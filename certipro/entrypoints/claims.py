"""The one entry point that records claims that actions were done (domain §4, D-30 to D-34).

The professional's forms, the admin, the demo loader, the declarants' portal and the declaration
API all come here, through one path: a form's claim is a batch of one, an API request a batch of
up to 5,000, each with a fixed number of queries whatever its size, in one transaction:

1. the accounts of the batch's professionals are read once, and every claim judged by the one
   `ClaimChecker` (the error codes of contracts/declarations.md);
2. each claim that passes is classified on what the batch reads before it writes anything:
   - D-32: its declarant sent this external_id before: the same content again is a replay
     (nothing is written), other content a correction (the action is rewritten);
   - D-33: a third party's claim whose dates overlap an action of the same type the professional
     self-declared is merged into it, which becomes attested; each such action is merged once,
     in the batch's order, the earliest-ending first;
   - else it is a new action;
3. the writes are set-based: one UPDATE … FROM for the corrections and merges, the new actions
   by COPY on PostgreSQL (`bulk_write`), their transitions and audit entries (D-41) with them;
4. D-34: the impossible hours and mass claims the batch makes are flagged for review;
5. the status snapshots of every account the batch changed are refreshed once, in the same
   transaction, and the professionals are told of the claims third parties made (domain §7).

Concurrency. The actions sent before under the batch's external_ids are locked as they are read
(a correction rewrites them). An action to merge into is checked again as the UPDATE rewrites it:
a concurrent request may have merged it, the professional withdrawn it; a claim it did not merge
takes its next candidate, or is new. A concurrent request inserting one of the same external_ids
makes the insert fail: the classification and the writes roll back to their savepoint and run
once more, when that request's rows are visible (its claims are then replays or corrections).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from certipro.actions.anomalies import Claimed, Hours, flag_claims
from certipro.actions.bulk_write import Logged, NewAction, insert_actions, log_actions
from certipro.actions.checks import ActionRefused, ClaimChecker, ExerciseRow, among
from certipro.actions.models import COUNTING_STATES, Action, ActionState, Channel, Outcome, Source
from certipro.audit.journal import Actor
from certipro.certification.bulk_io import Accounts, day, read_accounts
from certipro.certification.catalogue import Catalogue, current_catalogue
from certipro.certification.status import refresh_status
from certipro.core.sql import rows_cte
from certipro.directory.models import Exercise, Professional
from certipro.notifications.events import actions_received

__all__ = ["Claim", "ClaimResult", "record_claims"]


@dataclass(frozen=True)
class Claim:
    """A claim that an action was done: the professional by id, or by RPPS (the API)."""

    type_code: str
    end_date: date
    professional_id: int | None = None
    rpps: str = ""
    profession: str | None = None  # the exercise it is for, when the claimant says (a form)
    start_date: date | None = None
    title: str = ""
    hours: Decimal | None = None
    axis: int | None = None
    external_id: str = ""  # the declarant's own reference (D-32)


@dataclass(frozen=True)
class ClaimResult:
    """What became of a claim: an outcome and its action, or the reasons it was refused."""

    outcome: Outcome | None = None
    action_id: int | None = None
    errors: tuple[ActionRefused, ...] = ()
    exercises: tuple[int, ...] = ()  # the exercises whose status it changed (two when it moved)


def record_claims(
    claims: Sequence[Claim],
    *,
    source: Source,
    channel: Channel,
    actor: Actor,
    today: date,
    declarant_id: int | None = None,
    declarant_name: str | None = None,
    catalogue: Catalogue | None = None,
    refresh: bool = True,
) -> list[ClaimResult]:
    """Records `claims` (all from `source`, through `channel`; a third party's carry its
    `declarant_id`); returns one result per claim, in order.

    `refresh=False` leaves the status snapshots to the caller, who must refresh the results'
    `exercises` in the same transaction."""
    with transaction.atomic():
        run = _Run(
            source=source,
            channel=channel,
            actor=actor,
            today=today,
            declarant_id=declarant_id,
            declarant_name=declarant_name,
            catalogue=catalogue or current_catalogue(),
        )
        return run.record(claims, refresh=refresh)


# What a replay must repeat to be a duplicate (D-32).
CONTENT = ("type_code", "title", "start_date", "end_date", "hours", "axis", "profession_id")


class _Judged(NamedTuple):
    """A claim that passed the checks (`position`: its place in the batch); `exercise` is the
    account it counts for."""

    position: int
    claim: Claim
    professional_id: int
    exercise: ExerciseRow

    def content(self) -> tuple[Any, ...]:
        c = self.claim
        return (c.type_code, c.title, c.start_date, c.end_date, c.hours, c.axis, self.exercise.profession_id)


class _Sent(NamedTuple):
    """An action the declarant sent before under an external_id of the batch (locked)."""

    pk: int
    professional_id: int
    profession_id: str
    state: str
    content: tuple[Any, ...]  # as CONTENT


class Candidate(NamedTuple):
    """A self-declared action a claim may be merged into (D-33), in the order they are tried:
    the earliest-ending first, then the oldest."""

    end_date: date
    action_id: int
    profession_id: str


@dataclass
class _Around:
    """What the batch's claims meet in their professionals' accounts, before any is written."""

    # By position: the actions the professional self-declared with the same type whose dates
    # overlap the claim's (D-33), which it may be merged into.
    candidates: dict[int, list[Candidate]] = field(default_factory=dict)
    # The counting actions with hours that share a day with a claim (D-34, impossible hours).
    hours: list[Hours] = field(default_factory=list)


class _Rewrite(NamedTuple):
    """An action rewritten by a claim: a correction (D-32) or a merge (D-33)."""

    judged: _Judged
    action_id: int
    outcome: Outcome
    from_state: str
    to_state: str
    former: tuple[int, str]  # (professional, profession) it counted for before


@dataclass
class _Run:
    source: Source
    channel: Channel
    actor: Actor
    today: date
    declarant_id: int | None
    declarant_name: str | None
    catalogue: Catalogue
    results: list[ClaimResult] = field(default_factory=list)
    accounts: Accounts = field(init=False)  # the batch's, read once for the checks

    @property
    def state(self) -> ActionState:
        # A professional's own claim is declared, a third party's attested (D-31).
        return ActionState.DECLARED if self.source == Source.PROFESSIONAL else ActionState.ATTESTED

    def record(self, claims: Sequence[Claim], *, refresh: bool) -> list[ClaimResult]:
        judged = self._judge(claims)
        if judged:
            for attempt in (1, 2):
                try:
                    # Only a concurrent insert of one of our external_ids can fail here (a
                    # declarant's: the claims of others have none).
                    with transaction.atomic() if self.declarant_id is not None else nullcontext():
                        claimed, hours = self._write(judged)
                    break
                except IntegrityError:
                    if attempt == 2 or self.declarant_id is None:
                        raise
            if claimed:
                flag_claims(claimed, before=hours, declarant_id=self.declarant_id, actor=self.actor)
            touched = {pk for r in self.results for pk in r.exercises}
            if refresh and touched:
                refresh_status(exercises=touched, today=self.today, catalogue=self.catalogue)
        return self.results

    # --- 1. The checks ---

    def _judge(self, claims: Sequence[Claim]) -> list[_Judged]:
        named = {c.rpps for c in claims if c.professional_id is None and c.rpps}
        ids = {c.professional_id for c in claims if c.professional_id is not None}
        people = Professional.objects.filter(among("rpps", named, "text")) if named else None
        found: dict[str, int] = (
            dict(people.order_by().values_list("rpps", "pk")) if people is not None else {}
        )
        existing = set(found.values())
        if ids:
            existing |= set(
                Professional.objects.filter(among("id", ids, "bigint")).values_list("pk", flat=True)
            )
        self.accounts = read_accounts(existing, catalogue=self.catalogue, today=self.today)
        checker = ClaimChecker(existing, catalogue=self.catalogue, today=self.today, accounts=self.accounts)
        judged: list[_Judged] = []
        seen: set[str] = set()
        for index, claim in enumerate(claims):
            professional_id = (
                claim.professional_id if claim.professional_id is not None else found.get(claim.rpps)
            )
            verdict = checker.judge(
                professional_id=professional_id,
                type_code=claim.type_code,
                end_date=claim.end_date,
                source=self.source,
                profession=claim.profession,
                start_date=claim.start_date,
                hours=claim.hours,
                axis=claim.axis,
                rpps=claim.rpps,
            )
            if self.declarant_id is not None and claim.external_id in seen:
                # D-32 is judged against what was sent before the batch: twice in one batch is an error.
                message = f"external_id {claim.external_id} appears earlier in this batch"
                problems = verdict if isinstance(verdict, list) else []
                verdict = [*problems, ActionRefused("duplicate_in_request", message)]
            seen.add(claim.external_id)
            if isinstance(verdict, list):
                self.results.append(ClaimResult(errors=tuple(verdict)))
                continue
            assert professional_id is not None  # judged so
            self.results.append(ClaimResult())  # set once written
            judged.append(_Judged(index, claim, professional_id, verdict))
        return judged

    # --- 2. and 3. Classify and write ---

    def _write(self, judged: list[_Judged]) -> tuple[list[Claimed], list[Hours]]:
        """Classifies the claims (D-32, D-33) and writes them; returns what the D-34 checks need."""
        sent = self._sent(judged)
        around = _around(judged)
        rewrites: list[_Rewrite] = []
        wanted: list[_Judged] = []
        new: list[_Judged] = []
        outcomes: dict[int, ClaimResult] = {}
        for j in judged:
            before = sent.get(j.claim.external_id) if self.declarant_id is not None else None
            if before is not None:
                if (
                    before.professional_id == j.professional_id
                    and before.state != ActionState.WITHDRAWN
                    and (before.content == j.content())
                ):  # D-32: the same declaration again changes nothing
                    outcomes[j.position] = ClaimResult(Outcome.DUPLICATE, before.pk)
                    continue
                # D-32: a correction; it does not undo the professional's dispute or the order's rejection.
                kept = before.state in (ActionState.CONTESTED, ActionState.REJECTED)
                to_state = before.state if kept else self.state
                former = (before.professional_id, before.profession_id)
                rewrites.append(_Rewrite(j, before.pk, Outcome.UPDATED, before.state, to_state, former))
            elif self.declarant_id is not None and j.position in around.candidates:
                wanted.append(j)
            else:
                new.append(j)
        done = self._rewrite(rewrites)
        corrections = [r for r in rewrites if r.action_id in done]
        merges, unmatched = self._merge(wanted, around.candidates)
        new = sorted(new + unmatched, key=lambda j: j.position)
        inserted = self._insert(new)
        log_actions(
            [
                Logged(
                    r.action_id,
                    r.judged.professional_id,
                    r.judged.claim.type_code,
                    r.judged.claim.end_date,
                    r.from_state,
                    r.to_state,
                    r.outcome,
                )
                for r in sorted(corrections + merges, key=lambda r: r.judged.position)
            ],
            source=self.source,
            actor=self.actor,
        )
        exercises = self._exercises([r.former for r in corrections + merges])
        claimed: list[Claimed] = []
        for r in corrections + merges:
            moved = exercises.get(r.former, r.judged.exercise.pk)
            touched = tuple(sorted({r.judged.exercise.pk, moved}))
            outcomes[r.judged.position] = ClaimResult(r.outcome, r.action_id, exercises=touched)
            claimed.append(_claimed(r.judged, r.action_id, r.to_state))
        for j, pk in inserted:
            outcomes[j.position] = ClaimResult(Outcome.ACCEPTED, pk, exercises=(j.exercise.pk,))
            claimed.append(_claimed(j, pk, self.state))
        for index, result in outcomes.items():
            self.results[index] = result
        self._announce([(r.judged, r.action_id) for r in merges] + inserted)
        return claimed, around.hours

    def _sent(self, judged: list[_Judged]) -> dict[str, _Sent]:
        if self.declarant_id is None:
            return {}
        rows = (
            Action.objects.filter(declarant_id=self.declarant_id)
            .filter(among("external_id", {j.claim.external_id for j in judged}, "text"))
            .select_for_update()
            .order_by()
            .values_list("external_id", "pk", "professional_id", "profession_id", "state", *CONTENT)
        )
        return {row[0]: _Sent(row[1], row[2], row[3], row[4], tuple(row[5:])) for row in rows}

    def _merge(
        self, wanted: list[_Judged], candidates: dict[int, list[Candidate]]
    ) -> tuple[list[_Rewrite], list[_Judged]]:
        """D-33: each claim merged into the first of its candidates no earlier claim took; one
        that a concurrent request changed meanwhile is left, and its claim tries its next one."""
        merged: list[_Rewrite] = []
        taken: set[int] = set()
        pending = wanted
        while pending:
            picked = pick(
                (j.position, [c for c in candidates[j.position] if c.action_id not in taken]) for j in pending
            )
            tried = [
                _Rewrite(
                    j,
                    picked[j.position].action_id,
                    Outcome.MERGED,
                    ActionState.DECLARED,  # the only state a merge starts from
                    ActionState.ATTESTED,  # a third party's claim (D-31)
                    (j.professional_id, picked[j.position].profession_id),
                )
                for j in pending
                if j.position in picked
            ]
            if not tried:
                break
            done = self._rewrite(tried, merge=True)
            merged += [r for r in tried if r.action_id in done]
            taken |= {r.action_id for r in tried}
            pending = [r.judged for r in tried if r.action_id not in done]
        made = {r.judged.position for r in merged}
        return merged, [j for j in wanted if j.position not in made]

    def _rewrite(self, rewrites: list[_Rewrite], *, merge: bool = False) -> set[int]:
        """UPDATE … FROM the batch (per 2,000: SQLite binds at most 32,766 parameters); returns
        the ids of the actions rewritten. A merge rewrites its action only if it is still
        self-declared (D-33): the read around took no lock."""
        done: set[int] = set()
        for start in range(0, len(rewrites), REWRITES):
            done |= self._rewrite_some(rewrites[start : start + REWRITES], merge)
        return done

    def _rewrite_some(self, rewrites: list[_Rewrite], merge: bool) -> set[int]:
        cte, params = rows_cte(
            "m",
            _REWRITE,
            [
                (
                    r.action_id,
                    r.judged.professional_id,
                    r.judged.exercise.profession_id,
                    r.judged.claim.type_code,
                    r.judged.claim.title,
                    r.judged.claim.start_date,
                    r.judged.claim.end_date,
                    r.judged.claim.hours,
                    r.judged.claim.axis,
                    r.to_state,
                    r.judged.claim.external_id,
                )
                for r in rewrites
            ],
        )
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        params += [self.source.value, self.channel.value, self.declarant_id, stamp]
        where = "a.id = m.action_id"
        if merge:
            where += " AND a.source = %s AND a.state = %s AND a.declarant_id IS NULL"
            params += [Source.PROFESSIONAL.value, ActionState.DECLARED.value]
        # `RETURNING id`: SQLite's RETURNING may only name the updated table's columns.
        sql = f"{cte} UPDATE {Action._meta.db_table} AS a SET {_SET} FROM m WHERE {where} RETURNING id"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {pk for (pk,) in cursor.fetchall()}

    def _insert(self, new: list[_Judged]) -> list[tuple[_Judged, int]]:
        pks = insert_actions(
            [
                NewAction(
                    j.professional_id,
                    j.exercise.profession_id,
                    j.claim.type_code,
                    j.claim.title,
                    j.claim.start_date,
                    j.claim.end_date,
                    j.claim.hours,
                    j.claim.axis,
                    j.claim.external_id,
                )
                for j in new
            ],
            state=self.state,
            source=self.source,
            channel=self.channel,
            declarant_id=self.declarant_id,
            actor=self.actor,
            audit_each=True,
        )
        return list(zip(new, pks, strict=True))

    def _exercises(self, formers: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """The exercises the rewritten actions counted for: the batch's accounts hold them but for
        a correction moving an action away from someone the batch does not name (D-32)."""
        held = {(e[0], e[2]): e[1] for e in self.accounts.exercises}
        wanted = set(formers)
        missing = {
            professional for professional, profession in wanted if (professional, profession) not in held
        }
        if missing:
            rows = Exercise.objects.filter(professional_id__in=missing).values_list(
                "professional_id", "profession_id", "pk"
            )
            held.update({(p, code): pk for p, code, pk in rows})
        return {k: held[k] for k in wanted if k in held}

    def _announce(self, recorded: list[tuple[_Judged, int]]) -> None:
        # Each professional is told of a third party's claim, to check it and contest it (domain §7).
        if self.declarant_id is None or not recorded:
            return
        name = self.declarant_name if self.declarant_name is not None else _declarant_name(self.declarant_id)
        actions_received(
            (j.professional_id, pk, name, j.claim.end_date.isoformat())
            for j, pk in sorted(recorded, key=lambda r: r[0].position)
        )


REWRITES = 2000
_REWRITE = {
    "action_id": "bigint",
    "professional_id": "bigint",
    "profession_id": "text",
    "type_code": "text",
    "title": "text",
    "start_date": "date",
    "end_date": "date",
    "hours": "numeric",
    "axis": "smallint",
    "state": "text",
    "external_id": "text",
}
# The content, the provenance and the state; declared_at and declared_by stay.
_SET = (
    "professional_id = m.professional_id, profession_id = m.profession_id, type_code = m.type_code, "
    "title = m.title, start_date = m.start_date, end_date = m.end_date, hours = m.hours, axis = m.axis, "
    "state = m.state, external_id = m.external_id, "
    "source = %s, channel = %s, declarant_id = %s, updated_at = %s"
)


def pick(wanted: Iterable[tuple[int, Sequence[Candidate]]]) -> dict[int, Candidate]:
    """D-33: for each position, in order, the first of its candidates (`Candidate` says in
    which order) no earlier position took; positions left without one are new claims."""
    taken: set[int] = set()
    picked: dict[int, Candidate] = {}
    for position, candidates in wanted:
        free = next((c for c in sorted(candidates) if c.action_id not in taken), None)
        if free is not None:
            taken.add(free.action_id)
            picked[position] = free
    return picked


def _claimed(j: _Judged, action_id: int, state: str) -> Claimed:
    c = j.claim
    return Claimed(action_id, j.professional_id, c.start_date, c.end_date, c.hours, state in COUNTING_STATES)


def _declarant_name(declarant_id: int) -> str:
    from certipro.actions.models import Declarant

    return Declarant.objects.values_list("name", flat=True).get(pk=declarant_id)


_COLUMNS = (
    "a.id, a.type_code, a.start_date, a.end_date, a.hours, a.state, a.source, a.declarant_id, a.profession_id"
)
# D-33's "overlapping dates", and the days D-34 adds hours on: the one place it is written.
_OVERLAP = (
    "a.professional_id = c.professional_id AND a.end_date >= c.first "
    "AND COALESCE(a.start_date, a.end_date) <= c.last"
)


def _around(judged: Sequence[_Judged]) -> _Around:
    """One read of the actions whose dates overlap the claims', for both D-33 and D-34: the few
    that do come back, not the professionals' whole history."""
    found = _Around()
    if not judged:
        return found
    cte, params = rows_cte(
        "claim",
        {"i": "integer", "professional_id": "bigint", "first": "date", "last": "date"},
        [
            (j.position, j.professional_id, j.claim.start_date or j.claim.end_date, j.claim.end_date)
            for j in judged
        ],
    )
    # Driven by the batch, claim by claim, on the (professional, end_date) index, whatever the
    # planner's statistics say: on PostgreSQL a LATERAL subquery, kept by OFFSET 0 from being
    # flattened into a hash join over the whole table; SQLite joins by nested loops.
    table = Action._meta.db_table
    if connection.vendor == "postgresql":
        mine = f"SELECT {_COLUMNS} FROM {table} a WHERE {_OVERLAP} OFFSET 0"
        sql = f"{cte} SELECT c.i, c.professional_id, m.* FROM claim c CROSS JOIN LATERAL ({mine}) m"
    else:
        sql = f"{cte} SELECT c.i, c.professional_id, {_COLUMNS} FROM claim c, {table} a WHERE {_OVERLAP}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    types = {j.position: j.claim.type_code for j in judged}
    seen: set[int] = set()
    for (
        position,
        professional_id,
        pk,
        type_code,
        start,
        end,
        hours,
        state,
        source,
        declarant,
        profession,
    ) in rows:
        if (
            source == Source.PROFESSIONAL
            and state == ActionState.DECLARED
            and declarant is None
            and type_code == types[position]
        ):
            found.candidates.setdefault(position, []).append(Candidate(day(end), pk, profession))
        if state in COUNTING_STATES and hours is not None and pk not in seen:
            seen.add(pk)  # an action may overlap several claims
            # Raw rows: SQLite may give dates back as text, and the decimal column as a number.
            found.hours.append(Hours(pk, professional_id, day(start), day(end), Decimal(str(hours))))
    return found
