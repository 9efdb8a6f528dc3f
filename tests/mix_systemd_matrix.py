"""mix_systemd configurations, as a user writes them in config/config.exs.

Every mix_systemd 0.8.2 option is set to a non-default value in at least
one configuration (MIX_SYSTEMD_OPTIONS_SET checks it); some name none of
this template's own options, some name them too (hardening, config_strategies...).
Each value is the Elixir source of the keyword list after `config :mix_systemd,`.
"""

from __future__ import annotations

# The options mix_systemd 0.8.2 reads (lib/mix/tasks/systemd.ex), app_name and
# build_path aside: app_name is taken from mix.exs whenever it has `app:`.
MIX_SYSTEMD_OPTIONS = (
    *("module_name", "release_name", "ext_name", "service_name", "app_user", "app_group", "syslog_identifier"),
    *("base_dir", "deploy_dir", "systemd_version", "dirs", "runtime_directory_preserve", "release_system"),
    *("service_type", "restart_method", "output_dir", "template_dir", "mix_env", "env_lang", "limit_nofile"),
    *("limit_core", "umask", "env_files", "env_vars", "runtime_environment_service_script", "exec_start_pre"),
    *("exec_start_wrap", "exec_start", "exec_stop", "restart", "restart_sec", "timeout_start_sec"),
    *("unit_after_targets", "runtime_environment_unit_after_targets", "chroot", "read_write_paths"),
    *("read_only_paths", "inaccessible_paths", "paranoia", "expand_keys", "expand_keys_extra", "releases_dir"),
    *("scripts_dir", "flags_dir", "current_dir", "pid_file", "root_directory", "start_command", "working_dir"),
    *(
        f"{name}_{suffix}"
        for name in ("runtime", "configuration", "logs", "cache", "state", "tmp")
        for suffix in ("directory", "directory_base", "directory_mode", "dir")
    ),
    "runtime_environment_service",
)

