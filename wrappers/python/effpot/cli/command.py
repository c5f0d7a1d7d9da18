"""The ``effpot`` command (docs/cli.md).

    effpot learn CONFIG.toml -o DIR    learn the effective potential; write it, result.json, figures, report.html
                                       (--workers N: worker processes; --checkpoint DIR: resumable)
    effpot compare DIR                 run the surrogate-vs-reference comparisons for a learned DIR
    effpot demo [-o DIR]               the Muller-Brown problem P5 end to end (learn, compare, report)
    effpot export DIR --format F -o FILE  U of a learned DIR (or of a potential file) as a PLUMED EXTERNAL grid,
                                       .npz or .csv
    effpot scan CONFIG.toml -o DIR     the scale scan: figures, scan.json and a learn configuration per level
    effpot --version                   effpot and OpenMM versions

Nothing is written until the computation is done, and then every file is written atomically; a new DIR is first
assembled under a temporary name and renamed into place. An interrupted run (Ctrl-C, SIGTERM, SIGHUP: a closed
terminal) leaves no partial file; a killed one (SIGKILL) leaves a hidden .DIR.partial-* folder that the next run into
DIR removes. Errors are one line (exit status 2: a configuration or command-line problem, 1: a run that failed);
--debug shows the traceback.
"""
import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from importlib import resources

from ..coarse_graining.analysis import evaluation_axes, rmse_in_kt
from ..coarse_graining.export import PLUMED_OFFSET_KT, _variable_names, export_potential
from ..coarse_graining.potential import EffectivePotential
from ..distributed.checkpoint import CheckpointError
from ..shared.files import atomic_write_text
from . import config as config_module
from .output import (CONFIG, FORCE, RESULT, SAVED_POTENTIAL, CommandError, RunFailed, check_writable, finish_output,
                     prepare_output, progress_reporter, rescue, worker_executor)
from .report import (checks, draw_comparison_figures, draw_learning_figures, learning_result, read_json, significant,
                     write_json, write_report)
from .runs import coarse_values, comparison_settings, run_comparisons


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled like Ctrl-C (the same cleanup), with the signal's exit status 128 + number."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise Terminated(signum)


@contextlib.contextmanager
def _terminating_signals():
    """SIGTERM and SIGHUP raise Terminated (a KeyboardInterrupt) in the main thread while the command runs, so that
    they clean up as Ctrl-C does. Python runs the handler at its next bytecode: long C++ calls return to Python at
    their progress reports (a few per second), so the run stops within a second."""
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[signum] = signal.signal(signum, _raise_terminated)
        except (ValueError, OSError):  # not the main thread, or no such signal here
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _rounded(values, digits=4):
    """A number or nested list of numbers for people: `digits` significant digits."""
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(_rounded(v, digits) for v in values) + "]"
    return significant(values, digits)


def _write_learning(folder, config_text, config, potential, summary):
    import openmm as mm
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


def learn(config_path, output, force=False, progress=True, then_compare=False, workers=None, checkpoint=None):
    """Returns the number of comparison targets that failed (0 without --compare)."""
    config = config_module.load(config_path)
    with open(config_path, encoding="utf-8") as stream:
        config_text = stream.read()
    staging, final = prepare_output(output, force)
    failed = 0
    try:
        from .runs import learn as run_learning
        with worker_executor(workers) as executor:
            # Without a bar a silent callback still returns to Python now and then, so that Ctrl-C is handled.
            potential, summary = run_learning(config, progress=True if progress else False,
                                              executor=executor, checkpoint=checkpoint)
            _print_learning(summary)  # the RMSE is printed here, not again among the comparison checks
            try:
                # The learning is written first: a comparison that fails must not cost it.
                _write_learning(staging, config_text, config, potential, summary)
                if then_compare:
                    try:
                        result, failed = _compare_into(staging, config, potential,
                                                       learning_result(config, potential, summary), progress,
                                                       summary=summary, executor=executor)
                    except (OSError, CommandError, CheckpointError):
                        raise
                    except Exception as error:
                        finish_output(staging, final)
                        raise RunFailed(f"the comparisons failed ({_one_line(error)}); the learned potential is "
                                        f"written to {os.path.abspath(output)}: 'effpot compare {output}' runs them "
                                        "again") from error
                finish_output(staging, final)
            except OSError as error:  # the disk filled up, the folder went away: keep the finished learning
                raise rescue(config_text, potential, learning_result(config, potential, summary), error,
                             final or staging) from None
    except BaseException:
        if final is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"effpot: wrote {os.path.abspath(output)} (open report.html)")
    return failed


