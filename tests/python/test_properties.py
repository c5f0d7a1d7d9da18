"""Property-based tests (hypothesis) of the entry points that read outside input: random strings, truncations and
damaged values for the loaders, random configurations for the parser, NaN/inf and wrong shapes for evaluate and
DampedVerletIntegrator.addBlock, wrong types and values for the CoarseGrainer setters.

The property: a call returns or raises one of the clear exceptions (openmm.OpenMMException, ValueError, TypeError,
OSError); it never crashes the process. Each property runs in a child process (a segfault must fail the test, not
end the suite), which prints every input before trying it, so that a crash names its input. Example counts are
small (the suite stays fast); derandomized, so a failure reproduces.
"""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = int(os.environ.get("EFFPOT_HYPOTHESIS_EXAMPLES", "150"))

TINY = """
[model]
dimensions = 1
energy = "x^2/2 + 0.01*sin(x/0.01)"
[run]
threads = 1
[learn]
step_size = 0.3
friction = 0.6
replicas = 40
steps = 2000
equilibration_steps = 100
batches = 2
grid_bins = [40]
allow_non_gaussian = true
"""


def _allowed():
    import openmm
    return (openmm.OpenMMException, ValueError, TypeError, OSError)


def _show(label, value):
    print(f"INPUT {label}: {repr(value)[:400]}", flush=True)


def _settings(examples):
    from hypothesis import HealthCheck, settings
    return settings(max_examples=examples, deadline=None, database=None,
                    derandomize=not os.environ.get("EFFPOT_HYPOTHESIS_RANDOM"),
                    suppress_health_check=list(HealthCheck), print_blob=False)


# ---- the base texts the loaders get, damaged ----

def _bases():
    import numpy as np
    import openmm as mm
    import effpot
    from effpot.cli import config, runs
    cg = runs.coarse_grainer(config.validate(__import__("tomllib").loads(TINY)))
    potential = cg.run()
    integrator = effpot.DampedVerletIntegrator(0.01)
    integrator.addBlock([0], np.eye(3), np.eye(3))
    integrator.setNoiseCovariance(0, 0.1 * np.eye(3))
    force = effpot.ReplicaExpressionForce("x^2")
    force.addParticles([0, 1])
    system = mm.System()
    system.addParticle(1.0)
    return {
        "potential": potential.toXml(),
        "integrator": mm.XmlSerializer.serialize(integrator),
        "force": mm.XmlSerializer.serialize(force),
        "grainer": cg.toXml(),
        "statistics": cg.samplingStatistics().toXml(),
        "system": mm.XmlSerializer.serialize(system),
        "emitted force": mm.XmlSerializer.serialize(potential.createForce([0])),
    }


def _loaders():
    import effpot
    from effpot import effpot_swig
    return {
        "potential": effpot.EffectivePotential.fromXml,
        "integrator": effpot.DampedVerletIntegrator.deserialize,
        "force": effpot.ReplicaExpressionForce.deserialize,
        "grainer": effpot.CoarseGrainer.fromXml,
        "statistics": effpot_swig._replicaStatisticsFromXml,
    }


_VALUES = ["nan", "inf", "-inf", "1e308", "-1e308", "-1", "0", "1", "3", "2147483648", "-2147483649", "99999999",
           "1e19", "0.5", "abc", "", " ", "1e-320", "4294967295"]


