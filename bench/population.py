"""A deterministic, realistic national population (domain §8): directory rows and action claims.

Pure generation from a seeded random source; no database. `bench.generate` loads it through the
domain code (the directory import, `record_actions_bulk`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# Domain §8: registered professionals per profession (TRE_G15 code).
PROFESSION_MIX = {
    "60": 640_000,  # infirmiers
    "10": 237_000,  # médecins
    "70": 98_000,  # masseurs-kinésithérapeutes
    "21": 75_000,  # pharmaciens
    "40": 48_000,  # chirurgiens-dentistes
    "50": 26_000,  # sages-femmes
    "80": 15_000,  # pédicures-podologues
}

# Doctors' specialties: general practice first (~45 %), then those of the sample référentiels
# (cardiology, anaesthesia, paediatrics, psychiatry) and others that fall back on MED-GEN.
DOCTOR_SPECIALTIES = {
    "SM54": 40,
    "SM26": 3,
    "SM53": 2,
    "SM04": 3,
    "SM73": 1,
    "SM02": 4,
    "SM76": 1,
    "SM40": 3,
    "SM87": 1,
    "SM42": 6,
    "SM43": 1,
    "SM38": 3,
    "SM44": 4,
    "SM15": 2,
    "SM20": 3,
    "SM24": 2,
    "SM32": 2,
    "SM41": 2,
    "SM48": 2,
    "SM59": 4,
    "SM18": 2,
    "SM36": 2,
    "SM14": 2,
    "SM08": 2,
}
NURSE_SPECIALTIES = {"": 92, "SI01": 1, "SI06": 2, "SI07": 2, "SI08": 3}

# Departments weighted roughly by population (millions, INSEE 2021); the rest weigh 0.45.
DEPARTMENT_WEIGHTS = {
    "59": 2.6, "75": 2.1, "13": 2.0, "69": 1.9, "92": 1.6, "93": 1.65, "33": 1.65, "62": 1.46,
    "78": 1.45, "77": 1.42, "94": 1.4, "44": 1.43, "31": 1.42, "91": 1.3, "38": 1.27, "76": 1.25,
    "95": 1.25, "34": 1.2, "67": 1.14, "06": 1.1, "35": 1.09, "83": 1.08, "57": 1.05, "974": 0.87,
    "2A": 0.16, "2B": 0.18, "48": 0.08, "23": 0.12, "05": 0.14, "976": 0.3, "973": 0.29,
}  # fmt: skip
PRACTICE_MODES = {
    "60": {"S": 80, "L": 15, "M": 5},
    "10": {"L": 45, "S": 40, "M": 14, "A": 1},
    "70": {"L": 80, "S": 12, "M": 8},
    "21": {"L": 55, "S": 45},
    "40": {"L": 90, "S": 8, "M": 2},
    "50": {"S": 70, "L": 25, "M": 5},
    "80": {"L": 97, "S": 3},
}
# A few people hold two professions (R18): the pairs seen in practice.
SECOND_PROFESSION = {"60": "50", "70": "60", "21": "10", "50": "60", "10": "21", "40": "10", "80": "70"}
SECOND_PROFESSION_SHARE = 0.003

LAST_NAMES = (  # noqa: SIM905
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy "
    "Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Faure"
).split()
FIRST_NAMES = (  # noqa: SIM905
    "Marie Nathalie Isabelle Sylvie Catherine Sophie Claire Julie Camille Laura Jean Pierre Michel Philippe "
    "Alain Nicolas Thomas Julien Paul Lucas Emma Chloe Manon Sarah Ines Hugo Louis Leo Adam Gabriel"
).split()

INITIAL_START = date(2023, 1, 1)


@dataclass(frozen=True)
class PersonRow:
    """One row of the project's directory CSV (contracts/directory.md)."""

    rpps: str
    last_name: str
    first_name: str
    profession: str
    specialties: str
    department: str
    practice_mode: str
    registration_date: date

    def csv(self) -> str:
        return (
            f"{self.rpps},{self.last_name},{self.first_name},,{self.profession},{self.specialties},"
            f"{self.department},{self.practice_mode},{self.registration_date.isoformat()}\n"
        )


CSV_HEADER = (
    "rpps,last_name,first_name,email,profession,specialties,department,practice_mode,registration_date\n"
)


def scaled_mix(total: int) -> dict[str, int]:
    """The profession mix scaled to `total` people (largest remainders, so it adds up exactly)."""
    whole = sum(PROFESSION_MIX.values())
    exact = {code: n * total / whole for code, n in PROFESSION_MIX.items()}
    counts = {code: int(x) for code, x in exact.items()}
    for code in sorted(exact, key=lambda c: exact[c] - counts[c], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[code] += 1
    return counts


def rpps_number(i: int) -> str:
    """An 11-digit RPPS whose last digit makes it pass Luhn (so imports carry no warnings)."""
    body = f"1{i:09d}"
    total = 0
    for pos, char in enumerate(reversed(body)):  # positions once the check digit is appended
        digit = int(char)
        if pos % 2 == 0:  # these digits will be doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


class _Weighted:
    def __init__(self, weights: Mapping[str, float]) -> None:
        self.values = list(weights)
        self.cumulative = []
        acc = 0.0
        for v in self.values:
            acc += weights[v]
            self.cumulative.append(acc)

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


def people(total: int, *, seed: int, today: date, departments: Sequence[str]) -> Iterator[PersonRow]:
    """`total` people in a shuffled, deterministic order; a few get a second profession row."""
    rng = random.Random(seed)
    professions = [code for code, n in scaled_mix(total).items() for _ in range(n)]
    rng.shuffle(professions)
    department = _Weighted({d: DEPARTMENT_WEIGHTS.get(d, 0.45) for d in departments})
    modes = {code: _Weighted(w) for code, w in PRACTICE_MODES.items()}
    doctors, nurses = _Weighted(DOCTOR_SPECIALTIES), _Weighted(NURSE_SPECIALTIES)
    recent_days = (today - INITIAL_START).days
    old_days = (INITIAL_START - date(1975, 1, 1)).days
    for i, profession in enumerate(professions):
        specialties = (
            doctors.pick(rng) if profession == "10" else nurses.pick(rng) if profession == "60" else ""
        )
        if rng.random() < 0.85:  # registered before 2023: the initial period (D-10)
            registered = INITIAL_START - timedelta(days=rng.randint(1, old_days))
        else:
            registered = INITIAL_START + timedelta(days=rng.randint(0, recent_days))
        person = PersonRow(
            rpps=rpps_number(i + 1),
            last_name=rng.choice(LAST_NAMES),
            first_name=rng.choice(FIRST_NAMES),
            profession=profession,
            specialties=specialties,
            department=department.pick(rng),
            practice_mode=modes[profession].pick(rng),
            registration_date=registered,
        )
        yield person
        if rng.random() < SECOND_PROFESSION_SHARE:
            second = SECOND_PROFESSION[profession]
            yield PersonRow(
                rpps=person.rpps,
                last_name=person.last_name,
                first_name=person.first_name,
                profession=second,
                specialties="SM54" if second == "10" else "",
                department=person.department,
                practice_mode=person.practice_mode,
                registration_date=INITIAL_START + timedelta(days=rng.randint(0, recent_days)),
            )
