#ifndef EFFPOT_REPLICA_LANES_H_
#define EFFPOT_REPLICA_LANES_H_

// The bodies of ReplicaLaneKernels, included by one translation unit per instruction set (like TapeInstructions.h).
// The arithmetic follows DampedVerletStepper's one-particle-block path operation for operation.

#include "ReplicaLaneKernels.h"
#include "TapeEvaluator.h"

namespace EffPot {
namespace ReplicaLanes {
// Internal linkage: every instruction-set translation unit must keep its own copy (an inline function with external
// linkage would be merged by the linker into whichever variant comes first).
namespace {

const int L = TapeEvaluator::BlockSize;

#define EFFPOT_LANES _Pragma("omp simd") for (int i = 0; i < L; i++)

inline void gather(const double* aos, double* a, double* b, double* c) {
    EFFPOT_LANES {
        a[i] = aos[3*i];
        b[i] = aos[3*i+1];
        c[i] = aos[3*i+2];
    }
}

inline void scatter(double* aos, const double* a, const double* b, const double* c) {
    EFFPOT_LANES {
        aos[3*i] = a[i];
        aos[3*i+1] = b[i];
        aos[3*i+2] = c[i];
    }
}

inline void firstHalf(const double* d, const double* k, double h, double* const v[3], const double* const f[3], double* const x[3]) {
    const double d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5], d6 = d[6], d7 = d[7], d8 = d[8];
    const double k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    const double* fx = f[0];
    const double* fy = f[1];
    const double* fz = f[2];
    double* X = x[0];
    double* Y = x[1];
    double* Z = x[2];
    EFFPOT_LANES {
        double a = vx[i], b = vy[i], c = vz[i];
        double nx = (d0*a+d1*b+d2*c)+(k0*fx[i]+k1*fy[i]+k2*fz[i]);
        double ny = (d3*a+d4*b+d5*c)+(k3*fx[i]+k4*fy[i]+k5*fz[i]);
        double nz = (d6*a+d7*b+d8*c)+(k6*fx[i]+k7*fy[i]+k8*fz[i]);
        vx[i] = nx;
        vy[i] = ny;
        vz[i] = nz;
        X[i] += nx*h;
        Y[i] += ny*h;
        Z[i] += nz*h;
    }
}

inline void secondHalf(const double* d, const double* k, const double* const dE[3], double* const v[3], double* const f[3]) {
    const double d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5], d6 = d[6], d7 = d[7], d8 = d[8];
    const double k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
    double* vx = v[0];
    double* vy = v[1];
    double* vz = v[2];
    double* fx = f[0];
    double* fy = f[1];
    double* fz = f[2];
    const double* ex = dE[0];
    const double* ey = dE[1];
    const double* ez = dE[2];
    EFFPOT_LANES {
        double gx = -ex[i], gy = -ey[i], gz = -ez[i];
        fx[i] = gx;
        fy[i] = gy;
        fz[i] = gz;
        double a = vx[i]+(k0*gx+k1*gy+k2*gz);
        double b = vy[i]+(k3*gx+k4*gy+k5*gz);
        double c = vz[i]+(k6*gx+k7*gy+k8*gz);
        vx[i] = d0*a+d1*b+d2*c;
        vy[i] = d3*a+d4*b+d5*c;
        vz[i] = d6*a+d7*b+d8*c;
    }
}

#undef EFFPOT_LANES

} // namespace
} // namespace ReplicaLanes
} // namespace EffPot

#endif /*EFFPOT_REPLICA_LANES_H_*/
