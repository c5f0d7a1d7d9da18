"""The ``effpot`` command (docs/cli.md).

    effpot learn CONFIG.toml -o DIR    learn the effective potential; write it, result.json, figures, report.html
                                       (--workers N: worker processes; --checkpoint DIR: resumable)
    effpot compare DIR                 run the surrogate-vs-reference comparisons for a learned DIR
    effpot demo [-o DIR]               the Muller-Brown problem P5 end to end (learn, compare, report)
    effpot export DIR --format F -o FILE  U of a learned DIR as a PLUMED EXTERNAL grid, .npz or .csv
    effpot scan CONFIG.toml -o DIR     the scale scan: figures, scan.json and a learn configuration per level
    effpot --version                   effpot and OpenMM versions

Nothing is written until the computation is done, and then every file is written atomically; a new DIR is first
assembled under a temporary name and renamed into place. An interrupted run (Ctrl-C) leaves no partial file.
"""
import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from importlib import resources

from . import config as config_module
from .report import (draw_comparison_figures, draw_learning_figures, learning_result, read_json, write_json,
                     write_report)

RESULT, SAVED_POTENTIAL, FORCE, CONFIG = "result.json", "effective_potential.xml", "potential.xml", "config.toml"


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _progress_reporter(enabled):
    """A TextProgress (a bar on a terminal, plain lines elsewhere), or None without one."""
    if not enabled:
        return None
    from ._progress import TextProgress
    return TextProgress()


def _rounded(values, digits=4):
    """A number or nested list of numbers for people: `digits` significant digits."""
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(_rounded(v, digits) for v in values) + "]"
    return f"{values:.{digits}g}"


def _write_learning(folder, config_text, config, potential, summary):
    import openmm as mm
    from ._files import atomic_write_text
    from .workflow import coarse_values
    atomic_write_text(os.path.join(folder, CONFIG), config_text)
    potential.save(os.path.join(folder, SAVED_POTENTIAL))
    atomic_write_text(os.path.join(folder, FORCE), mm.XmlSerializer.serialize(potential.createForce([0])))
    result = learning_result(config, potential, summary)
    name = config["model"].get("name", "effective potential")
    rmse = f", RMSE {summary['rmse_kT']:.3f} kT" if "rmse_kT" in summary else ""
    draw_learning_figures(folder, potential, coarse_values(config), f"{name}: learned U{rmse}")
    write_json(os.path.join(folder, RESULT), result)
    write_report(folder, result, config_module.targets(config))
    return result


def _prepare_output(folder, force):
    """A fresh temporary folder next to `folder` (renamed into place at the end), or `folder` itself with --force."""
    folder = os.path.abspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise CommandError(f"{folder} exists and is not a directory: choose another output directory (-o)")
    if os.path.isdir(folder) and os.listdir(folder):
        if not force:
            raise CommandError(f"{folder} already exists and is not empty: choose another output directory (-o) "
                               "or pass --force to overwrite its files")
        return folder, None
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(folder)}.partial-")
    return staging, folder


def _finish_output(staging, final):
    if final is None:
        return
    os.chmod(staging, 0o755)
    if os.path.isdir(final):  # an empty folder the user made
        os.rmdir(final)
    os.replace(staging, final)


def _executor(workers):
    """Worker processes for --workers N (None: threads in this process, the fastest on one machine)."""
    if not workers:
        return contextlib.nullcontext(None)
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    from .executors import local_executor
    return local_executor(workers)


def learn(config_path, output, force=False, progress=True, then_compare=False, workers=None, checkpoint=None):
    config = config_module.load(config_path)
    with open(config_path, encoding="utf-8") as stream:
        config_text = stream.read()
    staging, final = _prepare_output(output, force)
    try:
        from .workflow import learn as run_learning
        with _executor(workers) as executor:
            # Without a bar a silent callback still returns to Python now and then, so that Ctrl-C is handled.
            potential, summary = run_learning(config, progress=True if progress else (lambda *report: None),
                                              executor=executor, checkpoint=checkpoint)
            _print_learning(summary)  # the RMSE is printed here, not again among the comparison checks
            if then_compare:
                _compare_into(staging, config, potential, learning_result(config, potential, summary), progress,
                              config_text=config_text, summary=summary, executor=executor)
            else:
                _write_learning(staging, config_text, config, potential, summary)
        _finish_output(staging, final)
    except BaseException:
        if final is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"effpot: wrote {os.path.abspath(output)} (open report.html)")


