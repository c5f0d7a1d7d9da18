"""Every bad input of issue 16, table-driven: each case must raise a clear exception (or, for NaN coordinates, return
NaN), never crash. The cases run in one child process that announces each case before it runs it, so a crash
(segfault, abort) fails the test and names the case; the test prints how many cases were tried and handled.

A case is (name, function, expected): `function(ctx)` runs in the child; `expected` is either an exception type and
the words its message must contain, or a callable checking the returned value.
"""
import errno
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# A 1D run that learns in well under a second, with a tiny comparison; `rmse_kT` is out of reach, so a target fails.
TINY_1D = """
[model]
dimensions = 1
energy = "x^2/2 + 0.01*sin(x/0.01)"
coarse_energy = "x^2/2"
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
[compare]
replicas = 20
equilibration_steps = 20
samples = 20
sample_interval = 2
acf_lags = 5
mean_path_replicas = 20
mean_path_samples = 5
hamiltonian_replicas = 2
hamiltonian_time = 0.5
portrait_time = 0.5
batches = 1
[targets]
rmse_kT = 1e-9
"""

TINY_2D = """
[model]
dimensions = 2
energy = "(x^2+y^2)/2 + 1e-3*(sin(x/1e-3) + 2*sin(y/1e-3))"
[run]
threads = 1
[learn]
step_size = 0.1
friction = 0.5
replicas = 40
steps = 1000
equilibration_steps = 100
batches = 2
grid_bins = [16, 16]
allow_non_gaussian = true
starts = [[0.0, 0.0]]
start_spread = 1.0
"""


def _raises(kind, *words):
    return ("raises", kind, words)


# ---- the cases (run in the child; ctx holds the paths of the prepared files) ----

def _load(path):
    import effpot
    return effpot.EffectivePotential.load(path)


def _potential(ctx):
    import effpot
    return effpot.EffectivePotential.load(ctx["potential"])


def _write(ctx, name, text, mode="w"):
    path = os.path.join(ctx["scratch"], name)
    with open(path, mode) as stream:
        stream.write(text)
    return path


def _damaged(ctx, old, new, name="damaged.xml"):
    with open(ctx["potential"]) as stream:
        text = stream.read()
    assert old in text, old
    return _load(_write(ctx, name, text.replace(old, new, 1)))


def _system_xml():
    import openmm as mm
    system = mm.System()
    system.addParticle(1.0)
    return mm.XmlSerializer.serialize(system)


def _cli(*args):
    """effpot's main() in this process: (exit status, stderr text)."""
    import contextlib
    import io
    from effpot.cli import command as cli
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:  # argparse
            code = exit_.code
    return code, err.getvalue()


def _cli_case(expected_code, *words):
    def check(result):
        code, err = result
        lines = [line for line in err.splitlines() if line.strip()]
        return (code == expected_code and "Traceback" not in err and all(w in err for w in words)
                and any(all(w in line for w in words) for line in lines)), f"code {code}, stderr {err!r}"
    return check


def _rescue_on_write_failure(ctx):
    """Writing DIR fails (a full disk) after the learning: the potential is kept elsewhere, and the message says where."""
    from effpot.cli import command as cli

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    original, temporary = cli._write_learning, tempfile.tempdir
    cli._write_learning = full_disk
    tempfile.tempdir = ctx["scratch"]  # the rescue goes to the temporary folder: the test's, not the machine's /tmp
    try:
        return _cli("learn", ctx["config1"], "-o", os.path.join(ctx["scratch"], "full"), "--no-progress")
    finally:
        cli._write_learning, tempfile.tempdir = original, temporary


def _check_rescue(result):
    code, err = result
    if code != 1 or "kept in" not in err or "No space left" not in err:
        return False, err
    folder = err.split("kept in ")[1].split(" ")[0]
    import effpot
    potential = effpot.EffectivePotential.load(os.path.join(folder, "effective_potential.xml"))
    return potential.dimensions == 1 and not os.path.exists(os.path.join(os.path.dirname(folder), "full")), err


def _mismatched_folder(ctx):
    import shutil
    folder = os.path.join(ctx["scratch"], "mismatch")
    if not os.path.isdir(folder):
        shutil.copytree(ctx["folder1"], folder)
        shutil.copy(ctx["potential2"], os.path.join(folder, "effective_potential.xml"))
    return _cli("compare", folder, "--no-progress")