# The drift temperatures of Stage 2's eigendirections scatter by a few tenths of a percent at the default run
# lengths; a spread above this is a real anisotropy of the calibrated dynamics.
ANISOTROPY_NOTE = 0.02


def anisotropy(temperatures):
    """(max - min) / mean of the drift temperatures per direction, or None without them."""
    if not temperatures or len(temperatures) < 2:
        return None
    return (max(temperatures) - min(temperatures)) / (sum(temperatures) / len(temperatures))


def _print_learning(summary):
    print(f"learned: kT = {significant(summary['kT'])} kJ/mol, D = {_rounded(summary['noise_covariance'])} "
          f"(standard errors {_rounded(summary['noise_covariance_error'], 2)}), {summary['seconds']:.1f} s")
    if "rmse_kT" in summary:
        print(f"  RMSE of U against the coarse part: {summary['rmse_kT']:.4f} kT")
    spread = anisotropy(summary.get("kT_drift_directions"))
    if spread is not None and spread > ANISOTROPY_NOTE:
        values = ", ".join(significant(t) for t in summary["kT_drift_directions"])
        print(f"  note: the drift kT differs between the friction's eigendirections ({values}: {100 * spread:.1f}%); "
              "U puts that into its curvature, and a weakly damped surrogate's ACF may drift (docs/comparisons.md)")
    # The library's own notes (report.notes: resolutionWarning, stage1Precision, stage1Rounds, ...), which report.html
    # and result.json hold too.
    # (Not Stage 1's per-design normality notes: they say themselves that they are expected away from quadratic
    # landscapes and do not reach the fit; the demo printed one on every run.)
    for name, text in summary.get("notes", {}).items():
        if not name.startswith("stage1Note"):
            print(f"  note: {name}: {' '.join(text.split())}")


def _compare_into(folder, config, potential, result, progress, summary=None, executor=None):
    reporter = progress_reporter(progress)
    metrics, curves, seconds = run_comparisons(config, potential, progress=None if reporter is None else
                                               reporter.report, executor=executor)
    settings = comparison_settings(config)
    if reporter is not None:
        reporter.finish()
    targets = config_module.targets(config)
    result["compare"] = {"metrics": metrics, "seconds": seconds, "targets": targets,
                         "settings": vars(settings)}
    draw_comparison_figures(folder, metrics, curves, settings)
    write_json(os.path.join(folder, RESULT), result)
    write_report(folder, result, targets)
    failed = 0
    for label, value, target, passed in checks(result, targets):
        if summary is not None and label.startswith("RMSE"):
            continue  # printed with the learned numbers
        verdict = "" if passed is None else ("pass" if passed else "FAIL")
        failed += passed is False
        shown = "n/a" if value is None else f"{value:.4g}"
        print(f"  {label}: {shown}" + (f" (target {target}) {verdict}" if target else ""))
    return result, failed


def _check_matches(folder, config, potential):
    """Refuse a potential that was not learned with the folder's configuration (dimensions, step size, energy)."""
    model, learn = config["model"], config["learn"]
    calibration = potential.calibration
    differences = []
    if potential.dimensions != model["dimensions"]:
        differences.append(f"dimensions: config {model['dimensions']}, potential {potential.dimensions}")
    step = calibration.stepSize
    if calibration.isKnown and abs(step - learn["step_size"]) > 1e-12 * abs(learn["step_size"]):
        differences.append(f"step size: config {learn['step_size']}, potential {step}")
    energy = calibration.energy
    if energy and energy != model["energy"]:
        differences.append(f"energy: config {model['energy']!r}, potential {energy!r}")
    if differences:
        raise CommandError(f"{os.path.join(folder, SAVED_POTENTIAL)} was not learned with {os.path.join(folder, CONFIG)} "
                           f"({'; '.join(differences)}): give a folder written by one 'effpot learn'")