def _print_learning(summary):
    print(f"learned: kT = {summary['kT']:.4g} kJ/mol, D = {_rounded(summary['noise_covariance'])} "
          f"(standard errors {_rounded(summary['noise_covariance_error'], 2)}), {summary['seconds']:.1f} s")
    if "rmse_kT" in summary:
        print(f"  RMSE of U against the coarse part: {summary['rmse_kT']:.4f} kT")


def _compare_into(folder, config, potential, result, progress, config_text=None, summary=None, executor=None):
    from .workflow import comparison_settings, run_comparisons
    reporter = _progress_reporter(progress)
    metrics, curves, seconds = run_comparisons(config, potential, progress=None if reporter is None else
                                               reporter.report, executor=executor)
    settings = comparison_settings(config)
    if reporter is not None:
        reporter.finish()
    if config_text is not None:
        _write_learning(folder, config_text, config, potential, summary)
    targets = config_module.targets(config)
    result["compare"] = {"metrics": metrics, "seconds": seconds, "targets": targets,
                         "settings": vars(settings)}
    draw_comparison_figures(folder, metrics, curves, settings)
    write_json(os.path.join(folder, RESULT), result)
    write_report(folder, result, targets)
    from .report import checks
    for label, value, target, passed in checks(result, targets):
        if summary is not None and label.startswith("RMSE"):
            continue  # printed with the learned numbers
        verdict = "" if passed is None else ("pass" if passed else "FAIL")
        shown = "n/a" if value is None else f"{value:.4g}"
        print(f"  {label}: {shown}" + (f" (target {target}) {verdict}" if target else ""))
    return result


def compare(folder, progress=True, workers=None):
    folder = os.path.abspath(folder)
    for name in (CONFIG, SAVED_POTENTIAL, RESULT):
        if not os.path.isfile(os.path.join(folder, name)):
            raise CommandError(f"{folder} has no {name}: give a folder written by 'effpot learn'")
    from .coarse_graining import EffectivePotential
    config = config_module.load(os.path.join(folder, CONFIG))
    potential = EffectivePotential.load(os.path.join(folder, SAVED_POTENTIAL))
    result = read_json(os.path.join(folder, RESULT))
    with _executor(workers) as executor:
        _compare_into(folder, config, potential, result, progress, executor=executor)
    print(f"effpot: updated {folder} (open report.html)")


def demo_config_path():
    return resources.files("effpot").joinpath("configs", "p5_muller_brown.toml")


def demo(output, force=False, progress=True, workers=None):
    with resources.as_file(demo_config_path()) as path:
        learn(path, output, force=force, progress=progress, then_compare=True, workers=workers)


def version_text():
    import openmm as mm
    from . import __version__
    return f"effpot {__version__} (OpenMM {mm.Platform.getOpenMMVersion()})"


EPILOG = """\
A configuration is a TOML file with the sections [model] (energy, dimensions, coarse_energy, name),
[run] (platform, threads, seed), [learn] (step_size is required), [compare] and [targets]; unknown
keys are rejected with the closest known name. DIR receives config.toml, effective_potential.xml,
potential.xml (an OpenMM force), result.json, figures/ and report.html.

  python -m effpot.config     lists every configuration key with its meaning
  python -m pydoc effpot      documents the Python API
  effpot COMMAND --help       the options of one command"""


