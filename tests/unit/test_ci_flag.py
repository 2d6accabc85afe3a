"""`CI=1` counts like `CI=true`: CI providers disagree on the value, and a missing service
must fail the run on every one of them, never skip into a green result."""

import os
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from tests.databases import ci_flag
from tests.processes import ROOT

SAID_YES = ("true", "1", "yes")


@st.composite
def any_case(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(SAID_YES))
    upper = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if up else c for c, up in zip(word, upper, strict=True))


@given(any_case(), st.sampled_from(["", " ", "\n"]))
def test_true_one_and_yes_in_any_case_mean_ci(value: str, padding: str) -> None:
    assert ci_flag(padding + value + padding)


@given(st.text())
def test_anything_else_means_not_ci(value: str) -> None:
    assert ci_flag(value) == (value.strip().lower() in SAID_YES)
    assert not ci_flag(None)


def in_ci_seen_by_a_fresh_process(value: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from tests.databases import IN_CI; print(IN_CI)"],
        cwd=ROOT,
        env={**os.environ, "CI": value},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_a_test_run_under_ci_1_fails_on_missing_services_like_ci_true() -> None:
    assert in_ci_seen_by_a_fresh_process("1") == "True"
    assert in_ci_seen_by_a_fresh_process("true") == "True"
    assert in_ci_seen_by_a_fresh_process("0") == "False"
