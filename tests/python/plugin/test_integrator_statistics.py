"""Stationary laws of the thermal and noise-covariance modes against exact discrete Lyapunov solutions.

In a harmonic well one O-B-A-B-O step is linear, s' = A s + noise with s = (q, v), so the exact stationary
covariance of the scheme (with its O(h^2) bias included) solves Sigma = A Sigma A^T + Q. The samples are one
snapshot per independent particle after a burn-in of many relaxation times, so they are independent and the
standard error of a covariance entry is sqrt((S_ii S_jj + S_ij^2) / N).
"""
import numpy as np
import openmm as mm
from scipy.linalg import expm, solve_discrete_lyapunov

import effpot
from conftest import FRICTION3, HARMONIC, KB, MASS3, STIFFNESS, external_system, state_arrays

N_PARTICLES = 6000
TOLERANCE_SIGMAS = 5.0


def step_matrices(mass, friction, stiffness, h, half_step_noise):
    """The linear map A of one O-B-A-B-O step on (q, v) and the covariance Q of the noise it adds."""
    inv_mass = np.linalg.inv(mass)
    eye, zero = np.eye(3), np.zeros((3, 3))
    o = np.block([[eye, zero], [zero, expm(-0.5 * h * inv_mass @ friction)]])
    kick = np.block([[eye, zero], [-0.5 * h * inv_mass @ stiffness, eye]])
    drift = np.block([[eye, h * eye], [zero, eye]])
    middle = o @ kick @ drift @ kick
    g = np.zeros((6, 6))
    g[3:, 3:] = half_step_noise
    gg = g @ g.T
    return middle @ o, middle @ gg @ middle.T + gg


def sample_states(integrator, platform, friction, q_cov, burn_in, noise=None):
    """One (q, v) snapshot of each of N_PARTICLES independent particles after burn_in steps from q ~ N(0, q_cov)."""
    system = external_system(HARMONIC, N_PARTICLES)
    for i in range(N_PARTICLES):
        block = integrator.addBlock([i], MASS3, friction)
        if noise is not None:
            integrator.setNoiseCovariance(block, noise)
    context = mm.Context(system, integrator, platform)
    rng = np.random.default_rng(5)
    context.setPositions(rng.multivariate_normal(np.zeros(3), q_cov, size=N_PARTICLES))
    context.setVelocitiesToTemperature(300, 9)
    integrator.step(burn_in)
    q, v = state_arrays(context)
    return np.hstack([q, v])


def assert_covariance(samples, expected):
    n = len(samples)
    sample = samples.T @ samples / n
    error = np.sqrt((np.outer(np.diag(expected), np.diag(expected)) + expected ** 2) / n)
    z = np.abs(sample - expected) / error
    assert z.max() < TOLERANCE_SIGMAS, f"worst entry off by {z.max():.1f} standard errors:\n{sample}\nvs\n{expected}"


def test_thermal_mode_samples_gibbs_law(platform):
    temperature, h = 300.0, 0.05
    kt = KB * temperature
    integrator = effpot.DampedVerletIntegrator(h)
    integrator.setTemperature(temperature)
    integrator.setRandomNumberSeed(21)
    inv_mass = np.linalg.inv(MASS3)
    decay = expm(-0.5 * h * inv_mass @ FRICTION3)
    # Fluctuation-dissipation: the half step adds kT (M^-1 - E M^-1 E^T) to Cov(v).
    half_noise = np.linalg.cholesky(kt * (inv_mass - decay @ inv_mass @ decay.T))
    a, q = step_matrices(MASS3, FRICTION3, STIFFNESS, h, half_noise)
    exact = solve_discrete_lyapunov(a, q)
    # The scheme's law is kT K^-1 in q and kT M^-1 in v up to its O(h^2) bias.
    gibbs = np.zeros((6, 6))
    gibbs[:3, :3] = kt * np.linalg.inv(STIFFNESS)
    gibbs[3:, 3:] = kt * inv_mass
    assert np.max(np.abs(exact - gibbs)) < 0.02 * kt
    np.testing.assert_allclose(exact[3:, 3:], kt * inv_mass, rtol=0.02)
    # Slowest relaxation: rate ~ half the smallest eigenvalue of M^-1 Gamma; burn in for > 10 relaxation times.
    rate = 0.5 * np.linalg.eigvals(inv_mass @ FRICTION3).real.min()
    burn_in = int(np.ceil(10 / rate / h))
    assert_covariance(sample_states(integrator, platform, FRICTION3, exact[:3, :3], burn_in), exact)


def test_noise_covariance_mode_solves_lyapunov_equation(platform):
    h, gamma = 0.05, 0.8
    # Scalar friction Gamma = gamma M and an anisotropic momentum noise D: not a Gibbs law.
    friction = gamma * MASS3
    noise = np.array([[1.0, 0.4, 0.0], [0.4, 0.5, -0.2], [0.0, -0.2, 2.0]])
    integrator = effpot.DampedVerletIntegrator(h)
    integrator.setRandomNumberSeed(33)
    inv_mass = np.linalg.inv(MASS3)
    # With B' = gamma I the velocity-noise integral of a half step t has the closed form
    # M^-1 D M^-1 (1 - exp(-2 gamma t)) / (2 gamma).
    t = 0.5 * h
    half_cov = inv_mass @ noise @ inv_mass * (1 - np.exp(-2 * gamma * t)) / (2 * gamma)
    a, q = step_matrices(MASS3, friction, STIFFNESS, h, np.linalg.cholesky(half_cov))
    exact = solve_discrete_lyapunov(a, q)
    burn_in = int(np.ceil(10 / (0.5 * gamma) / h))
    assert_covariance(sample_states(integrator, platform, friction, exact[:3, :3], burn_in, noise), exact)
    # The law is far from Gibbs at any temperature: Cov(q) is not proportional to K^-1 (sanity of the test).
    ratio = exact[:3, :3] @ STIFFNESS
    assert np.max(np.abs(ratio - np.trace(ratio) / 3 * np.eye(3))) > 0.1 * np.trace(ratio) / 3
