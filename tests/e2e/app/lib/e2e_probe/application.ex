defmodule E2eProbe.Application do
  @moduledoc "Records the boot in $STATE_DIR, serves HTTP, then tells systemd it is ready."
  use Application

  @impl true
  def start(_type, _args) do
    Application.put_env(:e2e_probe, :boot_write, record_boot())

    children = [
      {E2eProbe.Http, Application.fetch_env!(:e2e_probe, :port)},
      E2eProbe.Notify
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: E2eProbe.Supervisor)
  end

  defp record_boot do
    case System.get_env("STATE_DIR") do
      nil -> "no STATE_DIR"
      dir -> dir |> Path.join("boots.log") |> File.write("boot #{System.pid()}\n", [:append]) |> inspect()
    end
  end
end
