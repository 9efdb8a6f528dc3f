"""The check step: every problem with a whole set of answers, as data (problems.Problem).

The flow runs one way: read the answers, resolve and expand them (resolve.py),
check the whole set (here), build the view (units.view, which assumes checked
input), render. ``checked(answers)`` checks in three stages, each run only when
the one before found nothing (a later stage would read values that are wrong):

1. each answer on its own (validate.answers_problems);
2. the resolution: computed defaults checked as if typed, the unit names, the
   references (an unknown one, or a cycle, ends the stage: nothing can be
   expanded), the values after expansion;
3. the whole set: every check of ``CHECKS``, in its order.

A capability module (distribution, strategies, lifecycle, deploy...) contributes
its check as a function returning ``list[Problem]`` (a module-level
``problems(values)``) and one row of ``CHECKS``, naming the values it reads.
The order of the rows is the order the problems are shown in: a prompt and the
final refusal show the first one first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import deploy, distribution, lifecycle, strategies, system_files
from .options import DIR_NAMES, OPTIONS
from .problems import OptionError, Problem
from .resolve import expand, expand_keys, normalised, reference_name, resolve_sources
from .units import applied, effective_dirs, in_private_tmp, made_writable, managed_directory, profile_lines
from .validate import (
    answers_problems,
    chroot_problems,
    daemon_start_problems,
    derived_problems,
    env_var_problems,
    expanded_problems,
    own_variable_problems,
    path_problems,
    service_type_problems,
    system_dir_problems,
    unit_name_problems,
)

Values = Mapping[str, Any]


def directory_problems(values: Values) -> list[Problem]:
    """A dir the unit or tmpfiles.d creates and chowns must be the app's own (validate.system_dir_problems)."""
    app_dirs = [f"{n}_dir" for n in effective_dirs(values)]
    return system_dir_problems(values, app_dirs + [name for name, _ in system_files.DEPLOY_TREE], app_dirs)


# Where a profile's directives leave nothing the service can write, or PID 1 can read.
READ_ONLY_UNDER_FULL = ("/usr/", "/boot/", "/efi/", "/etc/")
HIDDEN_BY_PROTECT_HOME = ("/home/", "/root/", "/run/user/")


def pid_file_problems(values: Values) -> list[Problem]:
    """forking: the PID file where the sandbox lets the VM write it and systemd read it."""
    if values["service_type"] != "forking":
        return []
    path, lines = values["pid_file"], profile_lines(values)
    if in_private_tmp(path, lines):
        reason, remedy = "is in the service's private /tmp (PrivateTmp=), which systemd does not see", ""
    elif ("ProtectHome", "yes") in lines and path.startswith(HIDDEN_BY_PROTECT_HOME):
        reason, remedy = "is under a home directory, which ProtectHome= hides from the service", ""
    elif ("ProtectSystem", "full") in lines and path.startswith(READ_ONLY_UNDER_FULL):
        reason, remedy = "is in a directory ProtectSystem=full makes read-only for the service", ""
    elif ("ProtectSystem", "strict") in lines and not _writable_under_strict(values, path, lines):
        reason = f"is outside every dir the service may write under hardening {values['hardening']} (ProtectSystem=strict)"
        remedy = ", or list its directory in read_write_paths"
    else:
        return []
    default = OPTIONS["pid_file"].default_for(values)
    message = (
        f"{path} {reason}: the PID file would never appear, and the service would never start; "
        f"keep it in the runtime dir ({default}, the default){remedy}"
    )
    return [Problem("pid_file", message)]


def _writable_under_strict(values: Values, path: str, lines: list[tuple[str, str]]) -> bool:
    dirs = effective_dirs(values)
    managed = [values[f"{n}_dir"] for n in dirs if n != "configuration" and managed_directory(values, n) is not None]
    writable = managed + made_writable(values, dirs, lines) + [p.lstrip("-") for p in values["read_write_paths"]]
    return any(path.startswith(f"{directory}/") for directory in writable)


def referenced_options(items: list[Any]) -> list[str]:
    """The options an unexpanded list's items refer to (`:name`, alone or as a part)."""
    parts = [part for item in items for part in (item if isinstance(item, list) else [item])]
    return [name for name in map(reference_name, parts) if name]


def dir_reference_problems(given: Values, values: Values) -> list[Problem]:
    """env_vars pointing the app at a dir that nothing creates (not in `dirs`): refused, naming the entry needed.
    ``given``: the values before expansion, where the references are; ``values``: as the unit has them."""
    if "env_vars" not in expand_keys(given):
        return []
    dirs = effective_dirs(values)
    found = []
    for ref in referenced_options(given["env_vars"] or []):
        name = ref.removesuffix("_directory").removesuffix("_dir")
        if name in DIR_NAMES and ref in (f"{name}_dir", f"{name}_directory") and name not in dirs:
            found.append(
                Problem(
                    "env_vars",
                    f"refers to `:{ref}` ({values[f'{name}_dir']}), a dir nothing creates unless {name} is in `dirs`: "
                    f"add {name} to `dirs`, or leave the reference out",
                )
            )
    return found


# The values a check reads: "given" (before expansion), "options" (resolved and expanded),
# "applied" (with the distribution's and the strategies' additions, as the units print them).
Stage = str
Check = Callable[..., list[Problem]]

# The whole-set checks, in the order their problems are shown; each reads the stages it names.
CHECKS: tuple[tuple[Check, tuple[Stage, ...]], ...] = (
    (distribution.problems, ("options",)),
    (strategies.problems, ("options",)),
    (own_variable_problems, ("options",)),
    (env_var_problems, ("applied",)),
    (daemon_start_problems, ("applied",)),
    (path_problems, ("applied",)),
    (service_type_problems, ("applied",)),
    (pid_file_problems, ("applied",)),
    (chroot_problems, ("applied",)),
    (lifecycle.problems, ("applied",)),
    (deploy.problems, ("applied",)),
    (system_files.problems, ("options",)),
    (directory_problems, ("applied",)),
    (dir_reference_problems, ("given", "applied")),
)


def whole_set_problems(stages: Mapping[Stage, Values]) -> list[Problem]:
    """Stage 3: every check of CHECKS, each given the values it reads."""
    return [problem for check, reads in CHECKS for problem in check(*(stages[stage] for stage in reads))]


def resolution(answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[Problem]]:
    """Stage 2: the values before and after expansion, and the problems of resolving them.

    Raises OptionError where nothing can be resolved (an answer that cannot be read, no app_name,
    a default that depends on itself): ``checked`` returns that as the one problem.
    """
    given, sources = resolve_sources(answers)
    found = derived_problems(given, normalised(answers), sources) + unit_name_problems(given)
    try:
        expanded = expand(given)
    except OptionError as error:
        return given, given, [*found, error.problem]
    return given, expanded, found + expanded_problems(expanded)


def checked(answers: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The resolved, expanded options when no check finds a problem, else None and every problem found."""
    found = answers_problems(answers)
    if found:
        return None, found
    try:
        given, expanded, found = resolution(answers)
    except OptionError as error:
        return None, [error.problem]
    if found:
        return None, found
    found = whole_set_problems({"given": given, "options": expanded, "applied": applied(expanded)})
    return (None, found) if found else (expanded, [])


def problems(answers: Mapping[str, Any]) -> list[Problem]:
    """Every problem with a set of answers (missing ones at their defaults), in the order shown."""
    return checked(answers)[1]
