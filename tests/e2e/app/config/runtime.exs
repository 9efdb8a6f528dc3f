import Config

# Read when the release boots, on the server: proves runtime.exs runs under the unit.
config :e2e_probe,
  port: String.to_integer(System.get_env("PORT", "4000")),
  runtime_exs: true