def compare(folder, progress=True, workers=None):
    """Returns the number of targets that failed."""
    folder = os.path.abspath(folder)
    if os.path.isfile(folder):
        # compare reads config.toml and result.json next to the potential and rewrites the folder's report: it works
        # on the whole folder, so name it rather than guess from one of its files.
        raise CommandError(f"{folder} is a file: effpot compare reads and updates a whole folder written by 'effpot "
                           f"learn' ({CONFIG}, {SAVED_POTENTIAL}, {RESULT}); give the folder that holds it: "
                           f"effpot compare {os.path.dirname(folder)}")
    for name in (CONFIG, SAVED_POTENTIAL, RESULT):
        if not os.path.isfile(os.path.join(folder, name)):
            raise CommandError(f"{folder} has no {name}: give a folder written by 'effpot learn'")
    import openmm
    config = config_module.load(os.path.join(folder, CONFIG))
    try:
        potential = EffectivePotential.load(os.path.join(folder, SAVED_POTENTIAL))
    except openmm.OpenMMException as error:
        raise CommandError(str(error)) from None
    _check_matches(folder, config, potential)
    check_writable(folder)  # before the comparisons run, not after
    try:
        result = read_json(os.path.join(folder, RESULT))
    except ValueError as error:  # UnicodeDecodeError too
        raise CommandError(f"{os.path.join(folder, RESULT)} is not valid JSON ({error}): run 'effpot learn' "
                           "again") from None
    if not isinstance(result, dict) or not isinstance(result.get("learn", {}), dict):
        raise CommandError(f"{os.path.join(folder, RESULT)} is not a result effpot wrote (a table with a 'learn' "
                           "table): run 'effpot learn' again")
    # The learning numbers shown and written come from the potential itself, not from an older result.json.
    learned = result.setdefault("learn", {})
    learned.update(kT=potential.kT, noise_covariance=potential.noiseCovariance.tolist(),
                   noise_covariance_error=potential.noiseCovarianceError.tolist(), diagnostics=potential.diagnostics)
    reference = coarse_values(config)
    if reference is not None:
        learned["rmse_kT"] = rmse_in_kt(potential, reference, evaluation_axes(potential))
    else:
        learned.pop("rmse_kT", None)
    with worker_executor(workers) as executor:
        _, failed = _compare_into(folder, config, potential, result, progress, executor=executor)
    print(f"effpot: updated {folder} (open report.html)")
    return failed


def demo_config_path():
    return resources.files("effpot.cli").joinpath("configs", "p5_muller_brown.toml")


def demo(output, force=False, progress=True, workers=None):
    with resources.as_file(demo_config_path()) as path:
        return learn(path, output, force=force, progress=progress, then_compare=True, workers=workers)


def export(folder, format, output, names=None, label=None, force=False):
    """``effpot export``: the learned potential of DIR as a PLUMED grid, an .npz or a .csv file. Every problem with
    the command line, the input folder or the output path is a CommandError (exit status 2), found before writing."""
    if format != "plumed":
        given = [flag for flag, value in (("--plumed-names", names), ("--plumed-label", label)) if value is not None]
        if given:
            raise CommandError(f"{' and '.join(given)} {'are' if len(given) > 1 else 'is'} for --format plumed only: "
                               f"the {format} file has no PLUMED arguments or label; leave "
                               f"{'them' if len(given) > 1 else 'it'} out")
    if format == "plumed":
        label = "effpot" if label is None else label
    path = _potential_file(folder)
    # As learn and scan refuse a folder that holds results, export keeps a file that exists (a user's edited grid).
    if os.path.isdir(output):
        raise CommandError(f"-o {output}: is a directory; give the file to write, e.g. {os.path.join(output, 'U.' + ('grid' if format == 'plumed' else format))}")
    if os.path.exists(output) and not force:
        raise CommandError(f"-o {output}: the file exists; give another name or --force to replace it")
    _check_file_writable(output)  # before the work, as learn checks its -o folder
    import openmm
    try:
        potential = EffectivePotential.load(path)
    except openmm.OpenMMException as error:  # a truncated file, another kind of XML: as compare reports it
        raise CommandError(_one_line(error)) from None
    if names is not None:
        given, names = names, [n.strip() for n in names.split(",")]
        d = potential.dimensions
        try:
            _variable_names(potential, names)
        except ValueError:
            raise CommandError(f"--plumed-names {given!r}: give {d} distinct PLUMED argument name"
                               f"{'s' if d > 1 else ''} without spaces, comma-separated, e.g. "
                               f"{','.join(['p.x', 'p.y', 'p.z'][:d])}") from None
    try:
        export_potential(potential, output, format, names=names, label=label)
    except ValueError as error:
        message = str(error)
        if message.startswith("label:"):
            message = "--plumed-label" + message[len("label"):]
        raise CommandError(message) from None
    except OSError as error:  # the folder went away or filled up after the check
        raise CommandError(f"cannot write {os.path.abspath(output)}: {error.strerror or error}: choose another "
                           "output file (-o)") from None
    nodes = "x".join(str(n) for n in potential.getNodes())
    print(f"effpot: wrote {os.path.abspath(output)} ({format}, {nodes} nodes)")
    if format == "plumed":
        labels = names or ["x", "y", "z"][:potential.dimensions]
        print(f"  PLUMED input: EXTERNAL ARG={','.join(labels)} FILE={os.path.basename(output)} LABEL={label}")
        box = ", ".join(f"{n} in [{lo:.4g}, {hi:.4g}]" for n, lo, hi in
                        zip(labels, potential.getLower(), potential.getUpper()))
        print(f"  grid box (nm): {box}; keep the arguments inside it (LOWER_WALLS/UPPER_WALLS): PLUMED stops "
              "outside a grid")
        print(f"  values: U + a constant, the minimum at {PLUMED_OFFSET_KT:g} kT (docs: PLUMED's spline divides "
              "by node values)")


