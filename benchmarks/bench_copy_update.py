"""Time `copier copy --defaults` and `copier update` of this template against a floor.

The floor is a one-question, one-file template built in a temp dir: what
copier itself costs. Not a test; run it by hand:

    .venv/bin/python benchmarks/bench_copy_update.py [--runs 5]

Goals: copy within 1.3x of the floor, update under 3 s. Figures and where the
time goes: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "extensions")]  # the test helpers read the package

from template_repo import commit_all, git, init_repo, make_v2, new_project, template_at_commit  # noqa: E402

COPIER = str(Path(sys.executable).parent / "copier")
COPY_GOAL = 1.3
UPDATE_GOAL = 3.0


def floor_template(path: Path) -> Path:
    """One question, one file, tagged v1 and v2."""
    path.mkdir(parents=True)
    (path / "copier.yml").write_text("name:\n  type: str\n  default: world\n")
    (path / "{{ name }}.txt.jinja").write_text("hello {{ name }}\n")
    (path / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers|to_nice_yaml -}}\n")
    init_repo(path)
    commit_all(path, "v1")
    git(path, "tag", "v1")
    (path / "{{ name }}.txt.jinja").write_text("hello, {{ name }}\n")
    commit_all(path, "v2")
    git(path, "tag", "v2")
    return path


def this_template(path: Path) -> Path:
    """This repository at HEAD, whole, as copier checks it out for a user (gh:...): every file, the
    tests and docs too, in each worktree an update makes (a snapshot of template/ alone was 0.05 s
    faster a copy and about 1.4 s an update)."""
    repo = template_at_commit(path, "HEAD", "v1")
    make_v2(repo, "v2")
    return repo


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system of copier and its children (git): steadier on a busy machine


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(*args: str, cwd: Path) -> Timing:
    """Seconds of one copier command; it must succeed."""
    cpu, start = children_cpu(), time.perf_counter()
    result = subprocess.run([COPIER, *args], cwd=cwd, capture_output=True, text=True, check=False)
    timing = Timing(time.perf_counter() - start, children_cpu() - cpu)
    if result.returncode != 0:
        raise SystemExit(f"copier {' '.join(args)} failed:\n{result.stderr}")
    return timing


def copy_and_update(template: Path, project: Path, answers_file: str) -> tuple[Timing, Timing]:
    copy = run("copy", "--trust", "--defaults", "--vcs-ref", "v1", str(template), ".", cwd=project)
    commit_all(project, "copy")
    update = run("update", "--trust", "--defaults", "-a", answers_file, "--vcs-ref", "v2", cwd=project)
    return copy, update


def summary(timings: list[Timing], pick: Callable[[list[float]], float]) -> Timing:
    return Timing(pick([t.wall for t in timings]), pick([t.cpu for t in timings]))


def measure(runs: int, cases: dict[str, tuple[Path, Callable[[Path], Path], str]], tmp: Path) -> dict[str, list[Timing]]:
    """Copy then update each case, alternating cases run by run so both see the same machine load."""
    results: dict[str, list[Timing]] = {name: [] for name in cases}
    for index in range(runs):
        for name, (template, make_project, answers_file) in cases.items():
            project = make_project(tmp / f"{name}-{index}")
            results[name].extend(copy_and_update(template, project, answers_file))
    return results


def empty_project(path: Path) -> Path:
    path.mkdir(parents=True)
    init_repo(path)
    commit_all(path, "empty")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-copier.") as name:
        tmp = Path(name)
        cases = {
            "floor": (floor_template(tmp / "floor"), empty_project, ".copier-answers.yml"),
            "this": (this_template(tmp / "ours"), new_project, ".copier-answers.systemd.yml"),
        }
        measure(1, cases, tmp / "warm")  # page cache and .pyc files
        results = measure(args.runs, cases, tmp)
    rows = {}
    for label, pick in (("median", statistics.median), ("best", min)):
        for name, timings in results.items():
            rows[(label, name)] = (summary(timings[0::2], pick), summary(timings[1::2], pick))
    print(f"{args.runs} runs each, seconds as wall / cpu (cpu: copier and its git children)")
    print(f"{'':14}{'copy':>16}{'update':>16}")
    for (label, name), (copy, update) in rows.items():
        print(f"{label + ' ' + name:14}{copy.wall:9.2f} /{copy.cpu:5.2f}{update.wall:9.2f} /{update.cpu:5.2f}")
    for label in ("median", "best"):
        ours, floor = rows[(label, "this")], rows[(label, "floor")]
        ratio_wall, ratio_cpu = ours[0].wall / floor[0].wall, ours[0].cpu / floor[0].cpu
        verdict = "met" if ratio_cpu <= COPY_GOAL else "NOT met"
        print(f"{label}: copy ratio {ratio_wall:.2f}x wall, {ratio_cpu:.2f}x cpu (goal <= {COPY_GOAL}x): {verdict}")
        verdict = "met" if ours[1].wall < UPDATE_GOAL else "NOT met"
        print(f"{label}: update {ours[1].wall:.2f} s wall, {ours[1].cpu:.2f} s cpu (goal < {UPDATE_GOAL} s): {verdict}")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs: wall times are only meaningful on an idle machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
