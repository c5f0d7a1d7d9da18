"""report.html and the potential figures: explained metrics, named notes, TOML settings, masked reference panel,
a visible standard-error band in 1D."""
import html
import json
import re
import tomllib

import numpy as np
import pytest

import effpot
from effpot.cli import figures, report, toml_writer
from effpot.coarse_graining import problems

SETTINGS = {
    "model": {"name": "test", "dimensions": 2, "energy": "x^2 + y^2\n  + 0.1*sin(x/0.01)",
              "coarse_energy": "x^2 + y^2"},
    "run": {"seed": 3, "platform": "Reference"},
    "learn": {"step_size": 0.1, "friction": "auto", "starts": [[0.0, 0.0], [1.0, -1.0]], "allow_non_gaussian": False},
}


def fake_result():
    return {
        "created": "2026-12-01T00:00:00+00:00", "versions": report.versions(), "platform": "Reference", "seed": 3,
        "settings": json.loads(json.dumps(SETTINGS)),
        "learn": {"kT": 1.0, "kT_kinetic": 1.01, "noise_covariance": [[0.1, 0.05], [0.05, 0.25]],
                  "noise_covariance_error": [[0.003, 0.005], [0.005, 0.004]], "seconds": 1.0, "rmse_kT": 0.03,
                  "diagnostics": {"strategy": "stage 1 + stage 2", "platform": "Reference", "energy": "x^2",
                                  "settings.stepSize": 0.1}},
        "compare": {"metrics": {"tv_distance": 0.02, "kl_divergence": 0.001, "acf_max_difference": 0.07,
                                "mean_path_max_difference_sd": 0.01, "mean_path_max_z": 2.5,
                                "stable_step_ratio": 30.0, "full_hamiltonian_stable_step": 0.01,
                                "surrogate_hamiltonian_stable_step": 0.3}, "seconds": 2.0},
    }


def test_report_explains_metrics_names_notes_and_shows_toml(tmp_path):
    from effpot.cli.config import TARGET_DEFAULTS
    report.write_report(str(tmp_path), fake_result(), dict(TARGET_DEFAULTS))
    page = (tmp_path / "report.html").read_text()
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=num>([^<]+)</td><td class=num>([^<]+)</td><td[^>]*>([^<]*)</td>"
                      r"<td class=why>([^<]+)</td></tr>", page)
    assert [r[0] for r in rows] == ["RMSE of U vs the coarse part (kT)", "TV distance of the q-histograms",
                                    "max |ACF difference|", "max |mean-path difference| (sd of q)",
                                    "surrogate / full largest stable Hamiltonian step"]
    assert [r[3] for r in rows] == ["pass", "pass", "FAIL", "pass", "pass"]
    for row in rows:
        assert html.unescape(row[4]) == report.METRIC_EXPLANATIONS[row[0]]
        assert row[4].count(". ") >= 1 and len(row[4]) > 80  # a sentence of what, one of why
    assert html.escape(report.Z_SCORE_NOTE) in page and "mean-path z-score" in page
    # Notes with their names; the energy is not a note.
    assert "<span class=note-name>strategy</span>: stage 1 + stage 2" in page
    assert "<span class=note-name>platform</span>: Reference" in page
    assert "note-name>energy<" not in page
    # Settings as TOML that reads back to the configuration, the energy on real lines (no literal \n).
    settings = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    assert "\\n" not in settings and "[learn]" in settings and 'friction = "auto"' in settings
    assert tomllib.loads(settings) == SETTINGS
    assert "phase_portraits" not in page  # no figure files here: none is listed
    assert "They are not meant to coincide" in dict(report.FIGURE_CAPTIONS)["phase_portraits.png"]


def test_significant_keeps_the_zeros_it_shows():
    # A learned kT of 1.0000479 must not read "1", which looks like the target echoed back.
    assert [report.significant(v) for v in (1.0000479, 0.2185, 0.05, 1234.56, 12345.6, -1.0, 0.99996)] == \
        ["1.000", "0.2185", "0.05000", "1235", "1.235e+04", "-1.000", "1.000"]
    assert report.significant(0.000331, 2) == "0.00033" and report.significant(1e-7, 2) == "1.0e-07"


