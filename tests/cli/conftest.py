"""Shared fixtures for the command-line tests: the cubelet binary and the source tree."""
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("CUBELET_SOURCE_DIR", pathlib.Path(__file__).parents[2]))


def _binary() -> str:
    binary = os.environ.get("CUBELET_BINARY")
    if binary:
        return binary
    for preset in ("release", "dev", "asan"):
        candidate = SOURCE_DIR / "build" / preset / "bin" / "cubelet"
        if candidate.exists():
            return str(candidate)
    pytest.skip("no cubelet binary: set CUBELET_BINARY or build first")


@pytest.fixture(scope="session")
def cubelet():
    """Runs the cubelet binary and returns the CompletedProcess (never raises on exit codes)."""
    binary = _binary()

    def run(*args, stdin=None):
        return subprocess.run([binary, *args], input=stdin, capture_output=True, text=True,
                              cwd=SOURCE_DIR, timeout=60)

    return run


@pytest.fixture(scope="session")
def registries():
    """The loopback registries of tests/fixtures/registry (started for the session, stopped after).

    Returns the KEY=VALUE lines setup.sh prints as a dict (PLAIN, BASIC, TOKEN, REG_DIR, ...).
    """
    setup = SOURCE_DIR / "tests" / "fixtures" / "registry" / "setup.sh"
    up = subprocess.run([str(setup), "up", "--big"], capture_output=True, text=True, timeout=300)
    assert up.returncode == 0, up.stdout + up.stderr
    values = {}
    for line in up.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isupper():
            values[key] = value
    try:
        yield values
    finally:
        subprocess.run([str(setup), "down"], capture_output=True, text=True, timeout=120)
