"""What the commands say and write in a few corners: report.html shows this run's figures only, scan refuses a
repeated step size, export's bad paths and flags are command-line problems (status 2), and learn prints the library's
notes."""
import contextlib
import io
import json
import os
import shutil

import pytest

from effpot.cli import command as cli, report, scan
from test_cli import GOOD, write


def run_cli(args, capsys):
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """A learned folder and what learn printed."""
    folder = tmp_path_factory.mktemp("messages")
    output = os.path.join(str(folder), "out")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["learn", write(str(folder), GOOD), "-o", output, "--no-progress"]) == 0
    return output, out.getvalue()


# -- report.html: the figures of this run only ---------------------------------------------------------------------

def _figures_in(page):
    return {file for file, _ in report.FIGURE_CAPTIONS if f'src="{report.FIGURES}/{file}"' in page}


def test_report_leaves_out_comparison_figures_of_a_result_without_comparison(tmp_path):
    from effpot.cli.config import TARGET_DEFAULTS
    (tmp_path / report.FIGURES).mkdir()
    for file, _ in report.FIGURE_CAPTIONS:
        (tmp_path / report.FIGURES / file).write_bytes(b"png")
    result = {"settings": {}, "learn": {"kT": 1.0}}
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert _figures_in((tmp_path / "report.html").read_text()) == {"potential.png"}
    result["compare"] = {"metrics": {"tv_distance": 0.01}}
    report.write_report(str(tmp_path), result, dict(TARGET_DEFAULTS))
    assert _figures_in((tmp_path / "report.html").read_text()) == {file for file, _ in report.FIGURE_CAPTIONS}


def test_learn_force_over_a_compared_folder_drops_the_old_comparison_figures(learned, tmp_path, capsys):
    output = str(tmp_path / "again")
    shutil.copytree(learned[0], output)
    for file in report.COMPARISON_FIGURES:  # as an earlier 'learn --compare' left them
        shutil.copy(os.path.join(output, report.FIGURES, "potential.png"), os.path.join(output, report.FIGURES, file))
    code, out, err = run_cli(["learn", os.path.join(output, "config.toml"), "-o", output, "--force", "--no-progress"],
                             capsys)
    assert code == 0, err
    with open(os.path.join(output, "result.json")) as stream:
        assert "compare" not in json.load(stream)
    with open(os.path.join(output, "report.html")) as stream:
        assert _figures_in(stream.read()) == {"potential.png"}
    assert sorted(os.listdir(os.path.join(output, report.FIGURES))) == ["potential.png"]
