"""The real mix_systemd 0.8.2 as a test fixture, and a matrix of mix_systemd configurations.

A scratch `mix new` project depends on mix_systemd (the copy in
../shared/oracle, or $MIX_SYSTEMD_ORACLE, or hex's 0.8.2 where reachable)
and holds one small Mix task, `mix oracle`, that runs the real
`systemd.generate` task for many project directories in one VM: for each it
reads the directory's config/config.exs with Elixir's Config.Reader for
MIX_ENV=prod (what mix does at startup), puts it in mix_systemd's
application environment and reruns `systemd.generate` there. Only
output_dir is set by the harness (and template_dir, to run mix_systemd's
own templates), so the units land beside copier's instead of over them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from system_tools import require, require_tool

ROOT = Path(__file__).resolve().parent.parent
SHARED_ORACLE = ROOT.parent / "shared" / "oracle" / "mix_systemd-0.8.2"
APP = "foo_bar"

ORACLE_TASK = """defmodule Mix.Tasks.Oracle do
  @moduledoc false
  use Mix.Task

  # mix oracle CASES_FILE: CASES_FILE holds [{project_dir, "ours" | "own", output_dir}].
  @impl Mix.Task
  def run([cases_file]) do
    {cases, _} = Code.eval_file(cases_file)
    own_templates = Application.app_dir(:mix_systemd, ["priv", "templates"])

    for {dir, variant, out} <- cases do
      File.cd!(dir, fn ->
        for {key, _} <- Application.get_all_env(:mix_systemd), do: Application.delete_env(:mix_systemd, key)

        try do
          config = Config.Reader.read!("config/config.exs", env: :prod, target: :host)
          settings = config |> Keyword.get(:mix_systemd, []) |> Keyword.put(:output_dir, out)
          settings = if variant == "own", do: Keyword.put(settings, :template_dir, own_templates), else: settings
          Application.put_all_env(mix_systemd: settings)
          Mix.Task.rerun("systemd.generate", [])
        rescue
          error ->
            File.mkdir_p!(out)
            File.write!(Path.join(out, "error"), Exception.format(:error, error, __STACKTRACE__))
        end
      end)
    end
  end
end
"""


@dataclass
class Oracle:
    project: Path
    mix: str
    source: str

    def run(self, args: list[str], cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "MIX_ENV": "prod"}
        return subprocess.run(
            [self.mix, *args], cwd=cwd or self.project, env=env, capture_output=True, text=True, timeout=timeout
        )

    def generate_all(self, cases: list[tuple[Path, str, Path]], cases_file: Path) -> subprocess.CompletedProcess[str]:
        """`mix oracle`: the real systemd.generate for every (project, variant, output dir)."""
        entries = [f'{{"{dir}", "{variant}", "{out}"}}' for dir, variant, out in cases]
        cases_file.write_text("[\n" + ",\n".join(entries) + "\n]\n")
        return self.run(["oracle", str(cases_file)])


def oracle_source() -> Path | None:
    configured = os.environ.get("MIX_SYSTEMD_ORACLE")
    if configured:
        return Path(configured)
    return SHARED_ORACLE if SHARED_ORACLE.is_dir() else None


def build_oracle(root: Path) -> Oracle:
    """The scratch project, compiled once (mix_systemd and the oracle task)."""
    mix = require_tool("mix", "elixir")
    source = oracle_source()
    if source is not None:
        copy = root / "mix_systemd"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("_build", "deps"))
        dependency = f'{{:mix_systemd, path: "{copy}", runtime: false}}'
    else:
        dependency = '{:mix_systemd, "== 0.8.2", runtime: false}'
    result = subprocess.run([mix, "new", APP], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    project = root / APP
    mix_exs = project / "mix.exs"
    text = mix_exs.read_text()
    start = text.index("defp deps do")
    end = text.index("end", start)
    mix_exs.write_text(text[:start] + f"defp deps do\n    [{dependency}]\n  " + text[end:])
    tasks = project / "lib" / "mix" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "oracle.ex").write_text(ORACLE_TASK)
    oracle = Oracle(project, mix, str(source or "hex"))
    if source is None:
        fetched = oracle.run(["deps.get"], timeout=300)
        require(fetched.returncode == 0, f"mix_systemd 0.8.2: no ../shared/oracle copy and hex unreachable: {fetched.stderr}")
    compiled = oracle.run(["compile"])
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    return oracle
