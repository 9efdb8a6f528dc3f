defmodule E2eProbe.MixProject do
  use Mix.Project

  def project do
    [
      app: :e2e_probe,
      version: System.get_env("E2E_VERSION", "0.1.0"),
      elixir: "~> 1.14",
      start_permanent: true,
      deps: [],
      releases: [e2e_probe: [include_executables_for: [:unix], steps: [:assemble, :tar]]]
    ]
  end

  def application do
    [extra_applications: [:logger, :os_mon], mod: {E2eProbe.Application, []}]
  end
end
