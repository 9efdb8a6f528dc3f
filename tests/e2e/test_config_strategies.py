"""Issue 6: each configuration strategy, in a real systemd, with the real test release.

The rendered scripts are installed by the project's install script, as every e2e service is
(deploy.install runs what copier's message says): root-owned, 0755, in scripts_dir.
The `aws` CLI is the stub from tests/fixtures/aws-stub,
installed as /usr/local/bin/aws inside the box and driven by variables in the
deploy dir's environment file; jq is the real one. Everything runs under the
default hardening (standard).
"""

from __future__ import annotations

import contextlib
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from unit_template.distribution import release_environment

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STUB = FIXTURES / "aws-stub" / "aws"
SSM_JSON = FIXTURES / "ssm" / "parameters.json"
AWS_INSTANCE_DATA = FIXTURES / "cloud-init" / "aws.json"
UNKNOWN_INSTANCE_DATA = FIXTURES / "cloud-init" / "unknown-cloud.json"
SECRET = "correct horse battery staple"
BASE = {"systemd_version": 252}


def install_aws_stub(box) -> None:
    box.write_file("/usr/local/bin/aws", STUB.read_text(), "0755")


def write_bootstrap(box, service, settings: dict[str, str]) -> None:
    """<deploy_dir>/etc/environment, the file the S3 and SSM scripts read their settings from."""
    lines = "".join(f"{key}={value}\n" for key, value in settings.items())
    box.write_file(f"{service.values['deploy_dir']}/etc/environment", lines, "0640")


def configuration_dir(service) -> str:
    return service.values["configuration_dir"]


def app_user_can_write(box, service, path: str) -> bool:
    """Outside any sandbox, as the app user: only file permissions decide."""
    probe = f"{path}/app-user-write-probe"
    done = box.run(["runuser", "-u", service.values["app_user"], "--", "sh", "-c", f"echo x >{shlex.quote(probe)}"], check=False)
    return done.ok()


def rpc(box, service, expression: str) -> str:
    """Evaluate Elixir inside the running VM (so as the app user, in its sandbox) and return what it printed."""
    done = box.run(
        [f"{service.values['current_dir']}/bin/{service.values['release_name']}", "rpc", expression],
        env={**release_environment(service.values, remote=True), "RELEASE_TMP": "/tmp"},
        timeout=60,
    )
    return done.stdout


def stat(box, path: str) -> str:
    return box.run(["stat", "-c", "%U:%G %a", path]).stdout.strip()


# --- environment_file --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def envfile_service(deploy, box):
    service = deploy.scenario("cfg-envfile", {**BASE, "config_strategies": ["environment_file"]})
    directory = configuration_dir(service)
    box.sh(f"install -d -m 0750 -o root -g {service.values['app_group']} {directory}")
    box.write_file(f"{directory}/environment", 'E2E_CONFIG_VALUE="from the environment file"\n', "0640")
    service.start()
    return service


def test_environment_file_value_reaches_the_vm(envfile_service):
    assert envfile_service.info()["env"].get("E2E_CONFIG_VALUE") == "from the environment file"


def test_environment_file_app_user_cannot_write_the_configuration(envfile_service, box):
    assert not app_user_can_write(box, envfile_service, configuration_dir(envfile_service))


def test_environment_file_vm_cannot_write_the_configuration_dir(envfile_service):
    answer = envfile_service.get("/write/CONFIGURATION_DIR")
    assert answer["result"] != ":ok"


# --- s3_sync -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_service(deploy, box):
    service = deploy.scenario("cfg-s3", {**BASE, "config_strategies": ["environment_file", "s3_sync"]})
    install_aws_stub(box)
    bucket = "/var/lib/fake-s3/acme-config/prod"
    box.write_file(f"{bucket}/environment", 'E2E_S3_VALUE="synced from S3"\n')
    box.write_file(f"{bucket}/nested/settings.toml", "pool_size = 15\n")
    write_bootstrap(
        box,
        service,
        {
            "CONFIG_S3_BUCKET": "acme-config",
            "CONFIG_S3_PREFIX": "prod/",
            "AWS_STUB_S3_DIR": bucket,
            "AWS_STUB_LOG": "/var/log/aws-stub-s3.log",
        },
    )
    service.start()
    return service


def test_s3_sync_value_reaches_the_vm(s3_service):
    assert s3_service.info()["env"].get("E2E_S3_VALUE") == "synced from S3"


def test_s3_sync_called_aws_with_the_bucket_prefix_from_the_deploy_dir_file(s3_service, box):
    call = box.read_file("/var/log/aws-stub-s3.log").splitlines()
    assert call[:5] == ["s3", "sync", "--exact-timestamps", "--no-progress", "s3://acme-config/prod/"]


def test_s3_sync_files_are_root_app_group_0640(s3_service, box):
    group = s3_service.values["app_group"]
    directory = configuration_dir(s3_service)
    assert [stat(box, f"{directory}/{name}") for name in ("environment", "nested/settings.toml")] == [f"root:{group} 640"] * 2


def test_s3_sync_app_user_cannot_write_the_configuration(s3_service, box):
    assert not app_user_can_write(box, s3_service, f"{configuration_dir(s3_service)}/nested")


def test_s3_sync_vm_cannot_write_the_configuration_dir(s3_service):
    assert s3_service.get("/write/CONFIGURATION_DIR")["result"] != ":ok"