def build_parser():
    parser = argparse.ArgumentParser(prog="effpot", description="Learn effective potentials of multiscale energy "
                                     "landscapes with OpenMM, and judge them by their surrogate models.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the effpot and OpenMM versions and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    learn_parser = commands.add_parser("learn", help="learn the effective potential of a configuration")
    learn_parser.add_argument("config", help="TOML configuration (keys: python -m effpot.config)")
    learn_parser.add_argument("-o", "--output", required=True, help="output directory (must be new or empty)")
    learn_parser.add_argument("--compare", action="store_true", help="run the comparisons too")
    compare_parser = commands.add_parser("compare", help="compare surrogate and reference models of a learned DIR")
    compare_parser.add_argument("directory", help="a directory written by 'effpot learn'")
    demo_parser = commands.add_parser("demo", help="Muller-Brown (P5) end to end: learn, compare, report")
    demo_parser.add_argument("-o", "--output", default="effpot-demo", help="output directory (default effpot-demo)")
    for sub in (learn_parser, demo_parser):
        sub.add_argument("--force", action="store_true", help="write into an existing non-empty directory")
    for sub in (learn_parser, compare_parser, demo_parser):
        sub.add_argument("--no-progress", action="store_true", help="no progress bars")
        sub.add_argument("--workers", type=int, default=None,
                         help="run the replica batches on N worker processes (default: threads in this process)")
    learn_parser.add_argument("--checkpoint", default=None,
                              help="folder keeping each finished piece of the learning run: rerun to resume")
    export_parser = commands.add_parser("export", help="write the learned U of DIR for PLUMED, numpy or a "
                                        "spreadsheet")
    export_parser.add_argument("directory", help="a directory written by 'effpot learn' or 'effpot demo'")
    export_parser.add_argument("--format", required=True, choices=["plumed", "npz", "csv"],
                               help="plumed: a grid for PLUMED's EXTERNAL bias; npz: axes, U, errors, support, kT, "
                               "D and provenance; csv: one row per node")
    export_parser.add_argument("-o", "--output", required=True, help="the file to write")
    export_parser.add_argument("--plumed-names", default=None,
                               help="PLUMED argument names, comma-separated (default x,y,z)")
    export_parser.add_argument("--plumed-label", default="effpot",
                               help="the EXTERNAL action's LABEL: the value column is LABEL.bias (default effpot)")
    scan_parser = commands.add_parser("scan", help="scan step sizes to find the levels of a landscape; write a "
                                      "learn configuration per level")
    scan_parser.add_argument("config", help="TOML: [model], [run], [scan] (step_sizes or step_size_range, "
                             "replicas, steps, ...) and an optional [learn] copied into each level's configuration")
    scan_parser.add_argument("-o", "--output", required=True, help="output directory (must be new or empty)")
    scan_parser.add_argument("--force", action="store_true", help="write into an existing non-empty directory")
    scan_parser.add_argument("--no-progress", action="store_true", help="no progress (with --workers/--checkpoint)")
    scan_parser.add_argument("--workers", type=int, default=None,
                             help="run each step size as a task on N worker processes (default: all in one call here)")
    scan_parser.add_argument("--checkpoint", default=None,
                             help="folder keeping each finished step size: rerun to resume")
    return parser


def _show_log_messages():
    """effpot's diagnostics go through logging (logger "effpot"); the command shows INFO and above on stderr."""
    import logging
    logger = logging.getLogger("effpot")
    if not logger.handlers:
        class StderrHandler(logging.StreamHandler):
            """Writes to sys.stderr as it is at each message (not as it was when the handler was made)."""
            @property
            def stream(self):
                return sys.stderr

            @stream.setter
            def stream(self, value):
                pass

        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("effpot: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv=None):
    args = build_parser().parse_args(argv)
    _show_log_messages()
    progress = not getattr(args, "no_progress", False)
    try:
        if args.command == "export":
            from ._commands import export as export_command
            export_command(args.directory, args.format, args.output, names=args.plumed_names,
                           label=args.plumed_label)
        elif args.command == "scan":
            from ._commands import scan as scan_command
            scan_command(args.config, args.output, force=args.force, progress=progress, workers=args.workers,
                         checkpoint=args.checkpoint)
        elif args.command == "learn":
            learn(args.config, args.output, force=args.force, progress=progress, then_compare=args.compare,
                  workers=args.workers, checkpoint=args.checkpoint)
        elif args.command == "compare":
            compare(args.directory, progress=progress, workers=args.workers)
        else:
            demo(args.output, force=args.force, progress=progress, workers=args.workers)
    except (CommandError, config_module.ConfigError) as error:
        print(f"effpot {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\neffpot {args.command}: interrupted; no file was left half-written", file=sys.stderr)
        return 130
    except Exception as error:  # an OpenMMException from the run: the message says what to change
        import openmm
        if isinstance(error, openmm.OpenMMException):
            print(f"effpot {args.command}: error: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
