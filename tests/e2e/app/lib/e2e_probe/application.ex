defmodule E2eProbe.Application do
  @moduledoc "Checks its dependency, records the boot in $STATE_DIR, serves HTTP, then tells systemd it is ready."
  use Application

  @impl true
  def start(_type, _args) do
    check_boot()
    Application.put_env(:e2e_probe, :boot_write, record_boot())

    children = [
      E2eProbe.Terminator,
      {E2eProbe.Http, Application.fetch_env!(:e2e_probe, :port)},
      E2eProbe.Notify
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: E2eProbe.Supervisor)
  end

  @impl true
  def stop(_state), do: IO.puts("e2e_probe: application stop callback ran")

  # A release built broken never boots; with $E2E_BOOT_GATE set, the boot fails until that
  # file exists (a dependency that is down): by raising (a slow failed boot) or, with
  # E2E_BOOT_FAIL=halt, by halting at once.
  defp check_boot do
    if Application.get_env(:e2e_probe, :broken), do: raise("e2e_probe: this release is built broken")
    gate = System.get_env("E2E_BOOT_GATE")

    if gate && not File.exists?(gate) do
      IO.puts("e2e_probe: #{gate} is missing: the dependency is down")
      if System.get_env("E2E_BOOT_FAIL") == "halt", do: System.halt(1)
      raise "e2e_probe: dependency down (#{gate} is missing)"
    end
  end

  defp record_boot do
    case System.get_env("STATE_DIR") do
      nil -> "no STATE_DIR"
      dir -> dir |> Path.join("boots.log") |> File.write("boot #{System.pid()}\n", [:append]) |> inspect()
    end
  end
end
