from rendering import unit_file, values_of


def test_default_render_runs_the_release_with_start(render):
    dst = render()
    assert values_of(unit_file(dst), "ExecStart") == ["/srv/foo-bar/current/bin/foo_bar start"]
