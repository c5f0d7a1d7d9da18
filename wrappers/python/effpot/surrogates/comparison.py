"""Judge a learned potential by its surrogate models (docs/theory.md section 8).

``compare(potential, settings)`` runs the surrogate Langevin model against the reference (the deterministic damped
scheme with the full energy) from the same starting states, and the surrogate Hamiltonian against the full one:

- equilibrium histograms of q (total variation and KL divergence) and normalized ACFs per component;
- the mean path over many trajectories from a shifted start, in units of the equilibrium standard deviation of q;
- the largest stable step (bounded energy error) of the surrogate and of the full Hamiltonian;
- one phase-portrait trajectory of each Hamiltonian model from the same start.

All statistics stream through EnsembleRecorder (C++); no trajectory is stored except the two phase portraits.
"""
import dataclasses
import functools
import math
import time

import numpy as np
import openmm as mm

from .. import effpot_swig as _swig
from ..coarse_graining.analysis import histogram_marginals
from ..coarse_graining.potential import EffectivePotential
from ..shared.units import openmm_platform
from .ensembles import UnstableRun, run_ensemble
from .models import SurrogateModels
from .settings_checks import check_comparison_settings, sampling_step_problem


@dataclasses.dataclass
class ComparisonSettings:
    """Settings of compare(); times are in steps of the learning step h unless named otherwise.

    starts: starting points (k x d) the equilibrium replicas cycle through (e.g. the wells), with Gaussian spread
    ``start_spread`` (nm); the mean path starts at ``mean_path_start`` with spread ``mean_path_spread``.
    extra_surrogates: more surrogate Langevin models judged against the same reference runs, each a dict
    ``{"step_size": ps, "splitting": "BAOAB" | "OBABO" | "GHMC"}`` (default splitting BAOAB), e.g. the GHMC
    surrogate at 5x the learning step next to the default one at the learning step.
    """
    starts: list
    start_spread: float = 0.05
    replicas: int = 2000
    equilibration_steps: int = 10000
    samples: int = 2000
    sample_interval: int = 10
    histogram_bins: list = None
    acf_lags: int = 100
    mean_path_replicas: int = 10000
    mean_path_samples: int = 100
    mean_path_interval: int = 10
    mean_path_start: list = None
    mean_path_spread: float = 0.05
    surrogate_step_size: float = None
    surrogate_splitting: str = None
    extra_surrogates: list = None
    hamiltonian_replicas: int = 64
    hamiltonian_time: float = 20.0
    energy_tolerance: float = 0.2
    portrait_time: float = 4.0
    seed: int = 2
    batches: int = 8
    threads: int = None
    platform: str = "Reference"


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A Langevin model of compare() as plain data, so that worker processes can build it: the potential as XML,
    the full energy, the surrogate's expression (or None for the learned U), which model, the surrogate's step."""
    potential_xml: str
    energy: str
    surrogate_energy: str
    kind: str
    step_size: float
    splitting: str = "BAOAB"

    def __call__(self, count, seed):
        models = _models(self.potential_xml, self.energy, self.surrogate_energy)
        if self.kind == "reference":
            return models.referenceLangevin(count)
        return models.surrogateLangevin(count, self.step_size, seed=seed, splitting=self.splitting)


@functools.lru_cache(maxsize=4)
def _models(potential_xml, energy, surrogate_energy):
    # Every batch of a run builds its model from the same XML: parse it once per process, not once per batch.
    return SurrogateModels(EffectivePotential.fromXml(potential_xml), energy, surrogateEnergy=surrogate_energy)


def _grid(potential, bins):
    lower, upper = list(potential.getLower()), list(potential.getUpper())
    d = potential.dimensions
    if bins is None:
        bins = [{1: 100, 2: 30, 3: 12}[d]] * d
    return _swig.RegularGrid(lower, upper, [int(b) for b in bins])


def _starting_positions(centres, spread, count, rng):
    centres = np.atleast_2d(np.asarray(centres, dtype=float))
    d = centres.shape[1]
    positions = np.zeros((count, 3))
    positions[:, :d] = centres[np.arange(count) % len(centres)] + spread * rng.normal(size=(count, d))
    return positions


def _marginal_sd(histogram, grid):
    """Per-component standard deviation of a histogram, with Sheppard's correction for the bin width."""
    result = []
    for c, (centres, density) in enumerate(histogram_marginals(histogram, grid)[1]):
        width = grid.getBinWidth(c)
        weights = density * width
        mean = np.sum(weights * centres)
        variance = np.sum(weights * (centres - mean) ** 2) - width ** 2 / 12
        result.append(math.sqrt(max(variance, 0.0)))
    return np.array(result)