def _potential_file(given):
    """The file export reads: DIR/effective_potential.xml for a folder, or the file given (that one, or any file
    EffectivePotential.save wrote: export needs nothing else from the folder)."""
    given = os.path.abspath(given)
    if os.path.isfile(given):
        return given
    if not os.path.isdir(given):
        raise CommandError(f"{given} does not exist: give a folder written by 'effpot learn' or 'effpot demo', or "
                           f"its {SAVED_POTENTIAL}")
    path = os.path.join(given, SAVED_POTENTIAL)
    if not os.path.isfile(path):
        raise CommandError(f"{given} has no {SAVED_POTENTIAL}: give a folder written by 'effpot learn' or "
                           f"'effpot demo', or a potential file (EffectivePotential.save)")
    return path


def _check_file_writable(output):
    """The folder of an export's -o must exist and take a file: the same status and style as learn's -o."""
    directory = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(directory):
        raise CommandError(f"cannot write {os.path.abspath(output)}: its folder {directory} does not exist: choose "
                           "another output file (-o), or create the folder first")
    try:
        handle, probe = tempfile.mkstemp(dir=directory, prefix=".effpot-probe-")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise CommandError(f"cannot write {os.path.abspath(output)}: {error.strerror or error}: choose another output "
                           "file (-o)") from None


def version_text():
    import openmm as mm
    from .. import __version__
    return f"effpot {__version__} (OpenMM {mm.Platform.getOpenMMVersion()})"


EPILOG = """\
A configuration is a TOML file with the sections [model] (energy, dimensions, coarse_energy, name),
[run] (platform, threads, seed), [learn] (step_size is required), [compare] and [targets]; unknown
keys are rejected with the closest known name. DIR receives config.toml, effective_potential.xml,
potential.xml (an OpenMM force), result.json, figures/ and report.html.

  python -m effpot.cli.config  lists every configuration key with its meaning
  python -m pydoc effpot       documents the Python API
  effpot COMMAND --help        the options of one command"""


