"""Typing configuration strategies at copier's interactive prompt, in a pseudo-terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import yaml

from rendering import unit_file, values_of, write_mix_exs
from terminal import CLEAR_LINE, PROMPT, spawn_copy

STRATEGIES_HELP = "config_strategies: How the release gets its configuration and secrets"
CREDENTIALS_HELP = "credentials: Secret files in the configuration dir"
VERSION_HELP = "systemd_version: Oldest systemd on your servers"
MISSPELT_REFUSED = (
    "config_strategies: 'credential' is not a configuration strategy "
    "(pick from environment_file, s3_sync, ssm, cloud_init, credentials)"
)


def answer_prompts(child: pexpect.spawn) -> list[str]:
    """Accept every default except: systemd 252, a misspelt strategy (refused there), then
    environment_file and credentials typed with a comma, one credential name. The help texts seen."""
    seen: list[str] = []
    while child.expect([pexpect.EOF, PROMPT]) == 1:
        help_text = child.match.group(1).strip()
        if seen and seen[-1] == help_text:
            continue  # the same question, drawn again
        seen.append(help_text)
        if help_text.startswith(STRATEGIES_HELP):
            child.send(CLEAR_LINE + "environment_file, credential\r")
            child.expect(re.escape(MISSPELT_REFUSED))
            child.send(CLEAR_LINE + "environment_file, credentials\r")
        elif help_text.startswith(CREDENTIALS_HELP):
            child.send(CLEAR_LINE + "[db_password]\r")
        elif help_text.startswith(VERSION_HELP):
            child.send(CLEAR_LINE + "252\r")
        else:
            child.send("\r")
    return seen


def test_typing_credentials_at_the_prompt_asks_for_names_and_loads_them(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    child = spawn_copy(dst)
    log = tmp_path / "terminal.log"
    seen = answer_prompts(child)
    child.close()
    child.logfile_read.close()

    assert child.exitstatus == 0, log.read_text()
    assert any(text.startswith(CREDENTIALS_HELP) for text in seen), seen
    answers = yaml.safe_load((dst / ".copier-answers.systemd.yml").read_text())
    assert (answers["config_strategies"], answers["credentials"]) == ("environment_file, credentials", "[db_password]")
    assert "-/etc/foo-bar/environment" in values_of(unit_file(dst), "EnvironmentFile")
    assert values_of(unit_file(dst), "LoadCredential") == ["db_password:/etc/foo-bar/db_password"]
