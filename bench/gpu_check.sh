#!/usr/bin/env bash
# The GPU checks of issue 18 in one go, for a machine with a GPU: build, the C++ GPU tests (ctest -R Gpu, with the
# fused replica tests on $PLATFORM), the GPU Python tests, and bench/bench_gpu_fused.py on $PLATFORM. Everything goes
# to $OUT/gpu_check.log (and the benchmark table to $OUT/bench_gpu_fused.md); the script goes on after a failing
# step and exits non-zero if any failed.
#
#     OUT=/tmp/out bash bench/gpu_check.sh                     # CUDA (the default)
#     PLATFORM=OpenCL OUT=/tmp/out bash bench/gpu_check.sh     # the same on OpenCL (PoCL here: a dry run)
#
# Settings (environment): PLATFORM (CUDA), PRECISIONS ("single mixed") for the benchmark, REPLICAS
# ("10000 100000 1000000"), THERMAL_REPLICAS ("100000 1000000", the thermal benchmark), SECONDS_PER_RUN (1), REPEATS (1), SKIP_BUILD (set: use the build as it is),
# STEP_TIMEOUT (seconds per step, 900). The build needs .venv (bash .ci/setup where the network is reachable; a
# machine without network needs .venv and the build folder copied in).
set -uo pipefail
cd "$(dirname "$0")/.."

PLATFORM=${PLATFORM:-CUDA}
OUT=${OUT:-$PWD/gpu_check_out}
PRECISIONS=${PRECISIONS:-single mixed}
REPLICAS=${REPLICAS:-10000 100000 1000000}
THERMAL_REPLICAS=${THERMAL_REPLICAS:-100000 1000000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-1}
REPEATS=${REPEATS:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-900}
PY=.venv/bin/python
BUILD=$(ls -d build/cp3*-linux_x86_64 2>/dev/null | head -1)
mkdir -p "$OUT"
LOG=$OUT/gpu_check.log
: > "$LOG"
failures=()

log() { echo "$@" | tee -a "$LOG"; }

# step NAME COMMAND...: runs COMMAND with a timeout, its output appended to the log, and records a failure.
step() {
    local name=$1; shift
    log ""
    log "=== $name: $* ($(date -u +%H:%M:%S))"
    local start=$SECONDS
    timeout "$STEP_TIMEOUT" "$@" >> "$LOG" 2>&1
    local rc=$?
    log "=== $name: exit $rc after $((SECONDS-start)) s"
    [ $rc -eq 0 ] || failures+=("$name (exit $rc)")
}

log "effpot gpu_check: platform $PLATFORM, $(date -u), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
command -v nvidia-smi >/dev/null && nvidia-smi >> "$LOG" 2>&1
command -v clinfo >/dev/null && clinfo -l >> "$LOG" 2>&1

if [ ! -x "$PY" ]; then
    step "setup" bash .ci/setup
    BUILD=$(ls -d build/cp3*-linux_x86_64 2>/dev/null | head -1)
elif [ -z "${SKIP_BUILD:-}" ]; then
    step "build" "$PY" -m pip install -q --no-build-isolation .
    BUILD=$(ls -d build/cp3*-linux_x86_64 2>/dev/null | head -1)
fi
step "platforms" "$PY" -c "import openmm as mm, effpot
names = [mm.Platform.getPlatform(i).getName() for i in range(mm.Platform.getNumPlatforms())]
print('OpenMM', mm.version.version, 'platforms:', names)
assert '$PLATFORM' in names, 'no $PLATFORM platform'"

# C++: every *Gpu test; TestFusedReplicaGpu on $PLATFORM (EFFPOT_GPU_PLATFORM), the others on OpenCL and/or CUDA
# as they choose.
if [ -n "$BUILD" ]; then
    step "ctest -R Gpu" env EFFPOT_GPU_PLATFORM="$PLATFORM" .venv/bin/ctest --test-dir "$BUILD" -R Gpu --output-on-failure
    step "TestFusedReplicaGpu ($PLATFORM, with numbers)" env EFFPOT_GPU_PLATFORM="$PLATFORM" "$BUILD/tests/cpp/TestFusedReplicaGpu"
else
    log "no build folder: C++ tests skipped"; failures+=("C++ tests (no build)")
fi

# Python tests of the GPU platforms (they run on OpenCL: the GPU's own OpenCL driver where there is one).
step "pytest GPU" "$PY" -m pytest -q tests/python/plugin/test_gpu_platforms.py tests/python/plugin/test_replica_spline_gpu.py

# Benchmarks on $PLATFORM.
: > "$OUT/bench_gpu_fused.md"
for precision in $PRECISIONS; do
    step "bench_gpu_fused $precision" bash -c "set -o pipefail; $PY bench/bench_gpu_fused.py --platform $PLATFORM --precision $precision \
        --replicas $REPLICAS --seconds $SECONDS_PER_RUN --repeats $REPEATS | tee -a '$OUT/bench_gpu_fused.md'"
done

step "bench_gpu_fused single, thermal" bash -c "set -o pipefail; $PY bench/bench_gpu_fused.py --platform $PLATFORM --precision single \
    --replicas $THERMAL_REPLICAS --temperature 300 --seconds $SECONDS_PER_RUN --repeats $REPEATS | tee -a '$OUT/bench_gpu_fused.md'"

log ""
if [ ${#failures[@]} -eq 0 ]; then
    log "gpu_check: all steps passed"
    exit 0
fi
log "gpu_check: FAILED: ${failures[*]}"
exit 1
