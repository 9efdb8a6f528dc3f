"""The docs' Elixir snippets, run with the real `elixir`: they parse, the module compiles,
the credentials example trims the final newline, and the Bandit socket-activation
snippet gives `:gen_tcp` options that listen on systemd's IPv4 fd 3."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from system_tools import require_tool

ROOT = Path(__file__).resolve().parent.parent
ELIXIR_BLOCK = re.compile(r"```elixir\n(.*?)```", re.S)


def elixir_blocks() -> dict[str, str]:
    """Each ```elixir block of docs/ and the README, by page and line."""
    blocks = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        for match in ELIXIR_BLOCK.finditer(text):
            blocks[f"{page.name}:{text.count(chr(10), 0, match.start()) + 1}"] = match.group(1)
    return blocks


def block_with(page: str, needle: str) -> str:
    found = [code for where, code in elixir_blocks().items() if where.startswith(f"{page}:") and needle in code]
    assert len(found) == 1, f"{page} has one elixir block with {needle!r}"
    return found[0]


def elixir(script: str, *args: str, env: dict[str, str] | None = None, fd3: socket.socket | None = None) -> str:
    """Run script with the real elixir (optionally with a listening socket as fd 3); its stdout."""
    require_tool("elixir", "elixir")
    command = ["elixir", "-e", script, "--", *args]
    fds: tuple[int, ...] = ()
    if fd3 is not None:
        fds = (fd3.fileno(),)
        # bash: dash takes only one-digit fds in a redirection
        command = ["bash", "-c", f'exec "$@" 3<&{fd3.fileno()}', "bash", *command]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, pass_fds=fds, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_every_elixir_snippet_of_the_docs_parses(tmp_path: Path) -> None:
    paths = []
    for index, (where, code) in enumerate(elixir_blocks().items()):
        path = tmp_path / f"{index}-{where.replace(':', '-')}.exs"
        path.write_text(code)
        paths.append(str(path))
    out = elixir("for p <- System.argv(), do: Code.string_to_quoted!(File.read!(p), file: p); IO.puts(:parsed)", *paths)
    assert out == "parsed"


def test_the_readiness_module_compiles_without_deps() -> None:
    code = block_with("readiness.md", "defmodule MyApp.SystemdNotify")
    out = elixir("[{mod, _}] = Code.compile_string(hd(System.argv())); IO.inspect(mod)", code)
    assert out == "MyApp.SystemdNotify"


def test_the_credentials_example_reads_a_secret_written_with_an_editor_without_its_newline(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime.exs"
    runtime.write_text(block_with("configuration.md", "CREDENTIALS_DIRECTORY"))
    (tmp_path / "credentials").mkdir()
    (tmp_path / "credentials" / "db_password").write_text("Sekrit!\n")  # as sudoedit saves it
    read = 'IO.inspect(Config.Reader.read!(hd(System.argv()), env: :prod)[:foo_bar][FooBar.Repo][:password])'
    out = elixir(read, str(runtime), env={"CREDENTIALS_DIRECTORY": str(tmp_path / "credentials")})
    assert out == '"Sekrit!"'


# The production part of the config/runtime.exs that `mix phx.new` (Phoenix 1.7, Bandit) generates.
PHOENIX_RUNTIME = """import Config

if config_env() == :prod do
  secret_key_base = System.get_env("SECRET_KEY_BASE") || "secret"
  host = System.get_env("PHX_HOST") || "example.com"
  port = String.to_integer(System.get_env("PORT") || "4000")

  config :my_app, MyAppWeb.Endpoint,
    url: [host: host, port: 443, scheme: "https"],
    http: [
      # Enable IPv6 and bind on all interfaces.
      # Set it to  {0, 0, 0, 0, 0, 0, 0, 1} for local network only access.
      ip: {0, 0, 0, 0, 0, 0, 0, 0},
      port: port
    ],
    secret_key_base: secret_key_base
end
"""
GENERATED_ENDPOINT = re.compile(r"  config :my_app, MyAppWeb\.Endpoint,\n.*?secret_key_base: secret_key_base\n", re.S)
# What Bandit makes of the endpoint's http: options: ThousandIsland's transport_options plus
# the endpoint's ip:, given to :gen_tcp.listen/2 with its port.
LISTEN_AS_BANDIT = """
http = Config.Reader.read!(hd(System.argv()), env: :prod)[:my_app][MyAppWeb.Endpoint][:http]
transport = get_in(http, [:thousand_island_options, :transport_options]) ++ Keyword.take(http, [:ip])
case :gen_tcp.listen(http[:port], [:binary | transport]) do
  {:ok, listener} -> {:ok, {_, port}} = :inet.sockname(listener); IO.puts("listening on #{port}")
  {:error, reason} -> IO.puts("error #{reason}")
end
"""


@pytest.fixture
def systemd_socket():
    """An IPv4 listening socket, as systemd passes it for listen_sockets: ["127.0.0.1:PORT"]."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener


def test_the_bandit_snippet_in_a_generated_phoenix_runtime_exs_listens_on_systemds_fd_3(tmp_path, systemd_socket) -> None:
    snippet = block_with("restarts-and-deploys.md", "thousand_island_options")
    (tmp_path / "generated.exs").write_text(PHOENIX_RUNTIME)
    runtime = tmp_path / "runtime.exs"
    runtime.write_text(GENERATED_ENDPOINT.sub(lambda _: snippet, PHOENIX_RUNTIME, count=1))
    assert "thousand_island_options" in runtime.read_text()
    out = elixir(LISTEN_AS_BANDIT, str(runtime), env={"LISTEN_FDS": "1"}, fd3=systemd_socket)
    assert out == f"listening on {systemd_socket.getsockname()[1]}"
    # In place of the generated config: the rest of it kept, and without systemd's socket the same.
    endpoint = "IO.inspect(Config.Reader.read!(hd(System.argv()), env: :prod)[:my_app][MyAppWeb.Endpoint])"
    without_socket = elixir(endpoint, str(runtime), env={"LISTEN_FDS": ""})
    assert without_socket == elixir(endpoint, str(tmp_path / "generated.exs"), env={"LISTEN_FDS": ""})


def test_the_generated_ip_left_in_the_endpoint_config_fails_on_fd_3(tmp_path, systemd_socket) -> None:
    """Why the snippet replaces the generated http: (a second config of it is merged, ip: kept)."""
    added = (
        "  config :my_app, MyAppWeb.Endpoint,\n"
        "    http: [port: 0, thousand_island_options: [transport_options: [fd: 3]]]\nend\n"
    )
    runtime = tmp_path / "runtime.exs"
    runtime.write_text(PHOENIX_RUNTIME.removesuffix("end\n") + added)
    out = elixir(LISTEN_AS_BANDIT, str(runtime), env={"LISTEN_FDS": "1"}, fd3=systemd_socket)
    assert out == "error eafnosupport"
