"""Prove that production settings refuse published keys and keep connections open.

Settings are read once per process, so each case runs the settings file afresh (runpy)
with its own environment, and the start of a real server is tried in a subprocess.
"""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(settings.BASE_DIR) / "src" / "skolsam" / "conf" / "settings.py"
MANAGE = Path(settings.BASE_DIR) / "manage.py"
DEVELOPMENT_KEY = "insecure-development-key-change-me-in-production-0123456789"


def real_key() -> str:
    return secrets.token_urlsafe(50)


def production(monkeypatch, **environment: str) -> dict:
    """Read the settings as a production server would, with `environment` set."""
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    # Empty rather than unset, so a developer's .env cannot fill them in.
    for name in ("DJANGO_SECRET_KEY", "SKOLSAM_SS12000_SIGNING_KEY"):
        monkeypatch.setenv(name, "")
    monkeypatch.delenv("DJANGO_CONN_MAX_AGE", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.parametrize(
    ("secret_key", "signing_key", "named"),
    [
        ("", "", "DJANGO_SECRET_KEY is not set"),
        (DEVELOPMENT_KEY, real_key(), "DJANGO_SECRET_KEY is the published development key"),
        ("django-insecure-" + real_key(), real_key(), "DJANGO_SECRET_KEY is the published"),
        ("x" * 60, real_key(), "DJANGO_SECRET_KEY is too short or too simple"),
        ("short-but-random-" + "k3y", real_key(), "DJANGO_SECRET_KEY is too short"),
        (real_key(), "", "SKOLSAM_SS12000_SIGNING_KEY is not set"),
        (real_key(), "abc", "SKOLSAM_SS12000_SIGNING_KEY is too short"),
    ],
    ids=[
        "no-keys",
        "development-key",
        "django-insecure",
        "repetitive",
        "short",
        "no-signing-key",
        "short-signing-key",
    ],
)
def test_production_refuses_to_start_without_real_keys(monkeypatch, secret_key, signing_key, named):
    with pytest.raises(ImproperlyConfigured, match=named) as refused:
        production(
            monkeypatch,
            DJANGO_SECRET_KEY=secret_key,
            SKOLSAM_SS12000_SIGNING_KEY=signing_key,
        )
    # The message says what to do.
    assert "With DJANGO_DEBUG=false, set" in str(refused.value)


def test_the_signing_key_must_not_be_the_secret_key(monkeypatch):
    key = real_key()
    with pytest.raises(ImproperlyConfigured, match="must differ from DJANGO_SECRET_KEY"):
        production(monkeypatch, DJANGO_SECRET_KEY=key, SKOLSAM_SS12000_SIGNING_KEY=key)


def test_production_starts_with_real_keys_and_keeps_connections_open(monkeypatch):
    read = production(
        monkeypatch, DJANGO_SECRET_KEY=real_key(), SKOLSAM_SS12000_SIGNING_KEY=real_key()
    )
    database = read["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True


def test_the_connection_age_comes_from_the_environment(monkeypatch):
    read = production(
        monkeypatch,
        DJANGO_SECRET_KEY=real_key(),
        SKOLSAM_SS12000_SIGNING_KEY=real_key(),
        DJANGO_CONN_MAX_AGE="0",
    )
    assert read["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_the_demo_and_the_tests_run_on_the_development_defaults(monkeypatch):
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "")
    monkeypatch.setenv("SKOLSAM_SS12000_SIGNING_KEY", "")
    read = runpy.run_path(str(SETTINGS_FILE))
    assert read["DEBUG"] is True
    # Closed after each request, as Django's default: runserver's threads come and go.
    assert read["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def _manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    # A production server's environment: not the test database, and not the async-safety
    # switch the browser tests set in this worker's process (check --deploy refuses it).
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, str(MANAGE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_production_server_without_keys_does_not_start(tmp_path):
    refused = _manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="",
        SKOLSAM_SS12000_SIGNING_KEY="",
        SKOLSAM_VAR_DIR=str(tmp_path),
    )
    assert refused.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set." in refused.stderr
    started = _manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=real_key(),
        SKOLSAM_SS12000_SIGNING_KEY=real_key(),
        SKOLSAM_VAR_DIR=str(tmp_path),
    )
    assert started.returncode == 0, started.stderr
    assert "security.W009" not in started.stderr + started.stdout