def test_toml_writer_round_trips():
    config = {"model": {"energy": 'a\n"b"', "dimensions": 1, "x": 1e-300, "flag": True},
              "learn": {"starts": [[0.1, -2.0]], "grid_bins": [3, 4], "name": "tab\there", "back": "a\\b"},
              "compare": {"extra_surrogates": [{"step_size": 0.1, "splitting": "GHMC"}, {"step_size": 0.05}],
                          "odd key": {"a.b": 1, "": "empty"}}}
    text = toml_writer.dumps(config, comments={None: ["top"], "learn": ["learning"]})
    assert text.startswith("# top\n") and "# learning\n[learn]" in text
    assert tomllib.loads(text) == config


@pytest.fixture(scope="module")
def p4_potential(small_p4_potential):
    return small_p4_potential


def test_reference_panel_is_masked_outside_the_support(p4_potential, tmp_path, monkeypatch):
    drawn = []
    import matplotlib.axes
    original = matplotlib.axes.Axes.contourf

    def recording(self, X, Y, Z, *args, **kwargs):
        drawn.append((self.get_title(), np.array(Z, dtype=float)))
        return original(self, X, Y, Z, *args, **kwargs)
    monkeypatch.setattr(matplotlib.axes.Axes, "contourf", recording)
    figures.potential_2d(p4_potential, lambda q: 0.5 * (q[:, 0] ** 2 + q[:, 1] ** 2), str(tmp_path / "u.png"))
    _, _, _, supported = p4_potential.grid()
    assert not supported.all()
    assert len(drawn) == 4  # learned, reference, error, standard error (issue 15)
    for data in (drawn[0][1], drawn[1][1], drawn[3][1]):  # white (NaN) outside the support
        assert np.isnan(data[~supported]).all() and not np.isnan(data[supported]).any()


def test_1d_band_is_visible(tmp_path, monkeypatch):
    cg = effpot.CoarseGrainer(problems.p1(), 1)
    cg.setStepSize(0.3)
    cg.setFriction(0.6)
    cg.setNumReplicas(100)
    cg.setNumSteps(5000)
    cg.setNumEquilibrationSteps(500)
    potential = cg.run(platform="CPU")
    saved = []
    monkeypatch.setattr(figures, "atomic_save_figure", lambda figure, path, **options: saved.append(figure))
    figures.potential_1d([("learned U", potential)], [("coarse part", lambda q: 0.5 * q[:, 0] ** 2)], "unused.png")
    top, bottom = saved[0].axes
    _, _, errors, supported = potential.grid()
    band = 4 * np.median(errors[supported]) / potential.kT  # full width of the +-2 s.e. band, kT
    low, high = bottom.get_ylim()
    assert band / (high - low) > 0.02  # at least 2% of the panel's height (it was < 0.5% on the U scale)
    low, high = top.get_ylim()
    assert band * potential.kT / (high - low) < 0.02  # ... which is why the lower panel exists
    assert bottom.get_legend_handles_labels()[1] == ["+-2 standard errors"]


def test_maps_of_an_elongated_box_fill_their_panels():
    # An ill-conditioned landscape (a box 2 nm by 20 nm) drawn to equal scales would be a sliver in each panel.
    assert figures._map_aspect([-1.0, -10.0], [1.0, 10.0]) == "auto"
    assert figures._map_aspect([-10.0, -1.0], [10.0, 1.0]) == "auto"
    assert figures._map_aspect([-1.5, -1.0], [1.5, 2.0]) == "equal"  # P5-like boxes keep equal scales
    assert figures._map_aspect([0.0, 0.0], [3.0, 1.0]) == "equal"