def build_parser():
    parser = argparse.ArgumentParser(prog="effpot", description="Learn effective potentials of multiscale energy "
                                     "landscapes with OpenMM, and judge them by their surrogate models.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the effpot and OpenMM versions and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    learn_parser = commands.add_parser("learn", help="learn the effective potential of a configuration")
    learn_parser.add_argument("config", help="TOML configuration (keys: python -m effpot.cli.config)")
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
        sub.add_argument("--workers", type=_positive_int, default=None,
                         help="run the replica batches on N worker processes (default: threads in this process)")
        sub.add_argument("--debug", action="store_true", help="show the traceback of an error")
    for sub in (learn_parser, compare_parser):
        sub.add_argument("--strict", action="store_true",
                         help="exit with status 1 when a comparison target fails (default: report FAIL, exit 0)")
    learn_parser.add_argument("--checkpoint", default=None,
                              help="folder keeping each finished piece of the learning run: rerun to resume")
    export_parser = commands.add_parser("export", help="write the learned U of DIR for PLUMED, numpy or a "
                                        "spreadsheet")
    export_parser.add_argument("directory", help="a directory written by 'effpot learn' or 'effpot "
                               "demo', or the potential file itself (DIR/effective_potential.xml, or one that "
                               "EffectivePotential.save wrote)")
    export_parser.add_argument("--format", required=True, choices=["plumed", "npz", "csv"],
                               help="plumed: a grid for PLUMED's EXTERNAL bias; npz: axes, U, errors, support, kT, "
                               "D and provenance; csv: one row per node")
    export_parser.add_argument("-o", "--output", required=True, help="the file to write")
    export_parser.add_argument("--plumed-names", default=None,
                               help="PLUMED argument names, comma-separated (default x,y,z; --format plumed only)")
    export_parser.add_argument("--plumed-label", default=None,
                               help="the EXTERNAL action's LABEL: the value column is LABEL.bias (default effpot; "
                               "--format plumed only)")
    export_parser.add_argument("--force", action="store_true", help="replace the output file if it exists")
    scan_parser = commands.add_parser("scan", help="scan step sizes to find the levels of a landscape; write a "
                                      "learn configuration per level")
    scan_parser.add_argument("config", help="TOML: [model], [run], [scan] (step_sizes or step_size_range, "
                             "replicas, steps, ...) and an optional [learn] copied into each level's configuration")
    scan_parser.add_argument("-o", "--output", required=True, help="output directory (must be new or empty)")
    scan_parser.add_argument("--force", action="store_true", help="write into an existing non-empty directory")
    scan_parser.add_argument("--no-progress", action="store_true", help="no progress (with --workers/--checkpoint)")
    scan_parser.add_argument("--workers", type=_positive_int, default=None,
                             help="run each step size as a task on N worker processes (default: all in one call here)")
    scan_parser.add_argument("--checkpoint", default=None,
                             help="folder keeping each finished step size: rerun to resume")
    for sub in (export_parser, scan_parser):
        sub.add_argument("--debug", action="store_true", help="show the traceback of an error")
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


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _say(text):
    try:
        print(text, file=sys.stderr)
    except OSError:  # the terminal is gone (SIGHUP)
        pass


class _ForgivingStdout:
    """sys.stdout for the length of a command: a reader that went away (``| head``, a closed pipe) or a full disk
    (``> /dev/full``) only silences the summary lines; the run goes on and writes its folder. Printing used to raise
    BrokenPipeError between the learning and the writing, and the finished learning was thrown away."""

    def __init__(self, stream):
        self.stream = stream
        self.broken = False

    def write(self, text):
        if not self.broken:
            try:
                return self.stream.write(text)
            except OSError:
                self.broken = True
        return len(text)

    def flush(self):
        if not self.broken:
            try:
                self.stream.flush()
            except OSError:
                self.broken = True

    def __getattr__(self, name):
        return getattr(self.stream, name)


@contextlib.contextmanager
def _forgiving_stdout():
    original = sys.stdout
    sys.stdout = _ForgivingStdout(original)
    try:
        yield sys.stdout
    finally:
        sys.stdout = original
        if sys.stdout is not None and getattr(original, "fileno", None) is not None:
            try:
                original.flush()
            except (OSError, ValueError):
                # Nothing more can reach that reader: point the descriptor at /dev/null, so that the interpreter's
                # own flush at exit does not print a BrokenPipeError traceback.
                try:
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, original.fileno())
                    os.close(devnull)
                except (OSError, ValueError):
                    pass


def main(argv=None):
    with _forgiving_stdout():
        return _main(argv)


def _main(argv):
    args = build_parser().parse_args(argv)
    _show_log_messages()
    progress = not getattr(args, "no_progress", False)
    name = f"effpot {args.command}"
    failed = 0
    try:
        with _terminating_signals():
            if args.command == "export":
                export(args.directory, args.format, args.output, names=args.plumed_names,
                       label=args.plumed_label, force=args.force)
            elif args.command == "scan":
                from .scan import scan as scan_command
                scan_command(args.config, args.output, force=args.force, progress=progress, workers=args.workers,
                             checkpoint=args.checkpoint)
            elif args.command == "learn":
                failed = learn(args.config, args.output, force=args.force, progress=progress,
                               then_compare=args.compare, workers=args.workers, checkpoint=args.checkpoint)
            elif args.command == "compare":
                failed = compare(args.directory, progress=progress, workers=args.workers)
            else:
                failed = demo(args.output, force=args.force, progress=progress, workers=args.workers)
    except Terminated as error:
        _say(f"\n{name}: stopped by {signal.Signals(error.signum).name}; no file was left half-written")
        return 128 + error.signum
    except KeyboardInterrupt:
        _say(f"\n{name}: interrupted; no file was left half-written")
        return 130
    except (CommandError, config_module.ConfigError, CheckpointError) as error:
        if getattr(args, "debug", False):
            raise
        _say(f"{name}: error: {error}")
        return 2
    except Exception as error:  # a run that failed: the message says what to change
        if getattr(args, "debug", False):
            raise
        _say(f"{name}: error: {_one_line(error)}")
        return 1
    if failed and getattr(args, "strict", False):
        _say(f"{name}: {failed} comparison target(s) failed (--strict)")
        return 1
    return 0


def _one_line(error):
    """An exception as one line: the message of the run's errors, the type and message of unexpected ones."""
    import openmm
    if isinstance(error, (RunFailed, openmm.OpenMMException)):
        text = str(error)
    elif isinstance(error, OSError) and error.filename is not None:
        text = f"{error.filename}: {error.strerror}"
    else:
        text = f"{type(error).__name__}: {error} (an unexpected error; --debug shows where)"
    return " ".join(text.split())

