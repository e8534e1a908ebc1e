"""contracts/README.md: every command fails with a one-line reason on stderr, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CERTIPRO_DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("certification_status", "10000000017", "--as-of", "2024-02-30"), "is not a date"),
        (("record_interruption", "10000000017", "2024-01-01"), "required: END"),
        (("import_directory",), "required: FILE"),
    ],
)
def test_bad_arguments_give_one_line_and_a_non_zero_exit(args: tuple[str, ...], message: str) -> None:
    result = manage(*args)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
