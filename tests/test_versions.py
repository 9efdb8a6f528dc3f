"""systemd_version follows the answers: the lowest version that has everything asked for."""

from __future__ import annotations

import pytest

from unit_template.resolve import OptionError, resolve
from unit_template.units import unit_view
from unit_template.versions import FLOOR, REQUIREMENTS, lowest_version

BASE = {"app_name": "foo_bar"}


@pytest.mark.parametrize(
    ("answers", "version"),
    [
        ({}, FLOOR),
        ({"service_type": "exec"}, 240),
        ({"hardening": "strict"}, 247),
        ({"config_strategies": ["credentials"], "credentials": ["db_password"]}, 247),
        ({"config_strategies": ["s3_sync"]}, FLOOR),
        ({"service_type": "exec", "hardening": "paranoia"}, 240),
        ({"exec_stop": ":/bin/echo $MAINPID"}, 242),
        ({"exec_start_pre": ["-:/bin/echo ${HOME}"]}, 242),
        ({"exec_start_pre": [["-", ":deploy_dir", "/bin/sync"]]}, FLOOR),
    ],
)
def test_the_derived_version_is_the_lowest_that_has_everything_asked_for(answers, version) -> None:
    assert resolve({**BASE, **answers})["systemd_version"] == version


def test_every_row_raises_the_derived_version_to_its_own() -> None:
    assert all(row.version >= 200 for row in REQUIREMENTS)
    values = {"service_type": "exec", "hardening": "strict", "config_strategies": ["credentials", "ssm"]}
    values |= {"credentials": ["db_password"], "exec_stop": ":/bin/true"}
    assert lowest_version(resolve({**BASE, **values})) == max(row.version for row in REQUIREMENTS)


def test_service_type_exec_with_no_version_renders(render) -> None:
    dst = render({"service_type": "exec"})
    text = (dst / "rel/systemd/lib/systemd/system/foo-bar.service").read_text()
    assert "Type=exec" in text.splitlines()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"service_type": "exec", "systemd_version": 239}, "exec needs systemd_version 240"),
        (
            {"config_strategies": ["credentials"], "credentials": ["db_password"], "systemd_version": 246},
            "LoadCredential=, which needs systemd_version >= 247",
        ),
        ({"exec_stop": ":/bin/echo $MAINPID", "systemd_version": 241}, "prefix :, which systemd knows since version 242"),
    ],
)
def test_an_answered_version_too_low_for_a_feature_is_refused_naming_it(answers, message) -> None:
    with pytest.raises(OptionError, match=message):
        unit_view({**BASE, **answers})
