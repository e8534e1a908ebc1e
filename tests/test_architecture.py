"""The layers hold (design.md, docs/architecture.md): `make lint` runs import-linter on the
contracts of `.importlinter`; these tests keep the contracts themselves honest."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The imports against the layers that were there when the contract was written (2026-12-07).
# A step that removes one lowers this number; nothing may raise it.
DEBT_AT_MOST = 8


def _contract() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return parser["importlinter:contract:layers"]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_every_package_of_certipro_sits_in_a_layer() -> None:
    """A new app or top-level module is checked from its first line: it must be given a layer."""
    layered = {name.strip() for layer in _lines(_contract()["layers"]) for name in layer.split("|")}
    packages = {
        f"certipro.{path.stem if path.suffix == '.py' else path.name}"
        for path in (ROOT / "certipro").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert packages - layered == set()
    assert layered - packages == set()


def test_the_layering_debt_only_shrinks() -> None:
    ignored = _lines(_contract().get("ignore_imports", ""))
    assert all(" -> " in line for line in ignored)
    assert len(ignored) <= DEBT_AT_MOST