def prop_loaders(examples):
    import re
    from hypothesis import given, strategies as st
    bases, loaders = _bases(), _loaders()
    names = sorted(loaders)
    attribute = re.compile(r'="([^"]*)"')

    @st.composite
    def damaged(draw):
        base = bases[draw(st.sampled_from(sorted(bases)))]
        how = draw(st.sampled_from(["values", "values", "truncate", "lines", "text", "splice"]))
        if how == "values":
            spans = [m.span(1) for m in attribute.finditer(base)]
            chosen = sorted(draw(st.lists(st.sampled_from(spans), min_size=1, max_size=4, unique=True)), reverse=True)
            for start, end in chosen:
                value = draw(st.one_of(st.sampled_from(_VALUES), st.floats().map(repr), st.integers().map(str)))
                base = base[:start] + value + base[end:]
            return base
        if how == "truncate":
            return base[:draw(st.integers(0, len(base)))]
        if how == "lines":
            lines = base.splitlines(keepends=True)
            index = draw(st.integers(0, len(lines) - 1))
            return "".join(lines[:index] + lines[index + 1:])
        if how == "splice":
            other = bases[draw(st.sampled_from(sorted(bases)))]
            cut = draw(st.integers(0, len(base)))
            return base[:cut] + other[draw(st.integers(0, len(other))):]
        return draw(st.text(max_size=200))

    @_settings(examples)
    @given(damaged(), st.sampled_from(names))
    def check(text, loader):
        _show(loader, text)
        try:
            loaders[loader](text)
        except _allowed():
            pass
    check()


def prop_config(examples):
    import copy
    import tomllib
    from hypothesis import given, strategies as st
    from effpot.cli import config, runs
    base = tomllib.loads(TINY)
    scalars = st.one_of(st.integers(), st.floats(), st.text(max_size=10), st.booleans(),
                        st.sampled_from(["auto", "x^2", "x^2+y", "sin(", "Reference", "Quantum"]))
    values = st.one_of(scalars, st.lists(scalars, max_size=3), st.lists(st.lists(scalars, max_size=3), max_size=3),
                       st.dictionaries(st.text(max_size=5), scalars, max_size=2))
    keys = [(section, key) for section, table in config.SCHEMA.items() for key in table]

    @st.composite
    def configurations(draw):
        data = copy.deepcopy(base)
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                section, key = draw(st.sampled_from(keys))
            else:
                section, key = draw(st.text(max_size=8)), draw(st.text(max_size=8))
            if draw(st.integers(0, 9)) == 0:
                data[section] = draw(values)  # a section that is not a table
            elif isinstance(data.get(section, {}), dict):
                data.setdefault(section, {})[key] = draw(values)
        return data

    @_settings(examples)
    @given(configurations())
    def check(data):
        _show("config", data)
        try:
            valid = config.validate(data, "fuzz.toml")
        except config.ConfigError:
            return
        try:
            runs.coarse_grainer(valid)  # a valid configuration builds (no run)
        except _allowed():
            pass
    check()


def prop_evaluate(examples):
    import math
    import numpy as np
    from hypothesis import given, strategies as st
    from effpot.cli import config, runs
    potentials = [runs.coarse_grainer(config.validate(__import__("tomllib").loads(TINY))).run()]
    tiny2d = (TINY.replace("dimensions = 1", "dimensions = 2")
              .replace('"x^2/2 + 0.01*sin(x/0.01)"', '"(x^2+y^2)/2 + 1e-3*(sin(x/1e-3) + 2*sin(y/1e-3))"')
              .replace("step_size = 0.3", "step_size = 0.1").replace("friction = 0.6", "friction = 0.5")
              .replace("grid_bins = [40]", "grid_bins = [16, 16]\nstarts = [[0.0, 0.0]]\nstart_spread = 1.0"))
    potentials.append(runs.coarse_grainer(config.validate(__import__("tomllib").loads(tiny2d))).run())
    numbers = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 0.0]))

    @_settings(examples)
    @given(st.sampled_from([0, 1]), st.one_of(
        st.lists(st.lists(numbers, min_size=1, max_size=3), max_size=5),
        st.lists(numbers, max_size=6), numbers, st.text(max_size=5)))
    def check(which, points):
        _show(f"evaluate {which + 1}D", points)
        potential = potentials[which]
        try:
            values = potential.evaluate(points)
        except _allowed():
            return
        array = np.asarray(points, dtype=float).reshape(len(values), potential.dimensions)
        nan_rows = np.isnan(array).any(axis=1)
        assert np.isnan(values[nan_rows]).all() and np.isfinite(values[~nan_rows]).all(), (points, values)
    check()


