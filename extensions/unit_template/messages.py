"""What copier prints after a copy or an update: every file written, the install steps
(from the install plan, install.py), the exposure score."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .distribution import COOKIE_VARIABLE, cluster_cookie_source
from .install import ANSWERS_FILE, Command, Plan, install_plan, moved_dirs, removed_units, shell_line
from .manifest import files
from .mix_project import only_release_built

OVERALL = re.compile(r"Overall exposure level for \S+: (\d+(?:\.\d+)?) (\w+)")
# Only reads: also finds a file the update created (a renamed unit), and leaves git's conflict entries alone.
CONFLICT_CHECK = "git grep -l --untracked -e '^<<<<<<< '"
REJECTS_CHECK = "git status --porcelain | grep '\\.rej$'"  # copier update --conflict rej: no markers, *.rej files
PRETENDED = "--pretend: nothing was written. Without it, copier would write these files:"
RESTART_AFTER_SECRETS = "Then, with the secrets written, restart the service:"


def main_unit(view: Mapping[str, Any]) -> str:
    return files(view)["main_unit"]


def sudo(commands: tuple[Command, ...] | list[Command]) -> list[str]:
    return [f"sudo {shell_line(command)}" for command in commands]


def parse_exposure(report: str) -> str:
    """`4.2 OK` from systemd-analyze security's last line, or ""."""
    match = OVERALL.search(report)
    return f"{match.group(1)} {match.group(2)}" if match else ""