def _cg(*args):
    import effpot
    return effpot.CoarseGrainer("x^2", 1) if not args else effpot.CoarseGrainer(*args)


def _integrator_with_block():
    import effpot
    integrator = effpot.DampedVerletIntegrator(0.01)
    integrator.addBlock([0], np.eye(3), np.eye(3))
    return integrator


def _exploding_run(ctx, friction, checkpoint=False):
    import effpot
    cg = effpot.CoarseGrainer("x^2/2 + 0.01*sin(x/0.01)", 1)
    cg.setStepSize(5.0)
    if friction is not None:
        cg.setFriction(friction)
    cg.setNumReplicas(20)
    cg.setNumSteps(200)
    cg.setNumEquilibrationSteps(1000)
    cg.setNumBatches(2)
    cg.setNumThreads(1)
    if checkpoint:  # the pieces: runSamplingRange finds the explosion
        return cg.run(checkpoint=os.path.join(ctx["scratch"], f"explode-{friction}"))
    return cg.run()


def _is_nan(values):
    return bool(np.isnan(values).all()), values


def _is_finite(values):
    return bool(np.isfinite(values).all()), values


def cases():
    from openmm import OpenMMException as OMM
    import openmm as mm
    import effpot
    from effpot.cli.config import ConfigError
    good = TINY_1D
    return [
        # evaluate: NaN gives NaN (documented), infinite coordinates the nearest box value.
        ("evaluate NaN", lambda c: _potential(c).evaluate([[math.nan]]), _is_nan),
        ("evaluate NaN among finite", lambda c: _potential(c).evaluate([[0.1], [math.nan]])[1:], _is_nan),
        ("evaluate +inf", lambda c: _potential(c).evaluate([[math.inf], [-math.inf]]), _is_finite),
        ("evaluate wrong shape", lambda c: _potential(c).evaluate([[0.1, 0.2]]), _raises(ValueError, "N x 1")),
        ("evaluate text", lambda c: _potential(c).evaluate([["a"]]), _raises(TypeError, "EffectivePotential.evaluate: points")),
        # loaders: the wrong kind of OpenMM XML
        ("load potential.xml (the force)", lambda c: _load(c["force"]),
         _raises(OMM, "EffectivePotential.load", "potential.xml", "not an effpot EffectivePotential", "effective_potential.xml")),
        ("load a serialized integrator", lambda c: _load(_write(c, "integrator.xml", mm.XmlSerializer.serialize(mm.VerletIntegrator(1)))),
         _raises(OMM, "integrator.xml", "integrator", "VerletIntegrator")),
        ("load a System", lambda c: _load(_write(c, "system.xml", _system_xml())),
         _raises(OMM, "system.xml", "is an OpenMM System, not an effpot EffectivePotential")),
        ("DampedVerletIntegrator.deserialize(System)", lambda c: effpot.DampedVerletIntegrator.deserialize(_system_xml()),
         _raises(OMM, "DampedVerletIntegrator.deserialize", "an OpenMM System, not an effpot DampedVerletIntegrator")),
        ("DampedVerletIntegrator.deserialize(potential)", lambda c: effpot.DampedVerletIntegrator.deserialize(open(c["potential"]).read()),
         _raises(OMM, "DampedVerletIntegrator.deserialize", "EffectivePotential")),
        ("ReplicaExpressionForce.deserialize(System)", lambda c: effpot.ReplicaExpressionForce.deserialize(_system_xml()),
         _raises(OMM, "ReplicaExpressionForce.deserialize", "OpenMM System")),
        ("ReplicaExpressionForce.deserialize(other force)",
         lambda c: effpot.ReplicaExpressionForce.deserialize(mm.XmlSerializer.serialize(mm.HarmonicBondForce())),
         _raises(OMM, "HarmonicBondForce", "not an effpot ReplicaExpressionForce")),
        ("export with offset_kT NaN", lambda c: _potential(c).export(os.path.join(c["scratch"], "u.grid"), "plumed",
                                                                     offset_kT=math.nan),
         _raises(ValueError, "offset_kT", "finite")),
        ("CoarseGrainer.setTargetKT(1e300)", lambda c: _cg().setTargetKT(1e300),
         _raises(OMM, "CoarseGrainer.setTargetKT", "from 1e-12 to 1e6 kJ/mol")),
        ("CoarseGrainer.setGridBox('a', 'b')", lambda c: effpot.CoarseGrainer("x^2+y^2", 2).setGridBox("a", "b"),
         _raises(TypeError, "CoarseGrainer.setGridBox: lower", "expected numbers")),
        ("ScaleScan.run(platform=5)", lambda c: effpot.ScaleScan("x^2", 1).run(platform=5),
         _raises(TypeError, "platform: give a platform name")),
        # Write errors name the file the user gave, not the temporary file next to it.
        ("save into a directory", lambda c: _potential(c).save(c["scratch"]),
         _raises(IsADirectoryError, "is a directory", "give the file to write")),
        ("export npz into a missing folder",
         lambda c: _potential(c).export(os.path.join(c["scratch"], "missing", "u.npz"), "npz"),
         _raises(FileNotFoundError, os.path.join("missing", "u.npz"))),
        # Python arguments that were truncated, ignored, or failed deep inside (numpy, SWIG).
        ("DampedVerletIntegrator.step(1.5)", lambda c: effpot.DampedVerletIntegrator(0.01).step(1.5),
         _raises(ValueError, "DampedVerletIntegrator.step: steps", "would be truncated")),
        ("DampedVerletIntegrator.step(-1)", lambda c: effpot.DampedVerletIntegrator(0.01).step(-1),
         _raises(ValueError, "DampedVerletIntegrator.step: steps", "at least 0")),
        ("simulation with 2.7 replicas", lambda c: effpot.simulation(effpot.SurrogateModels(_potential(c)),
                                                                     "surrogateLangevin", 2.7),
         _raises(ValueError, "simulation: count", "would be truncated")),
        ("SurrogateModels of a file name", lambda c: effpot.SurrogateModels("effective_potential.xml"),
         _raises(TypeError, "SurrogateModels: potential", "EffectivePotential.load")),
        ("surrogateLangevin(-1)", lambda c: effpot.SurrogateModels(_potential(c)).surrogateLangevin(-1),
         _raises(ValueError, "SurrogateModels.surrogateLangevin: count", "at least 1")),
        ("compare(potential, None)", lambda c: effpot.compare(_potential(c), None),
         _raises(TypeError, "compare: settings", "ComparisonSettings")),
        ("ReplicaSplineForce nodes [4.7]", lambda c: effpot.ReplicaSplineForce([4.7], [0.0], [1.0], [0.0] * 4, [1.0]),
         _raises(ValueError, "ReplicaSplineForce: nodes[0]", "would be truncated")),
        ("ReplicaSplineForce of 200^3 nodes (8 GiB of coefficients)",
         lambda c: effpot.ReplicaSplineForce([200] * 3, [0.0] * 3, [1.0] * 3, [0.0] * 200 ** 3, [1.0] * 3),
         _raises(OMM, "ReplicaSplineForce", "GiB for its spline coefficients", "128 x 128 x 128")),
        ("CoarseGrainer.setKnotSpacing below a bin", lambda c: _cg().setKnotSpacing(0.01),
         _raises(OMM, "setKnotSpacing", "at least 1 bin")),
        # These used to end the process with a segmentation fault.
        ("ReplicaSplineForce.deserialize(System)", lambda c: effpot.ReplicaSplineForce.deserialize(_system_xml()),
         _raises(OMM, "ReplicaSplineForce.deserialize", "is an OpenMM System, not an effpot ReplicaSplineForce")),
        ("DampedVerletIntegrator.deserialize(100 000 nested elements)",
         lambda c: effpot.DampedVerletIntegrator.deserialize('<Integrator type="DampedVerletIntegrator" version="1">' +
                                                           "<a>" * 100000 + "</a>" * 100000 + "</Integrator>"),
         _raises(OMM, "DampedVerletIntegrator.deserialize", "nests elements 100001 levels deep", "write it again")),
        ("ReplicaExpressionForce 20 000 parentheses",
         lambda c: effpot.ReplicaExpressionForce("(" * 20000 + "x" + ")" * 20000),
         _raises(OMM, "ReplicaExpressionForce", "nests 20000 levels deep")),
        ("load a potential whose Calibration System is damaged",
         lambda c: _damaged(c, "</Friction>", '</Friction><System xml="garbage"/>'),
         _raises(OMM, "EffectivePotential.load", "damaged.xml", "its Calibration's System is not XML")),
        # Lepton's optimize() never returns on a NaN constant: these used to hang the process.
        ("ReplicaExpressionForce NaN constant", lambda c: effpot.ReplicaExpressionForce("x + (0-2)^2.5"),
         _raises(OMM, "ReplicaExpressionForce", "((0)-(2))^(2.5)", "not a finite number")),
        ("CoarseGrainer NaN constant in the derivative", lambda c: effpot.CoarseGrainer("(-2)^x", 1),
         _raises(OMM, "CoarseGrainer", "in its derivative in x", "log(-2)")),
        ("ScaleScan NaN constant", lambda c: effpot.ScaleScan("x^2 + log(-1)", 1),
         _raises(OMM, "ScaleScan", "log(-(1))", "not a finite number")),
        ("evaluateEnergyExpression NaN constant",
         lambda c: effpot.effpot_swig.evaluateEnergyExpression("x + 0/0", 1, [0.0]),
         _raises(OMM, "EnergyExpression.evaluate", "(0)/(0)")),
        ("CoarseGrainer.fromXml(System)", lambda c: effpot.CoarseGrainer.fromXml(_system_xml()), _raises(OMM, "CoarseGrainer.fromXml", "System")),
        ("DampedVerletIntegrator.deserialize(bytes)", lambda c: effpot.DampedVerletIntegrator.deserialize(b"<x/>"), _raises(TypeError)),
        # loaders: empty, garbage, truncated, binary, missing files name the file and the problem
        ("load an empty file", lambda c: _load(_write(c, "empty.xml", "")), _raises(OMM, "empty.xml", "is empty")),
        ("load garbage", lambda c: _load(_write(c, "garbage.xml", "hello, world")), _raises(OMM, "garbage.xml", "is not XML")),
        ("load a truncated file", lambda c: _load(_write(c, "cut.xml", open(c["potential"]).read()[:1500])),
         _raises(OMM, "cut.xml", "truncated")),
        ("load a file cut inside the root tag", lambda c: _load(_write(c, "cut2.xml", open(c["potential"]).read()[:30])),
         _raises(OMM, "cut2.xml")),
        ("load a binary file", lambda c: _load(_write(c, "binary.xml", b"\x89PNG\r\n\x1a\n\xff\xfe", "wb")),
         _raises(OMM, "binary.xml", "not a text")),
        ("load a missing file", lambda c: _load(os.path.join(c["scratch"], "absent.xml")), _raises(OSError, "absent.xml", "EffectivePotential.load")),
        ("load a folder", lambda c: _load(c["scratch"]), _raises(OSError, "EffectivePotential.load")),
        # loaders: damaged values are checked before use
        ("unsupported version", lambda c: _damaged(c, 'version="2"', 'version="99"'), _raises(OMM, "version 99", "damaged.xml")),
        ("NaN coefficient", lambda c: _damaged(c, '<Coefficients>\n\t\t<Value v="', '<Coefficients>\n\t\t<Value v="nan" w="'),
         _raises(OMM, "Coefficients", "not finite")),
        ("huge NumBasis", lambda c: _damaged(c, '<NumBasis>\n\t\t<Value v="', '<NumBasis>\n\t\t<Value v="4000000000'),
         _raises(OMM, "NumBasis", "whole number")),
        ("NumBasis inconsistent with Coefficients", lambda c: _damaged(c, '<NumBasis>\n\t\t<Value v="', '<NumBasis>\n\t\t<Value v="9'),
         _raises(OMM, "Coefficients has")),
        ("huge Nodes", lambda c: _damaged(c, '<Nodes>\n\t\t<Value v="', '<Nodes>\n\t\t<Value v="99999'),
         _raises(OMM, "NodeSupported has")),
        ("fractional node count", lambda c: _damaged(c, '<Nodes>\n\t\t<Value v="', '<Nodes>\n\t\t<Value v="0.5'),
         _raises(OMM, "Nodes", "whole number")),
        ("negative kT", lambda c: _damaged(c, ' kT="', ' kT="-'), _raises(OMM, "kT")),
        ("dimensions 7", lambda c: _damaged(c, 'dimensions="1"', 'dimensions="7"'), _raises(OMM, "dimensions is 7")),
        ("mismatched tags", lambda c: _damaged(c, "<Lower>", "<Lowest>"), _raises(OMM, "damaged.xml")),
        ("missing list", lambda c: _damaged(c, "<NodeErrors", "<Other"), _raises(OMM, "damaged.xml")),
        # a run that explodes with a given friction says so (1D, in-process and in pieces)
        ("1D run explodes, friction given", lambda c: _exploding_run(c, 0.6), _raises(OMM, "the run exploded", "reduce")),
        ("1D run explodes, automatic friction", lambda c: _exploding_run(c, None), _raises(OMM, "exploded", "reduce")),
        ("1D run explodes in pieces (checkpoint)", lambda c: _exploding_run(c, 0.6, checkpoint=True),
         _raises(OMM, "the run exploded", "reduce")),
        # fractions are not truncated; wrong types and the right method name
        ("CoarseGrainer(dimensions=1.5)", lambda c: _cg("x^2", 1.5), _raises(ValueError, "dimensions", "1.5")),
        ("CoarseGrainer(energy=5)", lambda c: _cg(5, 1), _raises(TypeError, "energy")),
        ("setNumReplicas(2.5)", lambda c: _cg().setNumReplicas(2.5), _raises(ValueError, "setNumReplicas", "2.5")),
        ("setNumSteps(1e3 + 0.5)", lambda c: _cg().setNumSteps(1000.5), _raises(ValueError, "setNumSteps")),
        ("setStage2Refinements(-1)", lambda c: _cg().setStage2Refinements(-1), _raises(OMM, "setStage2Refinements", "0")),
        ("setStage2Refinements(6)", lambda c: _cg().setStage2Refinements(6), _raises(OMM, "setStage2Refinements", "5")),
        ("setStage2Refinements(1.5)", lambda c: _cg().setStage2Refinements(1.5), _raises(ValueError, "setStage2Refinements", "1.5")),
        ("setNumBatches(True)", lambda c: _cg().setNumBatches(True), _raises(TypeError, "setNumBatches")),
        ("setRandomSeed(2**40)", lambda c: _cg().setRandomSeed(2 ** 40), _raises(ValueError, "setRandomSeed", "out of range")),
        ("setGridBins(10.5)", lambda c: _cg().setGridBins(10.5), _raises(ValueError, "setGridBins")),
        ("setGridCoarsening('two')", lambda c: _cg().setGridCoarsening("two"), _raises(ValueError, "setGridCoarsening")),
        ("setStepSize(nan)", lambda c: _cg().setStepSize(math.nan), _raises(OMM, "setStepSize")),
        ("setStepSize('fast')", lambda c: _cg().setStepSize("fast"), _raises(TypeError, "stepSize")),
        ("setInitialPositions(nan)", lambda c: _cg().setInitialPositions([[math.nan]] * 4), _raises(OMM, "setInitialPositions", "finite")),
        ("createForce([0.5])", lambda c: _potential(c).createForce([0.5]), _raises(TypeError, "createForce")),
        ("createForce([-1])", lambda c: _potential(c).createForce([-1]), _raises(OMM, "createForce")),
        ("setNoiseCovariance(3, ...)", lambda c: effpot.DampedVerletIntegrator(0.1).setNoiseCovariance(3, np.eye(3)),
         _raises(OMM, "DampedVerletIntegrator.setNoiseCovariance", "block index 3")),
        ("getBlockMassMatrix(1)", lambda c: _integrator_with_block().getBlockMassMatrix(1), _raises(OMM, "getBlockMassMatrix")),
        ("setBlockParameters(0.5, ...)", lambda c: _integrator_with_block().setBlockParameters(0.5, np.eye(3), np.eye(3)),
         _raises(ValueError, "setBlockParameters")),
        ("addBlock NaN mass", lambda c: effpot.DampedVerletIntegrator(0.1).addBlock([0], np.full((3, 3), math.nan), np.eye(3)),
         _raises(OMM, "addBlock")),
        ("addBlock wrong shape", lambda c: effpot.DampedVerletIntegrator(0.1).addBlock([0], np.eye(2), np.eye(3)),
         _raises(ValueError, "massMatrix")),
        ("addBlock fractional particle", lambda c: effpot.DampedVerletIntegrator(0.1).addBlock([0.5], np.eye(3), np.eye(3)),
         _raises(TypeError, "particles")),
        ("ScaleScan(dimensions=1.5)", lambda c: effpot.ScaleScan("x^2", 1.5), _raises(ValueError, "ScaleScan", "1.5")),
        ("ScaleScan.setNumReplicas(2.5)", lambda c: effpot.ScaleScan("x^2", 1).setNumReplicas(2.5),
         _raises(ValueError, "ScaleScan.setNumReplicas")),
        ("local_executor(2.5)", lambda c: effpot.local_executor(2.5), _raises(ValueError, "max_workers")),
        ("createReplicaForce([2**40])", lambda c: _potential(c).createReplicaForce([2 ** 40]),
         _raises(ValueError, "createReplicaForce", "particle index 1099511627776", "out of range")),
        ("createForce([2**70])", lambda c: _potential(c).createForce([0, 2 ** 70]),
         _raises(ValueError, "createForce", "out of range")),
        ("createReplicaForce([True])", lambda c: _potential(c).createReplicaForce([True]),
         _raises(TypeError, "createReplicaForce", "particle indices")),
        ("local_executor(0)", lambda c: effpot.local_executor(0), _raises(ValueError, "max_workers")),
        ("CoarseGrainer.fromXml(truncated)", lambda c: effpot.CoarseGrainer.fromXml(_cg().toXml()[:200]),
         _raises(OMM, "CoarseGrainer.fromXml", "truncated")),
        ("CoarseGrainer.fromXml(numReplicas=-5)",
         lambda c: effpot.CoarseGrainer.fromXml(_cg().toXml().replace('numReplicas="200"', 'numReplicas="-5"')),
         _raises(OMM, "CoarseGrainer.fromXml", "numReplicas is -5")),
        ("compare(replicas=2.5)", lambda c: effpot.compare(_potential(c), effpot.ComparisonSettings(starts=[[0.0]], replicas=2.5)),
         _raises(ValueError, "settings.replicas", "2.5")),
        ("compare(starts of 2D points)", lambda c: effpot.compare(_potential(c), effpot.ComparisonSettings(starts=[[0.0, 1.0]])),
         _raises(ValueError, "settings.starts", "1 numbers")),
        ("compare(hamiltonian_time=nan)",
         lambda c: effpot.compare(_potential(c), effpot.ComparisonSettings(starts=[[0.0]], hamiltonian_time=math.nan)),
         _raises(ValueError, "settings.hamiltonian_time", "finite")),
        ("save into a missing folder", lambda c: _potential(c).save(os.path.join(c["scratch"], "absent", "p.xml")),
         _raises(OSError, "No such file", os.path.join("absent", "p.xml"))),
        ("save under /proc", lambda c: _potential(c).save("/proc/effpot-x/p.xml"), _raises(OSError, "/proc/effpot-x/p.xml")),
        # the configuration parser
        ("config step_size = nan", lambda c: effpot.cli.config.load(_write(c, "nan.toml", good.replace("step_size = 0.3", "step_size = nan"))),
         _raises(ConfigError, "nan.toml", "step_size", "finite")),
        ("config step_size = inf", lambda c: effpot.cli.config.load(_write(c, "inf.toml", good.replace("step_size = 0.3", "step_size = inf"))),
         _raises(ConfigError, "step_size", "finite")),
        ("config replicas = 2**40", lambda c: effpot.cli.config.load(_write(c, "big.toml", good.replace("replicas = 40", "replicas = 1099511627776"))),
         _raises(ConfigError, "replicas", "2147483647")),
        ("config surrogate step off the sampling grid",
         lambda c: effpot.cli.config.load(_write(c, "grid.toml", good.replace("[compare]\n", "[compare]\nsurrogate_step_size = 0.45\n"))),
         _raises(ConfigError, "grid.toml", "surrogate_step_size = 0.45 ps", "multiples of 3")),
        ("config binary file", lambda c: effpot.cli.config.load(_write(c, "bin.toml", b"\xff\xfe\x00", "wb")), _raises(ConfigError, "bin.toml")),
        # the command line: one line, exit status 2 for usage, 1 for failures
        ("--workers 0", lambda c: _cli("learn", c["config1"], "-o", os.path.join(c["scratch"], "w0"), "--workers", "0"),
         _cli_case(2, "--workers", "at least 1")),
        ("-o /proc/x", lambda c: _cli("learn", c["config1"], "-o", "/proc/effpot-x", "--no-progress"),
         _cli_case(2, "/proc/effpot-x", "choose another output directory")),
        ("-o under a file", lambda c: _cli("learn", c["config1"], "-o", os.path.join(c["config1"], "sub"), "--no-progress"),
         _cli_case(2, "choose another output directory")),
        ("a full disk at the end", _rescue_on_write_failure, _check_rescue),
        ("compare: 2D potential in a 1D folder", _mismatched_folder, _cli_case(2, "was not learned with", "dimensions")),
        ("compare: damaged potential", lambda c: _cli("compare", c["damaged_folder"], "--no-progress"),
         _cli_case(2, "effective_potential.xml", "truncated")),
        ("compare --strict with a failing target", lambda c: _cli("compare", c["folder1"], "--no-progress", "--strict"),
         _cli_case(1, "target(s) failed", "--strict")),
        ("learn: exploding run", lambda c: _cli("learn", _write(c, "explode.toml", good.replace("step_size = 0.3", "step_size = 5.0")),
                                                "-o", os.path.join(c["scratch"], "boom"), "--no-progress"),
         _cli_case(1, "the run exploded", "reduce")),
        ("learn: surrogate step off the sampling grid, refused before learning",
         lambda c: _cli("learn", _write(c, "grid2.toml", good.replace("[compare]\n", "[compare]\nsurrogate_step_size = 0.45\n")),
                        "-o", os.path.join(c["scratch"], "grid"), "--no-progress", "--compare"),
         _cli_case(2, "surrogate_step_size = 0.45 ps", "whole number of surrogate steps")),
        ("learn: config with nan", lambda c: _cli("learn", _write(c, "nan2.toml", good.replace("friction = 0.6", "friction = nan")),
                                                  "-o", os.path.join(c["scratch"], "nan"), "--no-progress"),
         _cli_case(2, "friction", "finite")),
        ("--debug shows the traceback", lambda c: __import__("effpot.cli").cli.main(
            ["learn", _write(c, "nan3.toml", good.replace("friction = 0.6", "friction = nan")), "-o",
             os.path.join(c["scratch"], "dbg"), "--debug"]), _raises(ConfigError, "friction", "finite")),
        ("learn: checkpoint of another run", lambda c: (_cli("learn", c["config1"], "-o", os.path.join(c["scratch"], "ck1"),
                                                              "--no-progress", "--checkpoint", os.path.join(c["scratch"], "ck")),
                                                         _cli("learn", _write(c, "other.toml", good.replace("replicas = 40", "replicas = 42")),
                                                              "-o", os.path.join(c["scratch"], "ck2"), "--no-progress",
                                                              "--checkpoint", os.path.join(c["scratch"], "ck")))[1],
         _cli_case(2, "holds results of a different run", "numReplicas")),
        ("learn: damaged checkpoint piece", lambda c: (open(sorted(glob.glob(os.path.join(c["scratch"], "ck", "sampling-*.json")))[0], "w").write("{"),
                                                       _cli("learn", c["config1"], "-o", os.path.join(c["scratch"], "ck3"),
                                                            "--no-progress", "--checkpoint", os.path.join(c["scratch"], "ck")))[1],
         _cli_case(2, "is damaged", "delete that file")),
        ("learn: config is a folder", lambda c: _cli("learn", c["scratch"], "-o", os.path.join(c["scratch"], "x")),
         _cli_case(2, "no such configuration file")),
    ]