def prop_add_block(examples):
    import math
    from hypothesis import given, strategies as st
    import effpot
    numbers = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, 0.0, 1.0, -1.0]), st.integers(-5, 5))
    matrices = st.one_of(st.integers(0, 40).flatmap(lambda n: st.lists(numbers, min_size=n, max_size=n)),
                         st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=3, max_size=3),
                         st.text(max_size=3), numbers)
    particles = st.one_of(st.lists(st.integers(-3, 2 ** 33), max_size=3), st.lists(numbers, max_size=2),
                          st.integers(-2, 3), st.text(max_size=3))

    @_settings(examples)
    @given(particles, matrices, matrices, st.one_of(matrices, st.none()), st.integers(-2, 3))
    def check(indices, mass, friction, noise, block):
        _show("addBlock", (indices, mass, friction, noise, block))
        integrator = effpot.DampedVerletIntegrator(0.01)
        try:
            integrator.addBlock(indices, mass, friction)
        except _allowed():
            pass
        try:
            integrator.setNoiseCovariance(block, noise)
        except _allowed():
            pass
    check()


SETTERS = ["setStepSize", "setFriction", "setMass", "setNumReplicas", "setNumSteps", "setNumStage2Steps",
           "setNumEquilibrationSteps", "setSampleInterval", "setTargetKT", "setInitialPositions", "setInitialBox",
           "setGridBins", "setGridBox", "setNumBatches", "setRandomSeed", "setNumThreads", "setNormalityTolerance",
           "setAllowNonGaussian", "setRestartFrozenReplicas", "setKnotSpacing", "setGridCoarsening", "setSmoothing",
           "setMinBinCount", "setNumBootstrap", "setPlatformProperties", "setSettings"]


def prop_setters(examples):
    import inspect
    import math
    from hypothesis import given, strategies as st
    import effpot
    scalars = st.one_of(st.integers(), st.floats(), st.sampled_from([math.nan, math.inf, -1, 0, 2 ** 31, 2.5, "auto"]),
                        st.text(max_size=4), st.booleans(), st.none())
    values = st.one_of(scalars, st.lists(scalars, max_size=4), st.lists(st.lists(scalars, max_size=3), max_size=3),
                       st.dictionaries(st.text(max_size=3), scalars, max_size=2))

    @_settings(examples)
    @given(st.sampled_from([1, 2]), st.sampled_from(SETTERS), st.lists(values, min_size=0, max_size=3))
    def check(dimensions, setter, args):
        _show(f"{setter} ({dimensions}D)", args)
        cg = effpot.CoarseGrainer("x^2" if dimensions == 1 else "x^2+y^2", dimensions)
        method = getattr(cg, setter)
        needed = len(inspect.signature(method).parameters)
        try:
            method(*(args + [1.0] * needed)[:needed])
        except _allowed():
            pass
        cg.toXml()
    check()


def prop_constructors(examples):
    """The SWIG-level building blocks (effpot.effpot_swig) with sizes that would overflow or not fit in memory."""
    import math
    from hypothesis import given, strategies as st
    from effpot import effpot_swig as swig
    # Small sizes, and sizes far beyond any allocation (refused before anything is allocated).
    sizes = st.one_of(st.integers(-3, 12), st.sampled_from([0, 2 ** 31 - 1, 2 ** 30, 10 ** 9]))
    bounds = st.one_of(st.floats(-3, 3), st.sampled_from([math.nan, math.inf, -math.inf]))

    def grid(d, lows, highs, bins):
        return swig.RegularGrid(lows[:d], highs[:d], bins[:d])

    @_settings(examples)
    @given(st.sampled_from(["grid", "statistics", "trajectory", "spline"]), st.integers(0, 4),
           st.lists(bounds, min_size=4, max_size=4), st.lists(bounds, min_size=4, max_size=4),
           st.lists(sizes, min_size=4, max_size=4))
    def check(kind, d, lows, highs, counts):
        _show(kind, (d, lows, highs, counts))
        try:
            if kind == "grid":
                grid(d, lows, highs, counts)
            elif kind == "statistics":
                swig.ReplicaStatistics(d, counts[0], counts[1], swig.RegularGrid(), counts[2])
            elif kind == "trajectory":
                swig.TrajectoryStatistics(counts[0], d, counts[1], counts[2])
            else:
                swig.PSplineFit(lows[:d], highs[:d], counts[:d])
        except _allowed():
            pass
        except MemoryError:
            pass  # an allocation that does not fit is refused cleanly, not a crash
    check()


