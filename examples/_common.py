"""Helpers shared by the examples: output folder, atomic JSON, printing D against its known value."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from effpot.shared.files import atomic_write_text  # noqa: E402


def output_folder(path):
    os.makedirs(path, exist_ok=True)
    return path


def write_json(path, data):
    atomic_write_text(path, json.dumps(data, indent=1, default=lambda x: np.asarray(x).tolist()) + "\n")


def report_noise(potential, true):
    true = np.asarray(true)
    estimate, error = potential.noiseCovariance, potential.noiseCovarianceError
    relative = np.linalg.norm(estimate - true) / np.linalg.norm(true)
    inside = bool(np.all(np.abs(estimate - true) <= 3 * error))
    print(f"  D estimated = {np.round(estimate, 4).tolist()}")
    print(f"  D standard errors = {np.round(error, 4).tolist()}")
    print(f"  D true      = {np.round(true, 4).tolist()}")
    z = np.max(np.abs(estimate - true) / error)
    # One run cannot show that the interval is calibrated: its errors come from 10 replica batches (a t law with 9
    # degrees of freedom), so even a calibrated interval misses now and then (P4 at 300 replicas x 4e4 steps, 20
    # seeds: the rms of (D - D_true) / error is 0.9-1.3 per entry, 2 of 60 entries beyond 3).
    print(f"  relative Frobenius error {100 * relative:.2f}%, largest |D - D_true| / standard error {z:.1f} "
          f"(inside the 3-sigma interval: {inside})")
    return relative, inside
