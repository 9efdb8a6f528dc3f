defmodule E2eProbe.Http do
  @moduledoc """
  A tiny HTTP/1.0 server on 127.0.0.1:$PORT with :gen_tcp, no deps:
  on fd 3 when systemd passes a socket (LISTEN_FDS),
  GET /info, GET /write/<ENV_VAR_NAMING_A_DIR>, GET /crash, GET /crash-dump, GET /stop-watchdog.
  """
  use Task, restart: :permanent

  def start_link(port), do: Task.start_link(__MODULE__, :listen, [port])

  def listen(port) do
    # A stop (the supervisor's :shutdown) drains: no more accepts, the requests taken are answered.
    Process.flag(:trap_exit, true)
    {:ok, listener} = listen_socket(port, [:binary, packet: :http_bin, active: false])
    accept(listener, %{})
  end

  # Socket activation: systemd passes the listening socket as fd 3 (LISTEN_FDS=1 for this VM);
  # with {:fd, 3} the port argument must be 0.
  defp listen_socket(port, options) do
    if System.get_env("LISTEN_FDS") == "1" and System.get_env("LISTEN_PID") == System.pid() do
      :gen_tcp.listen(0, [{:fd, 3} | options])
    else
      :gen_tcp.listen(port, [ip: {127, 0, 0, 1}, reuseaddr: true] ++ options)
    end
  end

  # A worker accepts the next connection itself, so it owns it from the start: a stop
  # between an accept and a handover could close a connection unanswered.
  defp accept(listener, serving) do
    parent = self()
    {pid, ref} = spawn_monitor(fn -> accept_one(listener, parent) end)
    wait({pid, ref}, listener, serving)
  end

  # Between two short accepts the worker looks for :stop, so it never leaves with a connection taken.
  defp accept_one(listener, parent) do
    receive do
      :stop -> :ok
    after
      0 ->
        case :gen_tcp.accept(listener, 100) do
          {:ok, client} ->
            send(parent, {:accepted, self()})
            serve(client)

          {:error, :timeout} ->
            accept_one(listener, parent)
        end
    end
  end

  defp wait({pid, ref} = acceptor, listener, serving) do
    receive do
      {:accepted, ^pid} ->
        accept(listener, Map.put(serving, ref, pid))

      {:DOWN, ^ref, :process, ^pid, reason} ->
        exit({:accept_failed, reason})

      {:DOWN, done, :process, _, _} ->
        wait(acceptor, listener, Map.delete(serving, done))

      {:EXIT, _from, reason} ->
        # A stop: the next connections wait in the socket's queue (for the next VM, with
        # socket activation); the ones taken are answered first.
        send(pid, :stop)
        drain(Map.put(serving, ref, pid))
        exit(reason)
    end
  end

  defp drain(serving) when map_size(serving) == 0, do: :ok

  defp drain(serving) do
    receive do
      {:DOWN, done, :process, _, _} -> drain(Map.delete(serving, done))
    after
      4_000 -> :ok
    end
  end

  defp serve(client) do
    {:ok, {:http_request, _method, {:abs_path, path}, _version}} = :gen_tcp.recv(client, 0, 5_000)
    {status, body} = route(String.split(path, "/", trim: true))
    :ok = :gen_tcp.send(client, response(status, E2eProbe.Json.encode(body)))
    :gen_tcp.close(client)
  end

  defp response(status, body) do
    "HTTP/1.0 #{status}\r\ncontent-type: application/json\r\ncontent-length: #{byte_size(body)}\r\n" <>
      "connection: close\r\n\r\n" <> body
  end

  defp route(["info"]), do: {"200 OK", info()}

  defp route(["write", var]) do
    case System.get_env(var) do
      nil -> {"404 Not Found", %{"error" => "#{var} is not set"}}
      dir -> {"200 OK", %{"path" => dir, "result" => write_probe(dir)}}
    end
  end

  defp route(["crash"]) do
    spawn(fn ->
      Process.sleep(50)
      :erlang.halt(1)
    end)

    {"200 OK", %{"crashing" => System.pid()}}
  end

  # halt/1 with a slogan writes a crash dump to $ERL_CRASH_DUMP before exiting.
  defp route(["crash-dump"]) do
    spawn(fn ->
      Process.sleep(50)
      :erlang.halt(~c"e2e crash dump")
    end)

    {"200 OK", %{"crashing" => System.pid(), "dump" => System.get_env("ERL_CRASH_DUMP")}}
  end

  defp route(["stop-watchdog"]), do: {"200 OK", %{"watchdog" => inspect(E2eProbe.Notify.stop_watchdog())}}
  defp route(_), do: {"404 Not Found", %{"error" => "no such path"}}

  defp write_probe(dir) do
    dir |> Path.join("write-probe-#{System.pid()}") |> File.write("probe\n") |> inspect()
  end

  defp info do
    %{
      "env" => System.get_env(),
      "uid" => status_field("Uid"),
      "gid" => status_field("Gid"),
      "os_pid" => System.pid(),
      "version" => to_string(Application.spec(:e2e_probe, :vsn)),
      "node" => to_string(node()),
      "cwd" => File.cwd!(),
      # Not Application.started_applications/0: a call the application controller, busy stopping
      # this app, would not answer while the VM drains its requests at a stop.
      "os_mon" => Process.whereis(:os_mon_sup) != nil,
      "runtime_exs" => Application.get_env(:e2e_probe, :runtime_exs, false),
      "boot_write" => Application.get_env(:e2e_probe, :boot_write),
      "boots" => boots(),
      "dirs" => dir_stats(),
      "system_memory_entries" => length(:memsup.get_system_memory_data()),
      "release_root" => to_string(:code.root_dir())
    }
  end

  # Mode and owner of each directory named by a *_DIR variable, as the VM sees it.
  defp dir_stats do
    for {var, dir} <- System.get_env(), String.ends_with?(var, "_DIR"), into: %{} do
      case File.stat(dir) do
        {:ok, stat} ->
          mode = Integer.to_string(Bitwise.band(stat.mode, 0o7777), 8)
          {var, %{"path" => dir, "mode" => mode, "uid" => stat.uid, "gid" => stat.gid, "type" => stat.type}}

        {:error, reason} ->
          {var, %{"path" => dir, "error" => inspect(reason)}}
      end
    end
  end

  defp boots do
    with dir when is_binary(dir) <- System.get_env("STATE_DIR"),
         {:ok, text} <- File.read(Path.join(dir, "boots.log")) do
      text |> String.split("\n", trim: true) |> length()
    else
      _ -> nil
    end
  end

  # The real uid/gid from /proc/self/status (readable even with ProcSubset=pid).
  defp status_field(name) do
    "/proc/self/status"
    |> File.read!()
    |> String.split("\n")
    |> Enum.find_value(fn line ->
      label = name <> ":"

      case String.split(line, ~r/\s+/, trim: true) do
        [^label, real | _] -> String.to_integer(real)
        _ -> nil
      end
    end)
  end
end
