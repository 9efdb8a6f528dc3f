"""bindings.py: option values shaped like mix_systemd's cfg, and written as Elixir terms."""

from __future__ import annotations

from unit_template.bindings import (
    MIX_SYSTEMD_OPTIONS,
    eex_constants,
    elixir_keyword,
    elixir_string,
    elixir_term,
    export_bindings,
    mix_after_targets,
    mix_exec_start_wrap,
)
from unit_template.hardening import DIRECTIVES
from unit_template.options import OPTIONS
from unit_template.units import unit_view

ANSWERS = {"app_name": "foo_bar"}


def test_export_has_every_option():
    assert set(export_bindings(unit_view(ANSWERS))) == set(OPTIONS)


def test_export_gives_option_values_not_the_escaped_unit_lines():
    bindings = export_bindings(unit_view({**ANSWERS, "exec_start_pre": ["/bin/echo 100%"]}))
    assert bindings["exec_start_pre"][-1] == "/bin/echo 100%"  # after the node's cookie (distribution local)


def test_export_expands_references():
    bindings = export_bindings(unit_view({**ANSWERS, "dirs": ["runtime"], "env_vars": [["RELEASE_TMP=", ":runtime_dir"]]}))
    assert bindings["env_vars"][-1] == "RELEASE_TMP=/run/foo-bar"


def test_export_for_mix_systemd_leaves_out_options_it_does_not_have():
    bindings = export_bindings(unit_view(ANSWERS), mix_systemd_only=True)
    assert "hardening" not in bindings
    assert set(bindings) <= MIX_SYSTEMD_OPTIONS


def test_mix_systemd_options_are_all_options_of_this_template():
    assert set(OPTIONS) >= MIX_SYSTEMD_OPTIONS


def test_after_targets_get_the_runtime_environment_unit_as_mix_systemd_adds_it():
    values = {
        "unit_after_targets": ["cloud-init.target"],
        "runtime_environment_service_script": "env.sh",
        "service_name": "foo-bar",
    }
    assert mix_after_targets(values) == ["cloud-init.target", "foo-bar-runtime-environment.service"]


def test_after_targets_without_a_runtime_environment_script_stay_as_given():
    values = {"unit_after_targets": ["cloud-init.target"], "runtime_environment_service_script": None}
    assert mix_after_targets(values) == ["cloud-init.target"]


def test_exec_start_wrap_is_empty_text_when_unset():
    assert mix_exec_start_wrap(None) == ""


def test_exec_start_wrap_ends_in_a_space():
    assert mix_exec_start_wrap("/usr/bin/nice") == "/usr/bin/nice "


def test_elixir_string_escapes_quotes_backslashes_and_interpolation():
    assert elixir_string('a "b" \\ #{c}') == '"a \\"b\\" \\\\ \\#{c}"'


def test_elixir_term_writes_nil_booleans_numbers_and_lists():
    assert elixir_term([None, True, 3, "x"]) == '[nil, true, 3, "x"]'


def test_elixir_keyword_makes_atoms_where_mix_systemd_has_atoms():
    text = elixir_keyword({"service_type": "forking", "dirs": ["runtime", "state"], "service_name": "foo-bar"})
    assert text == '[service_type: :forking, dirs: [:runtime, :state], service_name: "foo-bar"]'


def test_elixir_keyword_keeps_nil_for_an_unset_atom_option():
    assert elixir_keyword({"release_name": None}) == "[release_name: nil]"


def test_eex_constants_list_every_hardening_directive_row():
    assert eex_constants()["hardening_table"].count("{") == len(DIRECTIVES)