# --- ssm ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ssm_service(deploy, box):
    service = deploy.scenario("cfg-ssm", {**BASE, "config_strategies": ["ssm"]})
    install_aws_stub(box)
    box.write_file("/var/lib/fake-ssm/parameters.json", SSM_JSON.read_text())
    write_bootstrap(
        box,
        service,
        {
            "CONFIG_SSM_PATH": "/probe/prod/",
            "AWS_STUB_SSM_JSON": "/var/lib/fake-ssm/parameters.json",
            "AWS_STUB_LOG": "/var/log/aws-stub-ssm.log",
        },
    )
    service.start()
    return service


def test_ssm_json_is_readable_by_the_vm(ssm_service, box):
    printed = rpc(box, ssm_service, 'IO.write(File.read!(Path.join(System.fetch_env!("CONFIGURATION_DIR"), "ssm.json")))')
    assert json.loads(printed) == json.loads(SSM_JSON.read_text())


def test_ssm_release_tmp_is_the_runtime_dir(ssm_service):
    assert ssm_service.info()["env"].get("RELEASE_TMP") == ssm_service.values["runtime_dir"]


def test_ssm_json_is_root_app_group_0640(ssm_service, box):
    path = f"{configuration_dir(ssm_service)}/ssm.json"
    assert stat(box, path) == f"root:{ssm_service.values['app_group']} 640"


def test_ssm_app_user_cannot_write_the_configuration(ssm_service, box):
    assert not app_user_can_write(box, ssm_service, configuration_dir(ssm_service))


# --- cloud_init --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cloud_service(deploy, box):
    box.write_file("/run/cloud-init/instance-data.json", AWS_INSTANCE_DATA.read_text())
    service = deploy.scenario("cfg-cloud", {**BASE, "config_strategies": ["cloud_init"]})
    service.start()
    return service


def test_cloud_init_node_name_reaches_release_node(cloud_service):
    assert cloud_service.info()["env"].get("RELEASE_NODE") == "e2e_probe@172.31.20.7"


def test_cloud_init_vm_runs_as_that_node(cloud_service):
    assert cloud_service.info()["node"] == "e2e_probe@172.31.20.7"


def test_cloud_init_ip_and_region_reach_the_vm(cloud_service):
    env = cloud_service.info()["env"]
    assert (env.get("DEFAULT_IPV4"), env.get("AWS_REGION")) == ("172.31.20.7", "eu-central-1")


def oneshot_started(box, service) -> int:
    unit = f"{service.name}-runtime-environment.service"
    return int(box.show(unit, "ExecMainStartTimestampMonotonic")["ExecMainStartTimestampMonotonic"])


def test_cloud_init_oneshot_runs_again_when_the_vm_is_restarted_after_a_crash(cloud_service, box):
    before, old_pid = oneshot_started(box, cloud_service), cloud_service.main_pid()
    with contextlib.suppress(OSError):
        cloud_service.get("/crash")
    info, _ = cloud_service.wait_http(timeout=30, not_pid=old_pid)
    assert oneshot_started(box, cloud_service) > before
    assert info["env"].get("RELEASE_NODE") == "e2e_probe@172.31.20.7"


def test_cloud_init_on_an_unknown_cloud_keeps_the_service_from_starting(deploy, box):
    data = "/run/cloud-init-unknown/instance-data.json"
    box.write_file(data, UNKNOWN_INSTANCE_DATA.read_text())
    service = deploy.scenario(
        "cfg-cloud-unknown",
        {**BASE, "config_strategies": ["cloud_init"], "env_vars": [f"CLOUD_INIT_INSTANCE_DATA={data}"]},
    )
    box.systemctl("start", service.unit, check=False, timeout=60)
    state = box.systemctl("is-active", service.unit, check=False).stdout.strip()
    refused = "cloud 'nocloud' is not supported (aws, digitalocean)"
    journal = box.journal_showing(f"{service.name}-runtime-environment.service", refused)
    assert state != "active"
    assert refused in journal


# --- credentials -------------------------------------------------------------------------------


def share_run_mounts(box) -> None:
    """LoadCredential= builds the credentials in a child mount namespace and relies on /run
    propagating the mount back, as it does on a booted machine (systemd makes / shared,
    except in a container, where the container manager does it). The box leaves every mount
    private, so the credentials directory came out empty; share /run inside the box only."""
    box.run(["mount", "--make-shared", "/run"])


@pytest.fixture(scope="module")
def credential_service(deploy, box):
    share_run_mounts(box)
    service = deploy.scenario("cfg-cred", {**BASE, "config_strategies": ["credentials"], "credentials": ["db_password"]})
    directory = configuration_dir(service)
    box.sh(f"install -d -m 0750 -o root -g root {directory}")
    box.write_file(f"{directory}/db_password", SECRET, "0600")
    service.start()
    return service


def test_credential_is_readable_by_the_vm_from_credentials_directory(credential_service, box):
    expression = 'IO.write(File.read!(Path.join(System.fetch_env!("CREDENTIALS_DIRECTORY"), "db_password")))'
    assert rpc(box, credential_service, expression) == SECRET


def test_credential_is_not_in_systemctl_show_environment(credential_service):
    shown: dict[str, Any] = credential_service.show("Environment")
    assert shown["Environment"] and SECRET not in shown["Environment"]


def test_credential_is_not_in_the_vm_environment(credential_service):
    env = credential_service.info()["env"]
    assert SECRET not in json.dumps(env)


def test_credential_source_is_not_writable_by_the_app_user(credential_service, box):
    assert not app_user_can_write(box, credential_service, configuration_dir(credential_service))
