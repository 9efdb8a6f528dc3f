"""What a client sees while a service restarts or is deployed, and the deploy script in a box.

``Traffic`` runs a bounded client loop inside the box (python3, one HTTP/1.0
request to 127.0.0.1:<port>/info every 20 ms, each waiting up to 15 s) while
the test restarts or deploys; ``Figures`` sums it up: refused (failed)
requests, the longest wait for one answer, and the longest time between two
answers (the downtime a client saw).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .box import Box
from .deploy import Service
from .metrics import record
from .release import Release

CLIENT = r"""
import json, os, socket, sys, time
port, stop, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + limit
results = []
while not os.path.exists(stop) and time.monotonic() < deadline:
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as conn:
            conn.settimeout(15)
            conn.sendall(b"GET /info HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        info = json.loads(data.split(b"\r\n\r\n", 1)[1])
        results.append([started, time.monotonic(), info["os_pid"], info.get("version")])
        if not os.path.exists(stop + ".ready"):
            open(stop + ".ready", "w").close()
    except (OSError, ValueError, IndexError, KeyError) as error:
        results.append([started, time.monotonic(), None, type(error).__name__])
    time.sleep(0.02)
print(json.dumps(results))
"""


@dataclass(frozen=True)
class Figures:
    requests: int
    refused: int
    longest_wait: float
    downtime: float
    pids: list[str]
    versions: list[str]
    errors: list[str]  # what each refused request ended in, with when (seconds into the loop)
    p50_wait: float = 0.0
    p99_wait: float = 0.0
    first_answer: dict[str, float] = field(default_factory=dict)  # version -> when its first answer came (monotonic)
    longest_at: float = 0.0  # when the longest wait began (monotonic, as the journal's -o short-monotonic)
    last_pid: str | None = None  # the VM that answered last
    longest_pid: str | None = None  # the VM that answered the longest wait

    def record(self, kind: str, what: str) -> None:
        record(f"{kind}: requests", what, self.requests, "requests")
        record(f"{kind}: refused requests", what, self.refused, "requests")
        record(f"{kind}: longest wait", what, self.longest_wait)
        record(f"{kind}: downtime", what, self.downtime)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of them fall (nearest rank); 0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def figures(results: list[list[Any]]) -> Figures:
    answered = [row for row in results if row[2] is not None]
    waits = [row[1] - row[0] for row in answered]
    longest = max(answered, key=lambda row: row[1] - row[0]) if answered else None
    first_answer: dict[str, float] = {}
    for row in answered:
        first_answer.setdefault(row[3], row[1])
    ends = [row[1] for row in answered]
    gaps = [later - earlier for earlier, later in itertools.pairwise(ends)]
    pids: list[str] = []
    versions: list[str] = []
    for row in answered:
        if row[2] not in pids:
            pids.append(row[2])
        if row[3] not in versions:
            versions.append(row[3])
    return Figures(
        requests=len(results),
        refused=len(results) - len(answered),
        longest_wait=max(waits, default=0.0),
        downtime=max(gaps, default=0.0),
        pids=pids,
        versions=versions,
        errors=[f"{row[3]} at {row[0] - results[0][0]:.2f} s" for row in results if row[2] is None],
        p50_wait=percentile(waits, 0.5),
        p99_wait=percentile(waits, 0.99),
        first_answer=first_answer,
        longest_at=longest[0] if longest else 0.0,
        longest_pid=longest[2] if longest else None,
        last_pid=answered[-1][2] if answered else None,
    )


class Traffic:
    """with Traffic(box, port) as traffic: ...; then traffic.figures (at most `limit` seconds)."""

    def __init__(self, box: Box, port: int, limit: float = 90) -> None:
        self.box, self.port, self.limit = box, port, limit
        self.stop_file = f"/run/e2e-traffic-{port}.stop"
        self.output = ""
        self.figures: Figures | None = None

    def _run(self) -> None:
        args = ["python3", "-c", CLIENT, str(self.port), self.stop_file, str(self.limit)]
        self.output = self.box.run(args, timeout=self.limit + 30).stdout

    def __enter__(self) -> Traffic:
        """Starts the client and returns once it has had an answer."""
        self.box.run(["rm", "-f", self.stop_file, f"{self.stop_file}.ready"])
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.box.run(["test", "-e", f"{self.stop_file}.ready"], check=False).ok():
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise AssertionError(f"the client loop got no answer from port {self.port}: {self.output}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(1)  # a second of answers from the new VM
        self.box.run(["touch", self.stop_file])
        self.thread.join(self.limit + 60)
        self.figures = figures(json.loads(self.output))


def deploy_script(service: Service) -> str:
    """The deploy script where the install put it: scripts_dir, root-owned, 0755."""
    target = f"{service.values['scripts_dir']}/deploy"
    installed = service.box.run(["stat", "-c", "%a %U", target]).stdout.split()
    assert installed == ["755", "root"], f"{target}: {installed}"
    return target


def copy_tarball(box: Box, release: Release, name: str) -> str:
    """A release tarball where a user would upload it."""
    path = f"/var/tmp/e2e-releases/{name}.tar.gz"
    box.write_file(path, release.tarball.read_bytes(), mode="0644")
    return path