def _child(context_path):
    """Run every case here, announcing each first: a crash leaves the name of the case that caused it."""
    with open(context_path) as stream:
        ctx = json.load(stream)
    tried = handled = 0
    for name, function, expected in cases():
        print(f"CASE {name}", flush=True)
        tried += 1
        try:
            value = function(ctx)
        except BaseException as error:  # noqa: B902 (the cases decide what is expected)
            if not (isinstance(expected, tuple) and expected[0] == "raises"):
                print(f"FAIL {name}: raised {type(error).__name__}: {error}", flush=True)
                continue
            _, kind, words = expected
            message = str(error)
            if isinstance(error, kind) and all(w in message for w in words):
                handled += 1
                print(f"OK {name}: {type(error).__name__}: {' '.join(message.split())[:160]}", flush=True)
            else:
                print(f"FAIL {name}: expected {kind.__name__} with {words}, got {type(error).__name__}: {message}",
                      flush=True)
            continue
        if isinstance(expected, tuple):
            print(f"FAIL {name}: returned {value!r} instead of raising {expected[1].__name__}", flush=True)
            continue
        ok, shown = expected(value)
        if ok:
            handled += 1
            print(f"OK {name}: {str(shown)[:160]!s}", flush=True)
        else:
            print(f"FAIL {name}: {shown}", flush=True)
    print(f"DONE tried {tried} handled {handled}", flush=True)


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    from effpot.cli import command as cli
    root = tmp_path_factory.mktemp("bad_input")
    scratch = root / "scratch"
    scratch.mkdir()
    (root / "tiny1d.toml").write_text(TINY_1D)
    (root / "tiny2d.toml").write_text(TINY_2D)
    for name, config in (("one", "tiny1d.toml"), ("two", "tiny2d.toml")):
        assert cli.main(["learn", str(root / config), "-o", str(root / name), "--no-progress"]) == 0
    damaged = root / "damaged"
    import shutil
    shutil.copytree(root / "one", damaged)
    text = (damaged / "effective_potential.xml").read_text()
    (damaged / "effective_potential.xml").write_text(text[:len(text) // 2])
    ctx = {"scratch": str(scratch), "config1": str(root / "tiny1d.toml"), "folder1": str(root / "one"),
           "potential": str(root / "one" / "effective_potential.xml"), "force": str(root / "one" / "potential.xml"),
           "potential2": str(root / "two" / "effective_potential.xml"), "damaged_folder": str(damaged)}
    path = root / "context.json"
    path.write_text(json.dumps(ctx))
    return str(path)


def test_every_bad_input_is_handled(context, capsys):
    process = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); import test_bad_input as t; "
                              f"t._child({context!r})"], capture_output=True, text=True, timeout=600,
                             cwd=os.path.dirname(context))
    lines = process.stdout.splitlines()
    started = [line[5:] for line in lines if line.startswith("CASE ")]
    failures = [line for line in lines if line.startswith("FAIL ")]
    assert process.returncode == 0, (f"the child crashed (status {process.returncode}) in case {started[-1]!r}:\n"
                                     f"{process.stderr[-3000:]}")
    done = [line for line in lines if line.startswith("DONE ")]
    assert done, process.stdout[-3000:] + process.stderr[-3000:]
    tried, handled = int(done[0].split()[2]), int(done[0].split()[4])
    with capsys.disabled():  # shown in every run, not only with -s
        print(f"\nbad inputs: {tried} cases tried, {handled} handled")
    assert not failures, "\n".join(failures)
    assert tried == handled == len(started) >= 60


def test_a_run_out_of_memory_says_what_to_change():
    # 5e7 replicas under a 3 GB address-space limit: C++'s std::bad_alloc used to reach the user as an
    # OpenMMException reading only "std::bad_alloc".
    import resource
    script = ("import effpot\n"
              "cg = effpot.CoarseGrainer('x^2/2+0.01*sin(x/0.01)', 1)\n"
              "cg.setStepSize(0.1); cg.setFriction(1.0); cg.setNumReplicas(50000000); cg.setNumSteps(100)\n"
              "cg.run()\n")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                             preexec_fn=limit)
    last = process.stderr.strip().splitlines()[-1]
    assert process.returncode == 1 and last.startswith("MemoryError: CoarseGrainer.run: not enough memory for "
                                                       "50000000 replicas"), process.stderr[-1500:]
    assert "setNumReplicas" in last
