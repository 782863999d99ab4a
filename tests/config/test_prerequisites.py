"""Programs some tests need (Chromium, docker-compose, redis-server): a missing one makes those
tests skip on a developer's machine, saying what to install, but fail under CI."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM_INSTALL_HINT, require_chromium, require_tool

ROOT = Path(__file__).resolve().parents[2]
MISSING = "sahel-no-such-program"
HINT = "install Debian's sahel-no-such-program package (apt-get install sahel-no-such-program)"


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_a_missing_program_fails_under_ci_with_the_install_hint(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception) as failure:
        require_tool(MISSING, HINT, "The program")
    assert str(failure.value).startswith(f"The program is missing: {HINT}")


@pytest.mark.parametrize("value", [None, "", "0", "false"])
def test_a_missing_program_skips_outside_ci_with_the_install_hint(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception) as skip:
        require_tool(MISSING, HINT, "The program")
    assert f"The program is missing: {HINT}" in str(skip.value)


def test_a_present_program_is_returned_by_path(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    program = tmp_path / "tool"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert require_tool("tool", HINT) == str(program)
    assert require_tool(str(program), HINT) == str(program)
    program.chmod(0o644)  # there but not executable: missing
    with pytest.raises(pytest.fail.Exception):
        require_tool(str(program), HINT)


def test_chromium_outside_path_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium here
    with pytest.raises(pytest.fail.Exception) as failure:
        require_chromium()
    assert f"Chromium is missing: {CHROMIUM_INSTALL_HINT}" in str(failure.value)


PROBE = textwrap.dedent(
    f"""
    import pytest

    from tests.conftest import require_tool


    @pytest.fixture
    def program():
        return require_tool({MISSING!r}, {HINT!r}, "The program")


    def test_needs_the_program(program):
        pass
    """
)


@pytest.mark.parametrize(
    ("ci", "returncode", "outcome"), [("true", 1, "1 error"), ("", 0, "1 skipped")]
)
def test_a_pytest_run_fails_under_ci_and_passes_skipping_outside(tmp_path, ci, returncode, outcome):
    """The whole run, as CI sees it: its exit code."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {**os.environ, "CI": ci}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            str(probe),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == returncode, output
    assert outcome in output, output
    assert f"The program is missing: {HINT}" in output
