"""A new user's interactive `copier copy`, driven in a pseudo-terminal like a person would."""

from __future__ import annotations

from pathlib import Path

import pexpect
import yaml

from rendering import OUTPUT_DIR, unit_file, values_of, write_mix_exs
from terminal import CLEAR_LINE, PROMPT, spawn_copy

PROMPTS = {
    "base_dir": "Base directory for apps on the server",
    "env_vars": "Environment= entries NAME=value",
}
VALIDATOR_ERROR = "must be an absolute path"


def answer(child: pexpect.spawn, text: str) -> None:
    child.send(CLEAR_LINE + text)
    child.send("\r")


def test_new_user_answers_the_prompts_and_a_wrong_base_dir_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    child = spawn_copy(dst)
    refused = False
    last_help = ""
    while True:
        index = child.expect([pexpect.EOF, PROMPT, VALIDATOR_ERROR])
        if index == 0:
            break
        if index == 2:
            if not refused:  # the message can be drawn more than once
                refused = True
                answer(child, "/opt")
            continue
        help_text = child.match.group(1).strip()
        if help_text == last_help:
            continue  # the same question, drawn again
        last_help = help_text
        if help_text.startswith(PROMPTS["base_dir"]):
            answer(child, "srv")  # a relative path: the validator refuses it
        elif help_text.startswith(PROMPTS["env_vars"]):
            answer(child, '["PORT=4000"]')
        else:
            child.send("\r")  # accept the default
    child.close()
    child.logfile_read.close()

    assert refused, (tmp_path / "terminal.log").read_text()
    assert child.exitstatus == 0, (tmp_path / "terminal.log").read_text()
    answers = yaml.safe_load((dst / ".copier-answers.systemd.yml").read_text())
    assert answers["base_dir"] == "/opt"
    assert answers["env_vars"] == ["PORT=4000"]
    unit = unit_file(dst)
    assert values_of(unit, "WorkingDirectory") == ["/opt/foo-bar/current"]
    assert "PORT=4000" in values_of(unit, "Environment")
    assert (dst / OUTPUT_DIR / "foo-bar.service").is_file()
