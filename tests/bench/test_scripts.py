"""The benchmarks stay runnable programs that install nothing.

They are not run in full here (minutes each, on a quiet machine); what is checked is what
breaks silently when the code they drive moves: every script starts and parses its options,
the one that needs no server runs end to end, and a missing tool is named, not installed.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ROOT

BENCH = ROOT / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))
PACKAGE_MANAGERS = {"apt", "apt-get", "aptitude", "dpkg", "dnf", "yum", "apk", "brew", "pip"}


def run_script(
    script: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def program_names(path: Path) -> set[str]:
    """String constants that could name a program to run: whole words, not messages."""
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " not in node.value
    }


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_benchmark_starts_and_describes_its_options(script: Path) -> None:
    done = run_script(script, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")


def test_no_benchmark_runs_a_package_manager() -> None:
    modules = [*BENCH.glob("*.py"), *BENCH.glob("support/*.py")]
    assert modules
    for module in modules:
        assert program_names(module) & PACKAGE_MANAGERS == set(), module


def test_a_missing_load_generator_is_named_with_its_package_not_installed(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no wrk, no apt-get
    done = run_script(BENCH / "consent_writes.py", "--load-generator", "wrk", env=env)
    assert done.returncode != 0
    assert "`wrk`" in done.stderr
    assert "apt-get install wrk" in done.stderr
    assert "created database" not in done.stderr


def test_the_rendering_benchmark_measures_composition_and_validation() -> None:
    done = run_script(BENCH / "rendering.py", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 5
    assert all(line.rstrip().endswith("ms") for line in lines)
    assert lines[-1].startswith("validating one version")