def _replica_energies(probe, positions, velocities):
    """Each replica's H = K + U (kJ/mol), from a one-replica Context of the same model: the ensemble's Context
    reports only the sum, in which replicas that heat up and replicas that cool cancel."""
    energies = np.empty(len(positions))
    for r, (q, v) in enumerate(zip(positions, velocities)):
        probe.setPositions([q])
        probe.setVelocities([v])
        state = probe.getState(getEnergy=True)
        energies[r] = state.getKineticEnergy()._value + state.getPotentialEnergy()._value
    return energies


def energy_error(build, positions, velocities, duration, step, platform, checks=50, limit=math.inf):
    """Largest |H_r(t) - H_r(0)| over the replicas r (kJ/mol) over `duration` ps of a Hamiltonian model at
    `step`, checked `checks` times; inf when the run blew up; the error so far once it passes `limit`. Each
    replica's energy comes from a one-replica Reference Context of the same model (double precision; a few
    microseconds a replica)."""
    system, integrator = build(len(positions), step)
    context = mm.Context(system, integrator, platform)
    context.setPositions(positions)
    context.setVelocities(velocities)
    probe_system, probe_integrator = build(1, step)
    probe = mm.Context(probe_system, probe_integrator, mm.Platform.getPlatformByName("Reference"))
    h0 = _replica_energies(probe, np.asarray(positions, dtype=float), np.asarray(velocities, dtype=float))
    steps = max(1, int(round(duration / step)))
    worst, done = 0.0, 0
    while done < steps:
        n = min(steps - done, max(1, steps // checks))
        try:
            integrator.step(n)
            state = context.getState(getPositions=True, getVelocities=True)
        except mm.OpenMMException:  # Reference and CPU refuse NaN coordinates instead of returning them
            return math.inf
        done += n
        q = state.getPositions(asNumpy=True)._value
        v = state.getVelocities(asNumpy=True)._value
        if not (np.all(np.isfinite(q)) and np.all(np.isfinite(v))):
            return math.inf
        try:
            error = float(np.max(np.abs(_replica_energies(probe, q, v) - h0)))
        except mm.OpenMMException:
            return math.inf
        if not math.isfinite(error):
            return math.inf
        worst = max(worst, error)
        if worst > limit:
            break
    return worst


def largest_stable_step(build, positions, velocities, steps, duration, tolerance, platform, smaller=6):
    """The largest step of the increasing list `steps` up to which every step keeps every replica's energy error
    within `tolerance` (kJ/mol) over `duration` ps; returns (step or None, [(step, error), ...]). When even the
    first step fails, up to `smaller` steps below it are tried, each sqrt(2) smaller (a rough energy whose
    micro-scale a replica crosses many times a step needs steps far below its curvature's limit)."""
    table, best = [], None
    for step in steps:
        error = energy_error(build, positions, velocities, duration, step, platform, limit=tolerance)
        table.append((float(step), float(error)))
        if error > tolerance:
            break
        best = float(step)
    step = float(steps[0])
    for _ in range(smaller if best is None else 0):
        step /= math.sqrt(2.0)
        error = energy_error(build, positions, velocities, duration, step, platform, limit=tolerance)
        table.insert(0, (step, float(error)))
        if error <= tolerance:
            return step, table
    return best, table


def step_rate(build, positions, velocities, step, platform, seconds=0.3):
    """Replica-steps per wall second of a model at `step` (ps), run for at least `seconds`; None when the run
    blew up (a non-finite energy, or the "coordinate is NaN" that Reference and CPU raise instead)."""
    system, integrator = build(len(positions), step)
    context = mm.Context(system, integrator, platform)
    context.setPositions(positions)
    context.setVelocities(velocities)
    chunk = max(1, int(2e5 / len(positions)))
    try:
        integrator.step(chunk)  # warm up: the fused path, the CPU platform's threads
        context.getState(getEnergy=True)  # GPU platforms queue their steps: wait for them before timing
        done, start = 0, time.perf_counter()
        while True:
            integrator.step(chunk)
            done += chunk
            if time.perf_counter() - start >= seconds:
                energy = context.getState(getEnergy=True).getPotentialEnergy()._value  # synchronizes, too
                elapsed = time.perf_counter() - start
                return len(positions) * done / elapsed if math.isfinite(energy) else None
    except mm.OpenMMException:
        return None


def timed_stable_step(build, positions, velocities, step, platform, tries=6):
    """(step, rate, [steps that blew up]): the rate of a Hamiltonian model at its largest stable step, stepping
    down by sqrt(2) while the timing run blows up. The stable-step test runs a few replicas for a few ps; the
    timing runs thousands of them for longer, and meets the rare trajectory that the test did not."""
    failed = []
    for _ in range(tries):
        rate = step_rate(build, positions, velocities, step, platform)
        if rate is not None:
            return step, rate, failed
        failed.append(float(step))
        step /= math.sqrt(2.0)
    return None, None, failed


def phase_portrait(build, position, velocity, step, duration, interval_time, platform):
    """One trajectory: times (ps), positions and velocities (n x 3) every interval_time ps."""
    system, integrator = build(1, step)
    context = mm.Context(system, integrator, platform)
    context.setPositions([position])
    context.setVelocities([velocity])
    per_sample = max(1, int(round(interval_time / step)))
    count = int(round(duration / (per_sample * step)))
    times, q, v = [0.0], [np.array(position)], [np.array(velocity)]
    for k in range(count):
        try:
            integrator.step(per_sample)
            state = context.getState(getPositions=True, getVelocities=True)
        except mm.OpenMMException:  # blew up: the portrait ends at its last finite state
            break
        times.append((k + 1) * per_sample * step)
        q.append(state.getPositions(asNumpy=True)._value[0])
        v.append(state.getVelocities(asNumpy=True)._value[0])
    return np.array(times), np.array(q), np.array(v)


def _step_ratio(h, step, settings, field):
    """h / step, checked: the surrogate must sample at the reference's times (a common time grid)."""
    problem = sampling_step_problem(h, step, {"sample_interval": settings.sample_interval,
                                              "mean_path_interval": settings.mean_path_interval})
    if problem is not None:
        raise ValueError(f"compare: settings.{field} = {problem}")
    return h / step


def _run_langevin(build, factor, name, q0, v0, q1, v1, grid, lags, s, d, common):
    """Equilibrium and mean-path runs of one Langevin model (`factor`: its steps per learning step); returns
    (equilibrium EnsembleRun or None, mean-path EnsembleRun or None, None or what went unstable)."""
    step = build.step_size
    try:
        equilibrium = run_ensemble(
            build, q0, v0, d, equilibration=int(round(s.equilibration_steps * factor)), samples=s.samples,
            interval=int(round(s.sample_interval * factor)), grid=grid, max_lag=lags, times=0,
            seed=s.seed, label=f"{name} Langevin, equilibrium", **common)
    except UnstableRun as error:
        if name == "reference":
            raise
        # A surrogate its step cannot integrate is a result (a failed metric), not an error.
        return None, None, {"model": "surrogate Langevin", "step_size": step, "time": error.time,
                            "stage": "equilibrium"}
    if name != "reference" and not np.sum(equilibrium.histogram) > 0:
        # Every sample left the grid with a finite energy: an escape, as much a failure as an explosion.
        return equilibrium, None, {"model": "surrogate Langevin", "step_size": step, "time": None,
                                   "stage": "equilibrium (every sample left the histogram grid)"}
    try:
        paths = run_ensemble(
            build, q1, v1, d, samples=s.mean_path_samples, interval=int(round(s.mean_path_interval * factor)),
            times=s.mean_path_samples + 1, sample_start=True, seed=s.seed + 1,
            label=f"{name} Langevin, mean path", **common)
    except UnstableRun as error:
        if name == "reference":
            raise
        return equilibrium, None, {"model": "surrogate Langevin", "step_size": step, "time": error.time,
                                   "stage": "mean path"}
    return equilibrium, paths, None


def _judge_surrogate(spec, h, runs, reference, sd, s, d):
    """The metrics and curves of one surrogate Langevin model against the reference runs (at the learning step h)."""
    equilibrium, paths, unstable = runs
    reference_eq, reference_paths = reference
    counts_r, acf_r = reference_eq.histogram, reference_eq.autocorrelation(d)
    mean_r, spread_r = reference_paths.meanPath(d), reference_paths.pathSpread(d)
    if unstable is None:
        counts_s, acf_s = equilibrium.histogram, equilibrium.autocorrelation(d)
        mean_s, spread_s = paths.meanPath(d), paths.pathSpread(d)
    else:
        counts_s, acf_s = np.full_like(counts_r, np.nan), np.full_like(acf_r, np.nan)
        mean_s, spread_s = np.full_like(mean_r, np.nan), np.full_like(spread_r, np.nan)
    standard_error = np.sqrt((spread_r ** 2 + spread_s ** 2) / s.mean_path_replicas)
    path_difference = np.abs(mean_s - mean_r) / sd
    # A surrogate whose U the step cannot integrate (h^2 lambda_max > 4) explodes: say so instead of numbers.
    finite = bool(unstable is None and np.all(np.isfinite(mean_s)) and np.all(np.isfinite(acf_s)) and
                  np.max(np.abs(mean_s)) < 1e6)

    def finite_or_none(value):
        return float(value) if finite and math.isfinite(value) else None

    sampled = unstable is None
    metrics = {
        "surrogate_step_size": spec.step_size,
        "surrogate_splitting": spec.splitting,
        "surrogate_finite": finite,
        "surrogate_unstable": unstable,
        "tv_distance": finite_or_none(_swig.totalVariation(list(counts_s), list(counts_r))) if sampled else None,
        "kl_divergence": finite_or_none(_swig.klDivergence(list(counts_s), list(counts_r))) if sampled else None,
        "acf_max_difference": finite_or_none(np.max(np.abs(acf_s - acf_r))),
        "mean_path_max_difference_sd": finite_or_none(np.max(path_difference)),
        "mean_path_max_z": finite_or_none(np.max(np.abs(mean_s - mean_r) / np.maximum(standard_error, 1e-300))),
        "outside_fraction_surrogate": (equilibrium.outside / (s.replicas * s.samples) if sampled else None),
        "surrogate_rate": equilibrium.rate if sampled else None,
        # Simulated time per wall second, surrogate over reference, of the equilibrium runs (sampling included).
        "surrogate_speedup": ((equilibrium.rate * spec.step_size) / (reference_eq.rate * h) if sampled else None),
        # GHMC: the fraction of Metropolis moves accepted over the equilibrium run (None for the other splittings).
        "metropolis_acceptance": equilibrium.acceptance if equilibrium is not None else None,
    }
    curves = {"histogram_surrogate": counts_s, "acf_surrogate": acf_s, "mean_path_surrogate": mean_s,
              "path_spread_surrogate": spread_s}
    return metrics, curves


def compare(potential, settings, energy=None, progress=None, surrogate_energy=None, executor=None):
    """Run the docs/theory.md section 8 comparisons; returns a tuple ``(metrics, curves)`` of two dicts: metrics
    (numbers, None where a model could not be judged) and curves (mostly numpy arrays), as in
    ``metrics, curves = compare(potential, settings)``.

    The surrogate Langevin model of ``settings.surrogate_step_size`` and ``surrogate_splitting`` has its metrics
    at the top level of ``metrics`` (its curves at the top level of ``curves``); each of
    ``settings.extra_surrogates`` has the same metrics in a list under ``metrics["extra_surrogates"]`` and its
    curves under ``curves["extra_surrogates"]``, in the given order, all against the same reference runs.

    Parameters
    ----------
    potential : EffectivePotential
    settings : ComparisonSettings
    energy : str, optional
        The full energy (default: the one the potential was learned from).
    progress : callable, optional
        ``progress(stage, done, total)``.
    surrogate_energy : str, optional
        Judge this expression (e.g. a truncation of the full energy) as the surrogate's potential instead of the
        learned U, with the same calibration.
    executor : optional
        Run the Langevin ensembles' batches on an executor (effpot.local_executor(), a Dask Client, MPI ranks:
        docs/distributed.md) instead of threads here; the results are the same (the batches merge in order).
    """
    if not isinstance(settings, ComparisonSettings):
        raise TypeError(f"compare: settings: give an effpot ComparisonSettings (e.g. ComparisonSettings(replicas=2000)), "
                        f"got {type(settings).__name__}")
    s = settings
    models = SurrogateModels(potential, energy, surrogateEnergy=surrogate_energy)
    d, kT, h = models.dimensions, models.kT, models.stepSize
    check_comparison_settings(s, d)
    xml = potential.toXml()
    reference = ModelSpec(xml, models.energy, surrogate_energy, "reference", h)
    # The surrogate Langevin model splits its step B-A-O-A-B (every platform runs it) unless asked otherwise.
    surrogates = [ModelSpec(xml, models.energy, surrogate_energy, "surrogate",
                            h if s.surrogate_step_size is None else float(s.surrogate_step_size),
                            s.surrogate_splitting or "BAOAB")]
    for extra in s.extra_surrogates or []:
        surrogates.append(ModelSpec(xml, models.energy, surrogate_energy, "surrogate", float(extra["step_size"]),
                                    extra.get("splitting", "BAOAB")))
    ratios = [_step_ratio(h, surrogates[0].step_size, s, "surrogate_step_size")]
    ratios += [_step_ratio(h, spec.step_size, s, f"extra_surrogates[{i}].step_size")
               for i, spec in enumerate(surrogates[1:])]

    platform = openmm_platform(s.platform)
    rng = np.random.default_rng(s.seed)
    grid = _grid(potential, s.histogram_bins)
    common = dict(batches=s.batches, threads=s.threads, platform=platform, progress=progress, executor=executor)
    lags = min(s.acf_lags, s.samples - 1)

    # The same starting states for every model: equilibrium replicas from the starts, mean paths from a shifted
    # start.
    q0 = _starting_positions(s.starts, s.start_spread, s.replicas, rng)
    v0 = models.velocities(s.replicas, rng)
    start = s.mean_path_start if s.mean_path_start is not None else np.atleast_2d(s.starts)[0]
    q1 = _starting_positions([start], s.mean_path_spread, s.mean_path_replicas, rng)
    v1 = models.velocities(s.mean_path_replicas, rng)
    runs = [_run_langevin(reference, 1.0, "reference", q0, v0, q1, v1, grid, lags, s, d, common)]
    runs += [_run_langevin(spec, ratio, "surrogate" if i == 0 else f"surrogate at {spec.step_size:g} ps "
                           f"({spec.splitting})", q0, v0, q1, v1, grid, lags, s, d, common)
             for i, (spec, ratio) in enumerate(zip(surrogates, ratios))]
    reference_runs = runs[0][:2]
    counts_r = reference_runs[0].histogram
    sd = _marginal_sd(counts_r, grid)
    judged = [_judge_surrogate(spec, h, run, reference_runs, sd, s, d) for spec, run in zip(surrogates, runs[1:])]

    # Hamiltonian models: largest stable step and one phase portrait each.
    if progress is not None:
        progress("Hamiltonian stable steps", 0, 1)
    count = s.hamiltonian_replicas
    qh = _starting_positions(s.starts, s.start_spread, count, rng)
    vh = models.velocities(count, rng)
    steps = h * 2.0 ** (np.arange(-20, 9) / 2.0)
    full_step, full_table = largest_stable_step(models.fullHamiltonian, qh, vh, steps, s.hamiltonian_time,
                                                s.energy_tolerance * kT, platform)
    surrogate_step, surrogate_table = largest_stable_step(models.surrogateHamiltonian, qh, vh, steps,
                                                          s.hamiltonian_time, s.energy_tolerance * kT, platform)
    if progress is not None:
        progress("Hamiltonian stable steps", 1, 1)
    # Net speed-up of the Hamiltonian surrogate: simulated time per wall second, each model at its largest stable
    # step, the per-step costs measured here on the same replicas.
    hamiltonian_rates, timing_blowups = {}, {"full": [], "surrogate": []}
    if full_step is not None and surrogate_step is not None:
        # Distinct states (copies of a few would keep the table's few cells in cache and flatter the surrogate).
        many = max(count, min(s.replicas, 20000))
        qr, vr = _starting_positions(s.starts, s.start_spread, many, rng), models.velocities(many, rng)
        full_step, full_rate, full_blowups = timed_stable_step(models.fullHamiltonian, qr, vr, full_step, platform)
        surrogate_step, surrogate_rate, surrogate_blowups = timed_stable_step(
            models.surrogateHamiltonian, qr, vr, surrogate_step, platform)
        hamiltonian_rates = {"full": full_rate, "surrogate": surrogate_rate}
        timing_blowups = {"full": full_blowups, "surrogate": surrogate_blowups}

    # Phase portraits: the full model well inside its stable range, the surrogate at half its largest step.
    portraits, portrait_steps = {}, {}
    p_start, p_velocity = q1[0], v1[0]
    if full_step is not None and surrogate_step is not None:
        portrait_steps = {"full": full_step / 4, "surrogate": surrogate_step / 2}
        # The surrogate is drawn at every one of its steps; the full model finely enough to show its small scales
        # (sampled every h / 2 they aliased into a zig-zag), at most 4000 states: one replica, a getState each.
        full_interval = max(portrait_steps["full"], s.portrait_time / 4000)
        sample_times = {"full": min(full_interval, portrait_steps["surrogate"]), "surrogate": portrait_steps["surrogate"]}
        for name, build in (("full", models.fullHamiltonian), ("surrogate", models.surrogateHamiltonian)):
            portraits[name] = phase_portrait(build, p_start, p_velocity, portrait_steps[name], s.portrait_time,
                                             sample_times[name], platform)

    # Net speed-up of each Langevin surrogate: the same measurement, the surrogate at its step against the full
    # model at the learning step (the equilibrium runs' rates also count their sampling, the same per sample for
    # both models, which hides what a larger step saves).
    many = min(s.replicas, 20000)
    qr, vr = np.resize(q0, (many, 3)), np.resize(v0, (many, 3))
    reference_rate = None
    for spec, (part, _) in zip(surrogates, judged):
        part["langevin_full_rate"] = part["langevin_surrogate_rate"] = part["langevin_net_speedup"] = None
        if not part["surrogate_finite"]:
            continue
        if reference_rate is None:
            reference_rate = step_rate(lambda n, step: reference(n, s.seed), qr, vr, h, platform)
        rate = step_rate(lambda n, step: spec(n, s.seed), qr, vr, spec.step_size, platform)
        part.update(langevin_full_rate=reference_rate, langevin_surrogate_rate=rate)
        if reference_rate is not None and rate is not None:
            part["langevin_net_speedup"] = (rate * spec.step_size) / (reference_rate * h)

    main, main_curves = judged[0]
    metrics = {
        "kT": kT,
        **{key: main[key] for key in ("surrogate_finite", "surrogate_unstable", "tv_distance", "kl_divergence",
                                      "acf_max_difference", "mean_path_max_difference_sd", "mean_path_max_z")},
        "equilibrium_sd": sd.tolist(),
        "outside_fraction_reference": reference_runs[0].outside / (s.replicas * s.samples),
        "outside_fraction_surrogate": main["outside_fraction_surrogate"],
        "full_hamiltonian_stable_step": full_step,
        "surrogate_hamiltonian_stable_step": surrogate_step,
        "stable_step_ratio": (surrogate_step / full_step) if full_step and surrogate_step else None,
        # Steps that passed the short stable-step test but blew up in the longer timing run (then not counted).
        "hamiltonian_timing_blowups": timing_blowups,
        "reference_rate": reference_runs[0].rate,
        "surrogate_rate": main["surrogate_rate"],
        "surrogate_step_size": main["surrogate_step_size"],
        "surrogate_splitting": main["surrogate_splitting"],
        "metropolis_acceptance": main["metropolis_acceptance"],
        "reference_step_size": h,
        "surrogate_speedup": main["surrogate_speedup"],
        "hamiltonian_full_rate": hamiltonian_rates.get("full"),
        "hamiltonian_surrogate_rate": hamiltonian_rates.get("surrogate"),
        # Each Hamiltonian model at its largest stable step.
        "hamiltonian_net_speedup": ((hamiltonian_rates["surrogate"] * surrogate_step) / (hamiltonian_rates["full"] * full_step)
                                    if hamiltonian_rates and None not in hamiltonian_rates.values() else None),
        "langevin_full_rate": main["langevin_full_rate"],
        "langevin_surrogate_rate": main["langevin_surrogate_rate"],
        "langevin_net_speedup": main["langevin_net_speedup"],
        "extra_surrogates": [part for part, _ in judged[1:]],
    }
    reference_paths = reference_runs[1]
    curves = {
        "grid": grid, "histogram_reference": counts_r, "acf_lag_times": np.arange(lags + 1) * s.sample_interval * h,
        "acf_reference": reference_runs[0].autocorrelation(d),
        "path_times": np.arange(s.mean_path_samples + 1) * s.mean_path_interval * h,
        "mean_path_reference": reference_paths.meanPath(d), "path_spread_reference": reference_paths.pathSpread(d),
        **main_curves,
        "extra_surrogates": [dict(part_curves, step_size=part["surrogate_step_size"],
                                  splitting=part["surrogate_splitting"]) for part, part_curves in judged[1:]],
        "stable_steps_full": full_table, "stable_steps_surrogate": surrogate_table, "portraits": portraits,
        "portrait_steps": portrait_steps,
    }
    return metrics, curves
