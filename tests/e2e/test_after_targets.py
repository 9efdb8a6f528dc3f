"""Scenario 9: unit_after_targets end up in After= as systemd loads the unit."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

TARGETS = ["network-online.target", "time-sync.target"]


def test_unit_after_targets_are_in_loaded_after(deploy):
    service = deploy.scenario("after", {"unit_after_targets": TARGETS})
    after = service.show("After")["After"].split()
    assert set(TARGETS) <= set(after)