CONFIGS: dict[str, str] = {
    # Configurations that name none of this template's own options.
    "empty": "",
    "dirs-runtime": "dirs: [:runtime]",
    "dirs-all": "dirs: [:runtime, :configuration, :logs, :cache, :state, :tmp]",
    "dirs-renamed": (
        'dirs: [:runtime, :configuration, :state, :cache], runtime_directory: "fb-run", runtime_directory_mode: "755", '
        'configuration_directory: "fb-etc", configuration_directory_mode: "700", state_directory: "fb-state", '
        'state_directory_mode: "0700", cache_directory: "fb-cache", cache_directory_mode: "0750"'
    ),
    # Below systemd 235 these dirs are not systemd's (tmpfiles.d makes them): any base works.
    "dirs-bases": (
        'systemd_version: 234, dirs: [:logs, :tmp, :state, :cache, :configuration], logs_directory: "fb-logs", '
        'logs_directory_base: "/srv/log", logs_directory_mode: "0755", tmp_directory: "fb-tmp", '
        'tmp_directory_base: "/srv/tmp", tmp_directory_mode: "0700", state_directory_base: "/srv/lib", '
        'cache_directory_base: "/srv/cache", configuration_directory_base: "/srv/etc"'
    ),
    "dir-paths": (
        'systemd_version: 234, dirs: [:runtime, :configuration, :state, :cache, :logs], runtime_directory: "custom", '
        'runtime_dir: "/run/custom", configuration_dir: "/etc/custom", state_dir: "/var/lib/custom", '
        'cache_dir: "/var/cache/custom", logs_dir: "/var/log/custom"'
    ),
    "tmp-dir": 'dirs: [:tmp], tmp_dir: "/var/tmp/custom"',
    "preserve-restart": 'dirs: [:runtime], runtime_directory_preserve: "restart"',
    "preserve-yes-old-systemd": 'dirs: [:runtime, :state], runtime_directory_preserve: "yes", systemd_version: 229',
    "systemd-219": "systemd_version: 219, dirs: [:runtime, :configuration, :logs]",
    "systemd-235": "systemd_version: 235, dirs: [:runtime, :configuration]",
    "systemd-252": "systemd_version: 252, dirs: [:runtime, :configuration]",
    "exec": "service_type: :exec, systemd_version: 252",
    "exec-no-version": "service_type: :exec",
    "notify": "service_type: :notify",
    "forking-mix": "service_type: :forking",
    "forking-pid-file": 'service_type: :forking, pid_file: "/run/foo-bar/custom.pid", dirs: [:runtime]',
    "distillery": "release_system: :distillery",
    "distillery-forking": "release_system: :distillery, service_type: :forking",
    "systemd-flag": "restart_method: :systemd_flag",
    "systemd-flag-flags-dir": 'restart_method: :systemd_flag, flags_dir: "/var/lib/foo-bar/flags"',
    "names": (
        'release_name: :fb, ext_name: "fb-ext", service_name: "fb-api", app_user: "fbuser", app_group: "fbgroup", '
        'syslog_identifier: "fb-log", module_name: "FooBarApp"'
    ),
    "layout": (
        'base_dir: "/opt", deploy_dir: "/opt/apps/fb", releases_dir: "/opt/apps/fb/rel", scripts_dir: "/opt/apps/fb/scripts", '
        'current_dir: "/opt/apps/fb/live", working_dir: "/opt/apps/fb/work"'
    ),
    "files": 'output_dir: "rel/out/lib/systemd/system", template_dir: "rel/systemd-eex"',
    "mix-env-lang": 'mix_env: "staging", env_lang: "C.UTF-8"',
    "no-lang": 'env_lang: ""',
    "limits": 'limit_nofile: 4096, limit_core: "infinity", umask: "0077"',
    "limit-core-int": "limit_core: 0",
    "timers-int": 'restart: "on-failure", restart_sec: 5, timeout_start_sec: 60',
    "timers-text": 'restart_sec: "2s", timeout_start_sec: "2min"',
    "env-files": (
        'env_files: [["-", :configuration_dir, "/environment"], ["-", :deploy_dir, "/etc/environment"]], dirs: [:configuration]'
    ),
    "env-vars": 'env_vars: ["PORT=4000", ["RELEASE_TMP=", :runtime_dir], "REPLACE_OS_VARS=true"], dirs: [:runtime]',
    "start-pre": 'exec_start_pre: [["!", :deploy_dir, "/bin/sync-config"], "-/bin/true", "+/usr/bin/env"]',
    "wrap": 'exec_start_wrap: "/usr/bin/nice -n 5"',
    "exec-start-stop": 'exec_start: [:current_dir, "/bin/foo_bar start"], exec_stop: [:current_dir, "/bin/foo_bar stop"]',
    "start-command": 'start_command: "foreground"',
    "after-targets": 'unit_after_targets: ["postgresql.service", "cloud-init.target"]',
    "runtime-environment": (
        'runtime_environment_service: true, runtime_environment_service_script: "runtime-env", '
        'runtime_environment_unit_after_targets: ["network-online.target"], dirs: [:runtime]'
    ),
    "chroot": (
        'chroot: true, root_directory: "/srv/jail", read_write_paths: ["/var/lib/foo-bar-data"], '
        'read_only_paths: ["/etc/foo-bar"], inaccessible_paths: ["-/home"]'
    ),
    "paths-no-chroot": 'read_write_paths: [[:deploy_dir, "/uploads"]], read_only_paths: ["/etc/foo-bar"]',
    "paranoia": "paranoia: true, dirs: [:runtime]",
    "paranoia-old": "paranoia: true, systemd_version: 229",
    "expand-extra": "expand_keys_extra: [:env_lang], env_lang: :mix_env",
    "expand-keys": 'expand_keys: [:env_vars], env_vars: [["HOME_DIR=", :deploy_dir]]',
    "umbrella-like": 'release_name: :web, dirs: [:runtime, :configuration], env_files: [["-", :configuration_dir, "/env"]]',
    # Configurations that also name this template's own options.
    "no-strategy": "config_strategies: [], dirs: [:runtime]",
    "hardening-none": "hardening: :none, dirs: [:state]",
    "hardening-strict": "hardening: :strict, dirs: [:runtime, :state]",
    "hardening-strict-exec": "hardening: :strict, service_type: :exec",
    "credentials": 'config_strategies: [:environment_file, :credentials], credentials: ["db_password"]',
    # service_name other than the app's name: mix_systemd keeps the dirs at the app's name (issue 18).
    "service-name-strategies": (
        'service_name: "shop-api", dirs: [:runtime, :configuration, :state, :logs], '
        'config_strategies: [:environment_file, :credentials], credentials: ["db_password"]'
    ),
    "service-name-cluster": (
        'service_name: "shop-api", dirs: [:runtime, :configuration, :state, :logs], systemd_version: 252, '
        'config_strategies: [:environment_file, :credentials], credentials: ["db_password", "erlang_cookie"], '
        'distribution: :cluster, distribution_interface: "10.0.0.5"'
    ),
    "s3-ssm": "config_strategies: [:s3_sync, :ssm]",
    "cloud-init": "config_strategies: [:environment_file, :cloud_init], runtime_environment_service: true",
    "cloud-init-no-switch": "config_strategies: [:cloud_init]",
    "script-no-switch": 'runtime_environment_service_script: "runtime-env"',
    "ports-watchdog": 'allow_privileged_ports: true, service_type: :notify, watchdog_sec: "30s"',
    "hardening-disable": 'hardening_disable: ["MemoryDenyWriteExecute"], hardening: :standard',
    # Dirs outside the base systemd creates them under: the app is told the path that exists.
    "runtime-base": 'dirs: [:runtime], runtime_directory_base: "/srv/run"',
    "runtime-base-below-run": 'dirs: [:runtime], runtime_directory_base: "/run/apps"',
    "state-dir-elsewhere": 'systemd_version: 252, dirs: [:state], state_dir: "/data/state"',
}

# Configurations mix_systemd 0.8.2 itself cannot generate from (its expansion
# and ensure_trailing_space crash), that copier takes: each is in the differences page.
UPSTREAM_REFUSES: dict[str, str] = {
    "env-vars-tuple": 'env_vars: [{"RELEASE_TMP=", :runtime_dir}, {"RELEASE_MUTABLE_DIR=", :runtime_dir}], dirs: [:runtime]',
    "wrap-parts": 'exec_start_wrap: [:deploy_dir, "/bin/wrapper"]',
}