def test_the_drift_temperature_per_direction_is_shown_when_known(tmp_path):
    from effpot.cli.config import TARGET_DEFAULTS
    result = fake_result()
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert "drift kT per eigendirection" not in (tmp_path / "report.html").read_text()  # not known: no n/a row
    result["learn"]["kT_drift_directions"] = [1.012, 0.981]
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert "drift kT per eigendirection of the friction (kJ/mol)</td><td>1.012, 0.9810" in (tmp_path / "report.html").read_text()
    assert "Stage 2 refinement passes" not in (tmp_path / "report.html").read_text()  # not known (1D): no row
    result["learn"].update(stage2_refinements=2, kT_drift_directions_before_refinement=[1.012, 0.981])
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    html = (tmp_path / "report.html").read_text()
    assert "Stage 2 refinement passes (drift kT with Stage 1&#x27;s D)</td><td>2 (1.012, 0.9810)" in html  # escaped
    # No pass: the row says why instead of a bare 0.
    result["learn"].update(stage2_refinements=0, kT_drift_directions_before_refinement=None)
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert "</td><td>0 (none needed: with Stage 1's D every direction was within twice its error of kT*" in \
        (tmp_path / "report.html").read_text()


@pytest.mark.parametrize("temperatures, noted", [([1.012, 1.014, 0.981], True), ([0.9985, 1.002], False),
                                                 (None, False), ([1.0], False)])
def test_the_command_notes_a_drift_temperature_that_differs_between_directions(temperatures, noted, capsys):
    from effpot.cli import command
    summary = {"kT": 1.0, "noise_covariance": [[0.1]], "noise_covariance_error": [[0.001]], "seconds": 1.0}
    if temperatures is not None:
        summary["kT_drift_directions"] = temperatures
    command._print_learning(summary)
    out = capsys.readouterr().out
    assert ("note: the drift kT differs" in out) == noted
    if noted:
        assert "3.3%" in out and "1.012, 1.014, 0.981" in out


def test_settings_with_extra_surrogates_are_shown_as_toml(tmp_path):
    # The demo's [compare] extra_surrogates is a list of inline tables: the report used to fall back to JSON for it
    # while calling it TOML.
    from effpot.cli.config import TARGET_DEFAULTS
    result = fake_result()
    result["settings"]["compare"] = {"extra_surrogates": [{"step_size": 0.1, "splitting": "GHMC"}]}
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    page = (tmp_path / "report.html").read_text()
    assert "(TOML, as effpot learn reads it)" in page
    settings = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    assert tomllib.loads(settings) == result["settings"]


def test_every_summary_row_says_what_it_measures(tmp_path):
    # The net speed-ups are the headline: their rows must explain themselves like the metrics do.
    from effpot.cli.config import TARGET_DEFAULTS
    result = fake_result()
    result["compare"]["metrics"].update(
        hamiltonian_net_speedup=505.0, langevin_net_speedup=1.27, surrogate_step_size=0.02, reference_step_size=0.02,
        extra_surrogates=[{"surrogate_step_size": 0.1, "surrogate_splitting": "GHMC", "tv_distance": 0.008,
                           "acf_max_difference": 0.1, "mean_path_max_difference_sd": 0.07,
                           "metropolis_acceptance": 0.9, "langevin_net_speedup": 3.1}])
    rows = report.checks(result, dict(TARGET_DEFAULTS))
    labels = [label for label, *_ in rows]
    assert sum(label.startswith("net speed-up") for label in labels) == 3
    assert [label for label in labels if len(report._explanation(label)) < 80] == []


def test_a_step_that_went_non_finite_is_marked_in_the_stable_step_figure(tmp_path, monkeypatch):
    # A model that blew up has no energy error to draw: the figure must mark the step, not just end the curve.
    saved = []
    monkeypatch.setattr(figures, "atomic_save_figure", lambda figure, path, **options: saved.append(figure))
    curves = {"stable_steps_full": [(0.001, 0.01), (0.002, 0.05), (0.004, float("inf"))],
              "stable_steps_surrogate": [(0.01, 1e-4), (0.02, 0.1), (0.04, 0.5)]}
    metrics = {"stable_step_ratio": 10.0, "full_hamiltonian_stable_step": 0.002,
               "surrogate_hamiltonian_stable_step": 0.02}
    figures.stable_steps(curves, metrics, 0.2, str(tmp_path / "stable_steps.png"))
    panel = saved[0].axes[0]
    crosses = [line for line in panel.get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [0.004]
    assert crosses[0].get_ydata()[0] == pytest.approx(panel.get_ylim()[1])
    assert "went non-finite" in [t.get_text() for t in panel.get_legend().get_texts()]
