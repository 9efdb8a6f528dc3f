defmodule E2eProbe.Notify do
  @moduledoc """
  sd_notify in a few lines of OTP: READY=1 once up (after $E2E_READY_FILE exists,
  when that is set), then WATCHDOG=1 every third of $WATCHDOG_USEC until told to stop.
  """
  use GenServer

  def start_link(_), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)
  def stop_watchdog, do: GenServer.call(__MODULE__, :stop_watchdog)

  @impl true
  def init(:ok) do
    send(self(), :ready)
    {:ok, %{pinging: true}}
  end

  @impl true
  def handle_info(:ready, state) do
    gate = System.get_env("E2E_READY_FILE")

    if gate && not File.exists?(gate) do
      Process.send_after(self(), :ready, 100)
    else
      notify("READY=1")
      schedule_ping()
    end

    {:noreply, state}
  end

  def handle_info(:ping, %{pinging: true} = state) do
    notify("WATCHDOG=1")
    schedule_ping()
    {:noreply, state}
  end

  def handle_info(:ping, state), do: {:noreply, state}

  @impl true
  def handle_call(:stop_watchdog, _from, state), do: {:reply, :ok, %{state | pinging: false}}

  defp schedule_ping do
    with usec when is_binary(usec) <- System.get_env("WATCHDOG_USEC"),
         true <- System.get_env("WATCHDOG_PID") in [nil, System.pid()] do
      Process.send_after(self(), :ping, max(div(String.to_integer(usec), 3000), 1))
    end
  end

  defp notify(message) do
    case System.get_env("NOTIFY_SOCKET") do
      nil ->
        :no_socket

      "@" <> abstract ->
        send_datagram(<<0, abstract::binary>>, message)

      path ->
        send_datagram(path, message)
    end
  end

  defp send_datagram(path, message) do
    {:ok, socket} = :socket.open(:local, :dgram, :default)

    try do
      :socket.sendto(socket, message, %{family: :local, path: path})
    after
      :socket.close(socket)
    end
  end
end
