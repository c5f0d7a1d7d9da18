"""Where splitting DampedVerletIntegrator's step over threads starts to pay on the CPU platform.

A System with no forces isolates the integrator's own cost; each size runs with Threads=1 (always serial) and
Threads=2 (parallel above CpuIntegrateDampedVerletStepKernel::ParallelThreshold). Compile with the threshold
set to 0 to see the parallel cost at every size.

    python bench/bench_threshold.py
"""
import time

import numpy as np
import openmm as mm

import effpot

M = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.0]])
G = np.eye(3)
for n in [256, 512, 1024, 2048, 4096, 16384]:
    res = {}
    for threads in ["1", "2"]:
        s = mm.System()
        for i in range(n): s.addParticle(1.0)
        integ = effpot.DampedVerletIntegrator(0.001)
        for i in range(n): integ.addBlock([i], M, G)
        c = mm.Context(s, integ, mm.Platform.getPlatformByName("CPU"), {"Threads": threads})
        c.setPositions(np.zeros((n, 3)))
        integ.step(10)
        best = 1e9
        for r in range(5):
            t = time.perf_counter(); integ.step(200); best = min(best, (time.perf_counter() - t) / 200)
        res[threads] = best * 1e6
    print(n, {k: round(v, 1) for k, v in res.items()})
