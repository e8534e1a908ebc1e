"""Settings are parsed strictly: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str


def test_bad_boolean_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERTIPRO_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CERTIPRO_X must be a boolean"):
        env_bool("CERTIPRO_X")


def test_bad_integer_and_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERTIPRO_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="CERTIPRO_N must be an integer"):
        env_int("CERTIPRO_N", 1)
    monkeypatch.setenv("CERTIPRO_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("CERTIPRO_N", 1, minimum=1)


def test_required_variable_without_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CERTIPRO_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="CERTIPRO_REQUIRED is required"):
        env_str("CERTIPRO_REQUIRED")


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTIPRO_")}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "CERTIPRO_SECRET_KEY is required" in result.stderr
