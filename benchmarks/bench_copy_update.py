"""Time `copier copy --defaults` and `copier update` of this template against a floor.

The floor is a one-question, one-file template built in a temp dir: what
copier itself costs. Not a test; run it by hand:

    .venv/bin/python benchmarks/bench_copy_update.py [--runs 5]

Goals: copy within 1.2x of the floor, update under 3 s.
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
sys.path.insert(0, str(ROOT / "tests"))

from template_repo import commit_all, git, init_repo, make_v2, new_project, snapshot_template  # noqa: E402

COPIER = str(Path(sys.executable).parent / "copier")
COPY_GOAL = 1.2
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
    repo = snapshot_template(path, "v1")
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


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


def measure(
    runs: int, template: Path, make_project: Callable[[Path], Path], answers_file: str, tmp: Path
) -> tuple[Timing, Timing]:
    copies, updates = [], []
    for index in range(runs):
        project = make_project(tmp / f"{template.name}-{index}")
        copy, update = copy_and_update(template, project, answers_file)
        copies.append(copy)
        updates.append(update)
    return median(copies), median(updates)


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
        floor = floor_template(tmp / "floor")
        ours = this_template(tmp / "ours")
        # Interleave nothing: warm both once (page cache, pyc), then measure.
        measure(1, floor, empty_project, ".copier-answers.yml", tmp / "warm")
        measure(1, ours, new_project, ".copier-answers.systemd.yml", tmp / "warm")
        floor_copy, floor_update = measure(args.runs, floor, empty_project, ".copier-answers.yml", tmp)
        our_copy, our_update = measure(args.runs, ours, new_project, ".copier-answers.systemd.yml", tmp)
    print(f"median of {args.runs} runs, seconds (wall / cpu)")
    print(f"{'':8}{'copy':>16}{'update':>16}")
    for label, copy, update in (("floor", floor_copy, floor_update), ("this", our_copy, our_update)):
        print(f"{label:8}{copy.wall:9.2f} /{copy.cpu:5.2f}{update.wall:9.2f} /{update.cpu:5.2f}")
    for kind in ("wall", "cpu"):
        ratio = getattr(our_copy, kind) / getattr(floor_copy, kind)
        verdict = "met" if ratio <= COPY_GOAL else "NOT met"
        print(f"copy ratio ({kind}) {ratio:.2f}x, goal <= {COPY_GOAL}x: {verdict}")
    verdict = "met" if our_update.wall < UPDATE_GOAL else "NOT met"
    print(f"update {our_update.wall:.2f} s wall ({our_update.cpu:.2f} s cpu), goal < {UPDATE_GOAL} s: {verdict}")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs: wall times are only meaningful on an idle machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
