"""Compiles the fused replica kernel for CUDA without a GPU: nvcc -ptx on the source OpenMM's CUDA platform would
build (its preamble, the `common` and `vectorOps` sources taken from the installed libOpenMMCUDA.so, the precision's
typedefs and make_* names), with dampedVerlet.cc + fusedReplica.cc and a sample expression force (with a global
parameter) and a 2D spline force inlined, in single, mixed and double precision, with and without the per-step
barrier. A check of syntax and types only (NVRTC, which OpenMM uses, shares nvcc's front end); it runs nothing.

    python bench/cuda_compile_check.py [--nvcc nvcc] [--arch compute_80] [--keep DIR]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = os.path.join(ROOT, "platforms", "common", "src", "kernels")


def openmm_cuda_library():
    import openmm
    base = os.path.join(os.path.dirname(os.path.dirname(openmm.__file__)), "OpenMM.libs", "lib", "plugins")
    found = glob.glob(os.path.join(base, "libOpenMMCUDA*.so")) or glob.glob(os.path.join(openmm.version.openmm_library_path, "plugins", "libOpenMMCUDA*.so"))
    if not found:
        sys.exit("no libOpenMMCUDA.so (pip install --no-deps openmm-cuda-13)")
    return found[0]


def embedded_source(data, marker):
    """The NUL-terminated string of the library that contains `marker`."""
    at = data.find(marker.encode())
    if at < 0:
        sys.exit(f"{marker!r} not found in the OpenMM CUDA library")
    return data[data.rfind(b"\0", 0, at) + 1:data.find(b"\0", at)].decode("latin1")


def sources():
    data = open(openmm_cuda_library(), "rb").read()
    common = embedded_source(data, '#define KERNEL extern "C" __global__')
    vector_ops = embedded_source(data, "float3 operator+(float3 a, float3 b)")
    read = lambda name: open(os.path.join(KERNELS, name)).read()
    expression = read("replicaExpressionForce.cc").replace("COMPUTE_FORCE", "\n".join([
        "real temp0 = globals[0]*pos1.x;", "energy += temp0*pos1.x + SIN(pos1.y) + EXP(-pos1.z*pos1.z);",
        "real dEdX = 2*temp0;", "real dEdY = COS(pos1.y);", "real dEdZ = -2*pos1.z*EXP(-pos1.z*pos1.z);"]))
    spline = read("replicaSplineForce.cc")
    replacements = {"SPLINE_DIMENSIONS": "2", "SPLINE_COEFFICIENTS_PER_CELL": "16", "SPLINE_COEFFICIENTS": "splineCoefficients"}
    for c in "XYZ":
        for key, value in {"ORIGIN": "-1.5", "INVERSE_SPACING": "4.0", "LOW": "-1.5", "HIGH": "1.5", "WALL": "50.0",
                           "CELLS": "12", "STRIDE": "1"}.items():
            replacements[f"SPLINE_{key}_{c}"] = value
    for key in sorted(replacements, key=len, reverse=True):
        spline = spline.replace(key, replacements[key])
    forces = {"expression": (expression, ", GLOBAL const real* RESTRICT globals"),
              "spline": (spline, ", GLOBAL const real* RESTRICT splineCoefficients")}
    for precision in ["single", "mixed", "double"]:
        real = "double" if precision == "double" else "float"
        mixed = "float" if precision == "single" else "double"
        f = "" if real == "double" else "f"
        head = "// Compilation Options\n"
        head += {"single": "", "mixed": "#define USE_MIXED_PRECISION\n", "double": "#define USE_DOUBLE_PRECISION\n"}[precision]
        for n in "234":
            head += f"#define make_real{n} make_{real}{n}\n#define make_mixed{n} make_{mixed}{n}\n"
        for name in ["SQRT", "SIN", "COS", "EXP", "LOG"]:
            head += f"#define {name} {name.lower()}{f}\n"
        for kind, t in [("real", real), ("mixed", mixed)]:
            head += f"typedef {t} {kind};\n" + "".join(f"typedef {t}{n} {kind}{n};\n" for n in "234")
        head += common + "\n#define PADDED_NUM_ATOMS 32\n#define KE_GROUP_SIZE 128\n"
        for force, (code, extra) in forces.items():
            for barrier in [False, True]:
                body = vector_ops + read("dampedVerlet.cc") + "\n" + read("fusedReplica.cc").replace(
                    "REPLICA_FORCE", code).replace("EXTRA_ARGUMENTS", extra)
                yield f"{precision}_{force}{'_barrier' if barrier else ''}", head + ("#define FUSED_STEP_BARRIER 1\n" if barrier else "") + body


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nvcc", default="nvcc")
    parser.add_argument("--arch", default="compute_80")
    parser.add_argument("--keep", help="write the sources and PTX here")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="effpot_cuda_")
    os.makedirs(folder, exist_ok=True)
    failed = []
    for name, source in sources():
        path = os.path.join(folder, name + ".cu")
        open(path, "w").write(source)
        result = subprocess.run([args.nvcc, "-ptx", f"-arch={args.arch}", "-o", path[:-3] + ".ptx", path],
                                capture_output=True, text=True)
        ok = result.returncode == 0 and "fusedReplicaSteps" in open(path[:-3] + ".ptx").read()
        print(f"{name}: {'ok' if ok else 'FAILED'}{' (warnings)' if result.stderr.strip() else ''}")
        if not ok or result.stderr.strip():
            print(result.stderr)
        if not ok:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