def exposure(unit: Path, tool: str = "systemd-analyze") -> str:
    """The unit's overall exposure, scored offline; "" when the tool is missing or fails."""
    executable = shutil.which(tool)
    if executable is None or not unit.is_file():
        return ""
    try:
        result = subprocess.run(
            [executable, "security", "--offline=yes", "--no-pager", str(unit)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return parse_exposure(result.stdout + result.stderr)


def as_committed(project: Path, paths: tuple[str, ...]) -> bool:
    """Whether git has each of these files committed and unchanged; False when git cannot tell."""
    if not paths or not all((project / path).is_file() for path in paths):
        return False
    try:
        result = subprocess.run(
            ["git", "-C", str(project), "status", "--porcelain", "--ignored", "--untracked-files=all", "--", *paths],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and not result.stdout.strip()


def exposure_line(view: Mapping[str, Any], project: Path, pretend: bool = False) -> str:
    if pretend:
        return "Exposure: not scored (--pretend wrote no unit to score)."
    score = exposure(project / main_unit(view))
    if not score:
        return "Exposure: install systemd-analyze to score it (systemd-analyze security --offline=yes)."
    return f"Exposure of {view['service_name']}.service (systemd-analyze security --offline=yes): {score}"


def indented(lines: list[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)


def secrets_lines(plan: Plan) -> list[str]:
    if not plan.credential_files:
        return []
    return [
        "Write each secret into its file before the first start (the steps leave an empty, root-only file):",
        indented([f"sudoedit {path}" for path in plan.credential_files]),
    ]


def cookie_lines(view: Mapping[str, Any]) -> list[str]:
    """distribution cluster with the environment_file strategy: the unit refuses to start until the
    environment file holds the cluster's cookie (docs/distribution.md)."""
    if view["distribution"] != "cluster" or cluster_cookie_source(view) != "environment_file":
        return []
    environment = f"{view['configuration_dir']}/environment"
    return [
        f"Put {COOKIE_VARIABLE}=<the cluster's cookie, the same on every node> into {environment} before the first start",
        "(distribution cluster: the service refuses to start without it):",
        indented([f"sudoedit {environment}"]),
    ]


def switch_lines(view: Mapping[str, Any], plan: Plan, previous: Mapping[str, Any]) -> list[str]:
    """After a rename: what moves where, and when the old service stops."""
    old, new = previous["service_name"], view["service_name"]
    moves = moved_dirs(view, previous)
    copied = [f"{o} to {n}" for name, o, n in moves if name == "configuration"]
    moved = [f"{o} to {n}" for name, o, n in moves if name != "configuration"]
    cookie = " (with the node's cookie)" if view.get("node_script") and any(name == "state" for name, _, _ in moves) else ""
    stale = next(command[2:] for command in plan.retire if command[:2] == ("rm", "-f"))
    return [
        f"The service is renamed from {old} to {new}. The install script (or the steps) on the server:",
        indented(
            [
                *(
                    f"copies the configuration (environment file, secrets) from {c} where a file is missing or empty; "
                    f"the old dir is kept"
                    for c in copied
                ),
                f"installs {new}, and refuses before stopping {old} if a secret of {new} is still empty;",
                f"stops and disables {old}" + ("; then moves " + ", ".join(moved) + cookie if moved else "") + ";",
                f"starts {new}; the script brings {old} back (and the dirs) if {new} does not stay up, and exits 1;",
                f"once {new} runs, removes {old}'s files: {' '.join(stale)}",
            ]
        ),
    ]


def bring_back_lines(view: Mapping[str, Any], plan: Plan, previous: Mapping[str, Any] | None) -> list[str]:
    """For the steps run by hand: what the script does when the renamed service does not stay up."""
    if not plan.bring_back or not previous:
        return []
    return [
        f"If {view['service_name']} does not stay up (systemctl status {view['service_name']}), "
        f"before the last two steps bring {previous['service_name']} back:",
        indented(sudo(plan.bring_back)),
    ]


def rename_lines(view: Mapping[str, Any], plan: Plan, previous: Mapping[str, Any] | None) -> list[str]:
    lines = []
    if plan.stop_old and previous:
        lines += switch_lines(view, plan, previous)
    if plan.remove_old and previous:
        units = removed_units(view, previous)
        if units:
            what = "Units are gone: the steps stop, disable and remove the old ones first"
        elif plan.move_release:
            what = "The scripts moved with the deploy dir: the steps remove the old copies first"
        elif all(path.startswith(f"{previous['scripts_dir']}/") for path in plan.old_units):
            what = "Scripts are gone: the steps remove the old ones first"
        else:
            what = "Files are gone: the steps remove the old ones first"
        lines.append(f"{what} ({', '.join(plan.old_units)}).")
    if plan.socket_changed and previous:
        lines.append(
            f"{view['socket_unit']} listens on {', '.join(view['listen_streams'])} now: systemd opens new addresses "
            f"only with a new socket, so the steps stop {view['service_name']}.service with it, then start both "
            "(connections are refused for that moment)."
        )
    if plan.move_release and previous:
        lines.append(
            f"The deploy dir moved from {previous['deploy_dir']} to {view['deploy_dir']}: the steps move the releases "
            f"into {view['releases_dir']} and point {view['current_dir']} at the one running now."
        )
    return lines


def restart_flag_lines(view: Mapping[str, Any]) -> list[str]:
    if view["restart_method"] != "systemd_flag":
        return []
    who = (
        f"as {view['deploy_user']} (no sudo; it may do nothing else)"
        if view.get("deploy_user")
        else (f"as a member of {view['app_group']} (no deploy_user given)")
    )
    # The deploy script restarts the service itself; the flag is for restarts between deploys.
    return [f"To restart it (a new configuration, a release put in place by hand), touch {view['restart_flag']} {who}."]


def script_line(view: Mapping[str, Any]) -> str:
    return f"sudo {view['install_script']}"


SCRIPT_NOTE = "(add --dry-run to print its commands and change nothing)"


def deploy_lines(view: Mapping[str, Any]) -> list[str]:
    """The deploy script does the unpacking, switching and (re)starting, for the first release and every later one.
    The command runs as printed where the tarball is: it takes the newest of the release's tarballs there."""
    if not view["deploy_script"]:
        return []
    newest = shlex.quote(f"{view['release_name']}-") + "*.tar.gz"
    return [
        "Or let the deploy script do it, for this release and every later one (it rolls back a release that fails),",
        f"in the directory you copied the release's tarball ({view['release_name']}-<version>.tar.gz) to:",
        indented([f'sudo {view["scripts_dir"]}/deploy "$(ls -t {newest} | head -n 1)"']),
    ]


# The template's own documentation: what the app must do for some answers.
DOCS_URL = "https://github.com/org/unit-template/blob/main/docs"
APP_SIDE_DOCS = {
    "notify": "readiness.md#what-the-app-must-do",
    "listen_sockets": "restarts-and-deploys.md#the-app-side",
    "credentials": "configuration.md#credentials-secrets-through-systemd-credentials",
}


def open_node_lines(view: Mapping[str, Any]) -> list[str]:
    """distribution release (mix_systemd's way; the default with cloud_init or an import): the node is
    open to other hosts, with the cookie every copy of the tarball holds."""
    if view["distribution"] != "release":
        return []
    return [
        "WARNING: distribution release: epmd (port 4369) and the node listen on every interface, with the"
        " release's build-time cookie (releases/COOKIE, in every copy of the tarball). Close them on the"
        " firewall, or answer distribution: local (this host only) or cluster:"
        f" {DOCS_URL}/distribution.md"
    ]


def app_side_lines(view: Mapping[str, Any]) -> list[str]:
    """What the app itself must do for these answers, each with the section of the docs that shows how."""
    lines = []
    if view["service_type"] == "notify":
        watchdog = f", then WATCHDOG=1 at least every {view['watchdog_sec']}" if view.get("watchdog_sec") else ""
        timeout = view.get("timeout_start_sec") or "90s"
        lines.append(
            f"- service_type notify: send READY=1 to $NOTIFY_SOCKET once it serves{watchdog}; until then"
            f" `systemctl start` waits (at most TimeoutStartSec, {timeout}), then fails:"
            f" {DOCS_URL}/{APP_SIDE_DOCS['notify']}"
        )
    if view.get("listen_sockets"):
        lines.append(
            f"- listen_sockets: accept on the socket systemd passes as fd 3 (LISTEN_FDS), with port 0, instead of"
            f" binding {', '.join(view['listen_sockets'])} itself: {DOCS_URL}/{APP_SIDE_DOCS['listen_sockets']}"
        )
    if view.get("load_credentials"):
        names = ", ".join(name for name, _ in view["load_credentials"])
        lines.append(
            f"- credentials: read each secret ({names}) from the file of that name in $CREDENTIALS_DIRECTORY,"
            f" trimming a final newline: {DOCS_URL}/{APP_SIDE_DOCS['credentials']}"
        )
    return ["Your app must do its part for these answers:", *lines] if lines else []


def left_behind(view: Mapping[str, Any], project: Path, previous: Mapping[str, Any]) -> list[str]:
    """The files the earlier answers wrote that these no longer write, still in the project:
    copier update removes them, copier copy and recopy remove nothing."""
    now = set(files(view).values())
    return sorted(path for path in files(previous).values() if path and path not in now and (project / path).is_file())


def removed_files(view: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[str]:
    """The files the earlier answers wrote that these no longer write: copier update removes them."""
    if previous is None:
        return []
    now = set(files(view).values())
    return sorted(path for path in files(previous).values() if path and path not in now)


def left_behind_lines(view: Mapping[str, Any], project: Path, previous: Mapping[str, Any]) -> list[str]:
    paths = left_behind(view, project, previous)
    if not paths:
        return []
    return [
        "Files of the earlier answers that this copy no longer writes are still in the project (copier copy removes none):",
        indented([f"git rm -- {shlex.join(paths)}"]),
    ]


def release_lines(view: Mapping[str, Any], project: Path, answers_file: str = ANSWERS_FILE) -> list[str]:
    """A warning when the unit runs a release this project's mix.exs does not build, and the update that fixes it."""
    built = only_release_built(project) if view["release_system"] == "mix" else ""
    release = view["release_name"]
    if not built or built == release:
        return []
    renames = f"--data app_name={built}, which renames the service and its paths too, " if view["app_name"] != built else ""
    return [
        f"WARNING: the unit runs bin/{release}, but `mix release` builds bin/{built} here (mix.exs: app: :{built},",
        "no releases), so the deploy script would refuse its tarball. To run the release mix builds, commit, then:",
        indented([f"copier update --trust --defaults -a {answers_file} --data release_name={built}"]),
        f"({renames}or add a {release} release to mix.exs).",
    ]


def written_head(done: str, pretend: bool) -> str:
    """The message's first line: what was written, or (copier --pretend) that nothing was."""
    return PRETENDED if pretend else done


def after_copy(
    view: Mapping[str, Any],
    project: Path,
    previous: Mapping[str, Any] | None = None,
    *,
    pretend: bool = False,
    answers_file: str = ANSWERS_FILE,
) -> str:
    if previous is not None:
        # Over an earlier copy whose answers were committed (a copy again, copier recopy): a server runs
        # that copy's service, which the install script restarts or replaces as after an update.
        return after_update(view, project, previous, over_copy=True, pretend=pretend, answers_file=answers_file)
    plan = install_plan(view, previous, answers_file)
    before = plan.installing()
    wrote = f"Wrote the systemd units of {view['app_name']} ({view['hardening']} hardening) and their files:"
    return "\n".join(
        [
            written_head(wrote, pretend),
            indented(list(plan.written)),
            exposure_line(view, project, pretend),
            *release_lines(view, project, answers_file),
            *view["hardening_notes"],
            *open_node_lines(view),
            *app_side_lines(view),
            "Next: review and commit them. On the server, from a checkout of this project,",
            f"run the install script {SCRIPT_NOTE}:",
            indented([script_line(view)]),
            "or these steps (the same commands):",
            indented(sudo(before)),
            *secrets_lines(plan),
            *cookie_lines(view),
            f"Then unpack a release into {view['releases_dir']}/<version>, point {view['current_dir']} at it, and start:",
            indented(sudo(plan.start)),
            f"(or run {view['install_script']} again: it starts the service once the release is there)",
            *deploy_lines(view),
            *restart_flag_lines(view),
            *view["directory_notes"],
            "Later template versions, in this project:",
            indented([f"copier update --trust -a {shlex.quote(answers_file)}"]),
        ]
    )


def after_update(
    view: Mapping[str, Any],
    project: Path,
    previous: Mapping[str, Any] | None = None,
    *,
    over_copy: bool = False,
    pretend: bool = False,
    answers_file: str = ANSWERS_FILE,
    conflict: str = "inline",
    pretended_unchanged: bool = False,
) -> str:
    """`pretended_unchanged`: with --pretend, the files the update would write are the project's already."""
    plan = install_plan(view, previous, answers_file)
    # The answers file changes with each version (_commit): only the files the server gets count.
    committed = not pretend and as_committed(project, tuple(p for p in plan.written if p != answers_file))
    if not over_copy and (committed or pretended_unchanged):
        # Following the usual steps would restart the service for nothing.
        unchanged = (
            f"--pretend: nothing was written. This update would change none of the files of {view['app_name']}: "
            "the server would need nothing, no reinstall, no restart."
            if pretend
            else f"This update changed none of the files of {view['app_name']}: "
            "the server needs nothing, no reinstall, no restart."
        )
        return "\n".join([unchanged, *release_lines(view, project, answers_file)])
    removed: list[str] = []
    if over_copy and previous is not None:
        head = f"Wrote the systemd units of {view['app_name']} ({view['hardening']} hardening) over the earlier copy's:"
        review = left_behind_lines(view, project, previous)
    else:
        head = f"Updated the systemd units of {view['app_name']} and their files:"
        gone = removed_files(view, previous)
        if gone:
            did = "It would remove" if pretend else "It removed"
            removed = [f"{did} the files these answers no longer write:", indented(gone)]
        review = (
            ["Before committing, list the *.rej files of your edits that clash:", indented([REJECTS_CHECK])]
            if conflict == "rej"
            else ["Before committing, list the files left with conflict markers:", indented([CONFLICT_CHECK])]
        )
    return "\n".join(
        [
            written_head(head, pretend),
            indented(list(plan.written)),
            *removed,
            exposure_line(view, project, pretend),
            *release_lines(view, project, answers_file),
            *view["hardening_notes"],
            *open_node_lines(view),
            *review,
            *rename_lines(view, plan, previous),
            *view["directory_notes"],
            *app_side_lines(view),
            "Then reinstall them on the server and restart the service with them:",
            f"run the install script {SCRIPT_NOTE},",
            indented([script_line(view)]),
            *update_steps(view, plan),
            *bring_back_lines(view, plan, previous),
        ]
    )


def update_steps(view: Mapping[str, Any], plan: Plan) -> list[str]:
    """The steps of an update, the same commands as the script: with secrets to write, the service
    restarts only once they are written (the script stops before the restart while one is empty)."""
    secrets = [*secrets_lines(plan), *cookie_lines(view)]
    if not secrets:
        return ["or these steps (the same commands):", indented(sudo(plan.commands(update=True)))]
    return [
        "or these steps (the same commands):",
        indented(sudo(plan.installing())),
        *secrets,
        RESTART_AFTER_SECRETS,
        indented(sudo(plan.starting(update=True))),
    ]