def prop_spline_force(examples):
    """ReplicaSplineForce tables of every shape and value (sizes that disagree or do not fit, NaN, inf, huge and
    tiny boxes), evaluated where they build at points inside, outside, NaN and infinite: an exception or a number,
    never a crash; and DampedVerletIntegrator.setSplitting with anything."""
    import math
    import numpy as np
    import openmm as mm
    from hypothesis import given, strategies as st
    import effpot
    numbers = st.one_of(st.floats(-5, 5), st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-320, 0.0]))
    nodes = st.lists(st.one_of(st.integers(-2, 7), st.sampled_from([2 ** 31 - 1, 10 ** 6])), min_size=0, max_size=4)

    @st.composite
    def consistent(draw):
        # Tables whose sizes agree, so that most build and get evaluated: only the values can be bad.
        d = draw(st.integers(1, 3))
        counts = draw(st.lists(st.integers(4, 6), min_size=d, max_size=d))
        lower = draw(st.lists(st.floats(-3, 0), min_size=d, max_size=d))
        upper = [lo + draw(st.one_of(st.floats(0.1, 3), st.sampled_from([1e-320, 1e308]))) for lo in lower]
        values = draw(st.lists(st.one_of(st.floats(-10, 10), numbers), min_size=int(np.prod(counts)),
                               max_size=int(np.prod(counts))))
        wall = draw(st.lists(st.one_of(st.floats(0, 100), numbers), min_size=d, max_size=d))
        return counts, lower, upper, values, wall

    anything = st.tuples(nodes, st.lists(numbers, max_size=4), st.lists(numbers, max_size=4),
                         st.lists(numbers, max_size=400), st.lists(numbers, max_size=4))

    @_settings(examples)
    @given(st.one_of(consistent(), anything), st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=1, max_size=5),
           st.one_of(st.integers(-3, 3), st.text(max_size=6), st.floats(), st.none()))
    def check(table, points, splitting):
        counts, lower, upper, values, wall = table
        _show("ReplicaSplineForce", (counts, lower, upper, len(values), wall, points, splitting))
        integrator = effpot.DampedVerletIntegrator(0.01)
        try:
            integrator.setSplitting(splitting)
        except _allowed():
            pass
        try:
            force = effpot.ReplicaSplineForce(counts, lower, upper, values, wall)
        except _allowed():
            return
        force.addParticles(range(len(points)))
        system = mm.System()
        for _ in points:
            system.addParticle(1.0)
        system.addForce(force)
        context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
        context.setPositions(np.array(points))
        energy = context.getState(getEnergy=True).getPotentialEnergy()._value
        assert isinstance(energy, float)
    check()


def prop_cli(examples):
    """Random command lines: an exit status of 0, 1 or 2 and no traceback, never an exception out of main()."""
    import contextlib
    import io
    import tempfile
    from hypothesis import given, strategies as st
    from effpot.cli import command as cli
    folder = tempfile.mkdtemp()
    config = os.path.join(folder, "tiny.toml")
    with open(config, "w") as stream:
        stream.write(TINY)
    tokens = st.sampled_from(["learn", "compare", config, folder, "-o", os.path.join(folder, "out"), "/proc/x",
                              "--workers", "0", "1", "-3", "2.5", "abc", "--force", "--strict", "--checkpoint",
                              "--no-progress", "--compare", "", "--bogus", os.path.join(folder, "absent.toml")])

    @_settings(examples)
    @given(st.lists(tokens, min_size=1, max_size=6))
    def check(argv):
        if argv[0] not in ("learn", "compare"):
            argv = ["learn"] + argv
        if "--compare" in argv:
            argv.remove("--compare")  # comparisons with the default settings take too long here
        _show("argv", argv)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = cli.main(argv)
            except SystemExit as exit_:
                code = exit_.code
        assert code in (0, 1, 2) and "Traceback" not in err.getvalue(), (code, err.getvalue())
    check()


