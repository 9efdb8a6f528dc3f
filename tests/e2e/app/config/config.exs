import Config

config :e2e_probe, port: 4000

# E2E_BROKEN=1 at build time: a release that raises at every boot (the deploy script's rollback test).
config :e2e_probe, broken: System.get_env("E2E_BROKEN") == "1"
