import Config

config :e2e_probe, port: 4000