PROPERTIES = {"spline_force": prop_spline_force, "constructors": prop_constructors, "cli": prop_cli, "loaders": prop_loaders, "config": prop_config, "evaluate": prop_evaluate, "add_block": prop_add_block,
              "setters": prop_setters}


def _child(name, examples):
    PROPERTIES[name](examples)
    print("DONE", flush=True)


@pytest.mark.parametrize("name, share", [("loaders", 2), ("config", 1), ("evaluate", 1), ("add_block", 1),
                                         ("setters", 1), ("constructors", 1), ("cli", 0.4), ("swig_methods", 2),
                                         ("spline_force", 1)])
def test_property(name, share, tmp_path):
    pytest.importorskip("hypothesis")
    examples = max(10, int(EXAMPLES * share))
    process = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); "
                              f"import test_properties as t; t._child({name!r}, {examples})"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)  # relative paths land there
    inputs = [line for line in process.stdout.splitlines() if line.startswith("INPUT ")]
    if process.returncode < 0:
        pytest.fail(f"{name}: the process crashed (signal {-process.returncode}) on {inputs[-1] if inputs else '?'}")
    assert process.returncode == 0 and "DONE" in process.stdout, (
        f"{name}: {process.stderr[-4000:]}\nlast inputs: {json.dumps(inputs[-3:], indent=1)}")
    print(f"\n{name}: {len(inputs)} inputs tried")


_SLOW = {"run", "runStage1", "runSampling", "runSamplingRange", "choosePilotFriction", "sampleIsotropic",
         "usePilotFriction", "record", "step", "runScan", "fit", "fitAutomatic"}


def _swig_objects():
    """One of each SWIG-level class, empty and filled, for prop_swig_methods."""
    import numpy as np
    import effpot
    from effpot import effpot_swig as swig
    grid = swig.RegularGrid([0.0, 0.0], [1.0, 1.0], [4, 4])
    cg = effpot.CoarseGrainer("x^2+y^2", 2)
    integrator = effpot.DampedVerletIntegrator(0.01)
    integrator.addBlock([0], np.eye(3), np.eye(3))
    spline = swig.PSplineFit([0.0], [1.0], [6])
    return {
        "grid": grid, "empty grid": swig.RegularGrid(),
        "statistics": swig.ReplicaStatistics(2, 3, 2, grid, 10), "empty statistics": swig.ReplicaStatistics(),
        "trajectory": swig.TrajectoryStatistics(3, 2, 4, 5), "spline": spline,
        "potential": swig.EffectivePotential(spline, [0.0], [1.0], [5]), "grainer": cg._impl,
        "integrator": integrator, "fitter": swig.PotentialFitter(),
        "scan": swig.ScaleScan("x^2", 1), "force": effpot.ReplicaExpressionForce("x^2"),
    }


def prop_swig_methods(examples):
    """Every public method of the SWIG-level objects (getters with any index, setters with any value)."""
    import math
    from hypothesis import given, strategies as st
    import openmm as mm
    objects = _swig_objects()
    inherited = set(dir(mm.Integrator)) | set(dir(mm.Force))  # OpenMM's own methods: not effpot's to check
    methods = sorted((name, method) for name, obj in objects.items() for method in dir(obj)
                     if not method.startswith("_") and method not in _SLOW and method not in ("this", "thisown")
                     and method not in inherited and callable(getattr(obj, method)))
    scalars = st.one_of(st.integers(-3, 8), st.sampled_from([2 ** 31 - 1, -2 ** 31, math.nan, math.inf, 0.5, -1.0]),
                        st.text(max_size=3), st.booleans())
    values = st.one_of(scalars, st.lists(st.one_of(st.integers(-2, 5), st.floats(-2, 2), st.sampled_from([math.nan])),
                                         max_size=20))

    @_settings(examples)
    @given(st.sampled_from(methods), st.lists(values, max_size=5))
    def check(target, args):
        name, method = target
        _show(f"{name}.{method}", args)
        try:
            getattr(objects[name], method)(*args)
        except _allowed():
            pass
    check()


PROPERTIES["swig_methods"] = prop_swig_methods
