"""Round trip through the booted systemd: generated answers for every kind of option,
rendered with the real copier, each refused cleanly or loaded and read back over D-Bus
(`busctl --json`) equal to the value given, with no warning from systemd about its unit.

Hypothesis draws the answers (fixed seed, no database: the roundtrip profile of
tests/roundtrip_cases.py); the first test renders them, the second loads every
rendered unit into the box with one daemon-reload and reads each back.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from roundtrip_cases import OPTION_CASES, Outcome, case, refused_cleanly, render_case, with_explicit_examples

from unit_template.option import is_unset

pytestmark = pytest.mark.e2e

EXAMPLES = 100
OUTCOMES: list[Outcome] = []
UNIT_DIR = "/etc/systemd/system"


def service_name(index: int) -> str:
    return f"rt-{index}"


@settings(settings.get_profile("roundtrip"), max_examples=EXAMPLES)
@with_explicit_examples
@given(case)
def test_generated_answers_are_refused_cleanly_or_rendered(e2e_ready, option_and_value):
    option, value = option_and_value
    outcome = render_case(option, value, service_name(len(OUTCOMES)))
    assert outcome.refused is None or refused_cleanly(outcome), outcome.refused
    OUTCOMES.append(outcome)


def bus_path(unit: str) -> str:
    """systemd's object path of a unit: every byte but [A-Za-z0-9] as _xx."""
    return "/org/freedesktop/systemd1/unit/" + "".join(
        c if c.isascii() and c.isalnum() else "".join(f"_{b:02x}" for b in c.encode()) for c in unit
    )


def test_rendered_units_load_and_read_back_as_given(box):
    rendered = [(i, o) for i, o in enumerate(OUTCOMES) if o.unit_text is not None]
    assert rendered, "the first test rendered nothing"
    started = time.monotonic()
    for index, outcome in rendered:
        box.write_file(f"{UNIT_DIR}/{service_name(index)}.service", outcome.unit_text or "")
    box.systemctl("daemon-reload")
    log = box.run(["journalctl", "--no-pager", "-o", "cat", "_PID=1"]).stdout
    mismatches = []
    read_back: dict[str, int] = {}
    for index, outcome in rendered:
        unit = f"{service_name(index)}.service"
        warnings = [line for line in log.splitlines() if f"{UNIT_DIR}/{unit}:" in line]
        state = box.show(unit, "LoadState")["LoadState"]
        if warnings or state != "loaded":
            mismatches.append((outcome.option, outcome.given, state, warnings))
            continue
        if is_unset(outcome.value):
            continue  # null or empty: the default, which other tests check
        readback = OPTION_CASES[outcome.option][2]
        reply = box.run(
            [
                "busctl",
                "--json=short",
                "get-property",
                "org.freedesktop.systemd1",
                bus_path(unit),
                f"org.freedesktop.systemd1.{readback.interface}",
                readback.prop,
            ]
        ).stdout
        data = json.loads(reply)["data"]
        if not readback.check(outcome.value, data):
            mismatches.append((outcome.option, outcome.given, readback.prop, data))
        read_back[outcome.option] = read_back.get(outcome.option, 0) + 1
    refused = len(OUTCOMES) - len(rendered)
    print(
        f"\nroundtrip: {len(OUTCOMES)} generated answers, {refused} refused cleanly, {len(rendered)} loaded "
        f"and read back in {time.monotonic() - started:.1f}s; read back per option: {dict(sorted(read_back.items()))}"
    )
    assert sorted(read_back) == sorted(OPTION_CASES), "every option is read back at least once"
    assert mismatches == [], "\n".join(map(repr, mismatches))
