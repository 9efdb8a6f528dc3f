defmodule E2eProbe.Terminator do
  @moduledoc """
  Shows a graceful stop: its terminate callback runs when the VM stops (init:stop on
  SIGTERM), takes $E2E_STOP_DELAY_MS (default 0) and says so on stdout (the journal).
  """
  use GenServer

  def start_link(_), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  @impl true
  def init(:ok) do
    Process.flag(:trap_exit, true)
    {:ok, String.to_integer(System.get_env("E2E_STOP_DELAY_MS", "0"))}
  end

  @impl true
  def terminate(reason, delay) do
    Process.sleep(delay)
    IO.puts("e2e_probe: terminate callback ran (#{inspect(reason)}) after #{delay} ms")
  end
end
