"""Generated answers for every kind of option, rendered with the real copier (in-process):
each is refused cleanly (a UserMessageError naming the option, nothing written) or
rendered; never a traceback. tests/e2e/test_roundtrip.py reads the rendered ones back
from the booted systemd."""

from __future__ import annotations

from hypothesis import given, settings
from roundtrip_cases import case, refused_cleanly, render_case

COUNTS = {"refused": 0, "rendered": 0}


@settings(settings.get_profile("roundtrip"), max_examples=60)
@given(case)
def test_every_generated_answer_is_refused_cleanly_or_rendered(option_and_value):
    option, value = option_and_value
    outcome = render_case(option, value, "rt-unit")
    assert outcome.refused is None or refused_cleanly(outcome), outcome.refused
    COUNTS["refused" if outcome.refused else "rendered"] += 1
    print(f"roundtrip (render only): {COUNTS}")
