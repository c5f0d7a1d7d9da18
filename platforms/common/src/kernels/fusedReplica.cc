/**
 * DampedVerletIntegrator's fused replica step on GPUs (compiled after dampedVerlet.cc, whose helpers it uses): for
 * Systems where every particle is a one-particle block (3x3 matrices) and the only Force of the integration groups
 * is one ReplicaExpressionForce or ReplicaSplineForce acting once on every particle. Each thread owns replicas
 * (units of block3Atom/block3Set), keeps position, velocity and force in registers and runs numSteps whole steps with
 * the force inlined (REPLICA_FORCE: the force's one-atom interaction code, the same text BondedUtilities compiles;
 * it reads pos1, adds to energy, defines force1).
 *
 * The arithmetic is that of dampedVerletFirstHalf / dampedVerletSecondHalf for 3x3 blocks operation by operation,
 * including what the unfused path does between its launches: positions pass through posq (and posqCorrection in
 * mixed precision) after every drift, the force is evaluated at the real (posq) coordinates, converted to OpenMM's
 * 2^-32 fixed point and read back in the mixed type. So the trajectory is that of as many unfused steps, up to the
 * compiler's contraction of products and sums. Noise counters: c, c+1 in the first step, c+2, c+3 in the next...
 * (BAOAB with noise: one exact O step over h per step, at c, c+2, ...).
 * GHMC (splitting 2, FusedReplicaStepper::metropolisSteps on the host): the exact O step over h (normals at c), then
 * B-A-force-B with each replica's energy, accepted when dH <= kT (-log u) with u from word 0 of the Philox call at
 * c+1; a rejected move returns the replica to its state after O with the velocity reversed. acceptedCount[unit]
 * counts the unit's accepted moves.
 * On return the force buffer holds the forces at the final positions, as after an unfused step.
 */

inline DEVICE mixed3 rowTimes(mixed3 r0, mixed3 r1, mixed3 r2, mixed3 x) {
    return make_mixed3(r0.x*x.x+r0.y*x.y+r0.z*x.z, r1.x*x.x+r1.y*x.y+r1.z*x.z, r2.x*x.x+r2.y*x.y+r2.z*x.z);
}

/** v^T M v / 2 with M's rows m0, m1, m2 (the host's kinetic energy of metropolisSteps, in its order). */
inline DEVICE mixed kineticEnergy(mixed3 m0, mixed3 m1, mixed3 m2, mixed3 v) {
    const mixed3 p = rowTimes(m0, m1, m2, v);
    return ((mixed) 0.5)*(v.x*p.x+v.y*p.y+v.z*p.z);
}

/** -log u, u = (w0 + 1) 2^-32 from word 0 of the Philox call at a counter: the host's ReplicaLanes::exponentials. */
inline DEVICE mixed exponential(unsigned int particle, unsigned int counterLow, unsigned int counterHigh, unsigned int seed) {
    unsigned int r[4];
    philox4x32(particle, counterLow, counterHigh, 0, seed, r);
    mixed u = (((mixed) r[0])+(mixed) 1)*(mixed) 2.3283064365386963e-10;
    if (u > (mixed) 1)
        u = (mixed) 1;
    return -log(u);
}

// In a periodic System OpenMM may have wrapped posq into the box: the force reads the position as set, posq less
// the slot's box shift (UnwrappedPositions, the same numbers the unfused interaction subtracts).
#ifdef USE_CELL_SHIFTS
#define UNWRAPPED(p) make_real4((p).x-cellShift.x, (p).y-cellShift.y, (p).z-cellShift.z, (p).w)
#else
#define UNWRAPPED(p) (p)
#endif

KERNEL void fusedReplicaSteps(int numReplicas, int numSteps,
        GLOBAL real4* RESTRICT posq, GLOBAL real4* RESTRICT posqCorrection, GLOBAL mixed4* RESTRICT velm,
        GLOBAL mm_long* RESTRICT force, GLOBAL const int* RESTRICT slotOfAtom,
        GLOBAL const int* RESTRICT block3Atom, GLOBAL const int* RESTRICT block3Set,
        GLOBAL const int4* RESTRICT setInfo, GLOBAL const mixed* RESTRICT matrices, GLOBAL const mixed* RESTRICT scalars,
        unsigned int counterLow, unsigned int counterHigh, unsigned int seed, int splitting,
        GLOBAL int* RESTRICT acceptedCount EXTRA_ARGUMENTS) {
    const mixed h = scalars[0];
    const mixed kT = scalars[3];
    const mixed halfH = ((mixed) 0.5)*h;
    const mixed scale = 1/(mixed) 0x100000000;
#ifdef FUSED_STEP_BARRIER
    // Every thread of a group runs the same number of iterations and steps (an inactive one repeats the last replica
    // and stores nothing), so that the barrier in the step loop is reached by all.
    for (int base = 0; base < numReplicas; base += GLOBAL_SIZE) {
        const bool active = (base+GLOBAL_ID < numReplicas);
        const int unit = (active ? base+GLOBAL_ID : numReplicas-1);
#else
    for (int unit = GLOBAL_ID; unit < numReplicas; unit += GLOBAL_SIZE) {
#endif
        const unsigned int atom = (unsigned int) block3Atom[unit];
        const int slot = slotOfAtom[atom];
        const int4 info = setInfo[block3Set[unit]];
        GLOBAL const mixed* set = matrices+info.y;
        const mixed3 k0 = make_mixed3(set[0], set[1], set[2]), k1 = make_mixed3(set[3], set[4], set[5]), k2 = make_mixed3(set[6], set[7], set[8]);
        // The noise factor of the O step: per half step with OBABO; with BAOAB (and noise) the two half O steps are
        // one over h, with the whole step's decay and noise factor in place of e and n.
        mixed3 n0 = make_mixed3(0, 0, 0), n1 = n0, n2 = n0;
        const bool noisy = (info.z != 0);
        const int numNormals = info.w;
        if (noisy) {
            const int offset = (splitting != 0 ? 45 : 27);
            n0 = make_mixed3(set[offset], set[offset+1], set[offset+2]);
            n1 = make_mixed3(set[offset+3], set[offset+4], set[offset+5]);
            n2 = make_mixed3(set[offset+6], set[offset+7], set[offset+8]);
        }
        const int decayOffset = (noisy && splitting != 0 ? 36 : 9);
        const mixed3 e0 = make_mixed3(set[decayOffset], set[decayOffset+1], set[decayOffset+2]);
        const mixed3 e1 = make_mixed3(set[decayOffset+3], set[decayOffset+4], set[decayOffset+5]);
        const mixed3 e2 = make_mixed3(set[decayOffset+6], set[decayOffset+7], set[decayOffset+8]);
        // GHMC: the mass matrix for the kinetic energies of the test.
        const mixed3 m0 = make_mixed3(set[18], set[19], set[20]), m1 = make_mixed3(set[21], set[22], set[23]);
        const mixed3 m2 = make_mixed3(set[24], set[25], set[26]);
        const real4 stored = posq[slot];
#ifdef USE_CELL_SHIFTS
        const real4 cellShift = cellShifts[slot];
#endif
#ifdef USE_MIXED_PRECISION
        const real4 correction = posqCorrection[slot];
        mixed3 pos = make_mixed3(stored.x+(mixed) correction.x, stored.y+(mixed) correction.y, stored.z+(mixed) correction.z);
#else
        mixed3 pos = make_mixed3(stored.x, stored.y, stored.z);
#endif
        mixed3 v = loadVelocity(velm, slot);
        mm_long fx = force[slot], fy = force[slot+PADDED_NUM_ATOMS], fz = force[slot+2*PADDED_NUM_ATOMS];
        mixed3 f = make_mixed3(scale*fx, scale*fy, scale*fz);
        unsigned int cLow = counterLow, cHigh = counterHigh;
        // GHMC: the replica's energy at the launch's start, then at each accepted position; the state after O.
        mixed energy0 = 0, kinetic0 = 0, proposedEnergy = 0;
        mixed3 savedPos = pos, savedV = v;
        mm_long savedFx = fx, savedFy = fy, savedFz = fz;
        int accepted = 0;
        if (splitting == 2) {
            const real4 pos1 = UNWRAPPED(stored);
            real energy = 0;
            REPLICA_FORCE
            energy0 = energy;
        }
        for (int step = 0; step < numSteps; step++) {
            const unsigned int cLow2 = cLow+1;
            const unsigned int cHigh2 = cHigh+(cLow2 == 0 ? 1 : 0);
            if (splitting == 2) {
                // O over h (a quiet set has no friction: its decay is the identity), then B, A without friction.
                if (noisy)
                    v = rowTimes(e0, e1, e2, v)+rowTimes(n0, n1, n2, normals(atom, cLow, cHigh, seed, numNormals));
                else
                    v = rowTimes(e0, e1, e2, rowTimes(e0, e1, e2, v));
                savedPos = pos;
                savedV = v;
                savedFx = fx;
                savedFy = fy;
                savedFz = fz;
                kinetic0 = kineticEnergy(m0, m1, m2, v);
                v = v+rowTimes(k0, k1, k2, f);
                pos += v*h;
            }
            else if (splitting == 1) {
                v = v+rowTimes(k0, k1, k2, f);
                mixed3 first = v*halfH;
                if (noisy)
                    v = rowTimes(e0, e1, e2, v)+rowTimes(n0, n1, n2, normals(atom, cLow, cHigh, seed, numNormals));
                else {
                    v = rowTimes(e0, e1, e2, v);
                    v = rowTimes(e0, e1, e2, v);
                }
                pos += first;
                pos += v*halfH;
            }
            else {
                v = rowTimes(e0, e1, e2, v)+rowTimes(k0, k1, k2, f);
                if (noisy)
                    v += rowTimes(n0, n1, n2, normals(atom, cLow, cHigh, seed, numNormals));
                pos += v*h;
            }
            // The position as posq (and posqCorrection) hold it between the unfused launches.
            const real4 held = make_real4((real) pos.x, (real) pos.y, (real) pos.z, stored.w);
#ifdef USE_MIXED_PRECISION
            {
                real3 low = make_real3((real) (pos.x-(real) pos.x), (real) (pos.y-(real) pos.y), (real) (pos.z-(real) pos.z));
                pos = make_mixed3(held.x+(mixed) low.x, held.y+(mixed) low.y, held.z+(mixed) low.z);
            }
#endif
            {
                const real4 pos1 = UNWRAPPED(held);
                real energy = 0;
                REPLICA_FORCE
                fx = realToFixedPoint(force1.x);
                fy = realToFixedPoint(force1.y);
                fz = realToFixedPoint(force1.z);
                proposedEnergy = energy;
            }
            f = make_mixed3(scale*fx, scale*fy, scale*fz);
            if (splitting == 2) {
                v = v+rowTimes(k0, k1, k2, f);
                const mixed change = (proposedEnergy-energy0)+(kineticEnergy(m0, m1, m2, v)-kinetic0);
                // A proposal that is not finite (a NaN change) fails the comparison: it is rejected.
                if (change <= kT*exponential(atom, cLow2, cHigh2, seed)) {
                    energy0 = proposedEnergy;
                    accepted++;
                }
                else {
                    pos = savedPos;
                    v = -savedV;
                    fx = savedFx;
                    fy = savedFy;
                    fz = savedFz;
                    f = make_mixed3(scale*fx, scale*fy, scale*fz);
                }
            }
            else if (splitting == 1)
                v = v+rowTimes(k0, k1, k2, f);
            else {
                v = rowTimes(e0, e1, e2, v+rowTimes(k0, k1, k2, f));
                if (noisy)
                    v += rowTimes(n0, n1, n2, normals(atom, cLow2, cHigh2, seed, numNormals));
            }
            cLow = cLow2+1;
            cHigh = cHigh2+(cLow == 0 ? 1 : 0);
#ifdef FUSED_STEP_BARRIER
            // On CPU OpenCL (PoCL) a barrier splits the kernel into regions, each run as a loop over the work-items
            // of the group that the compiler can vectorize; without it the step loop stays scalar.
            SYNC_THREADS;
#endif
        }
#ifdef FUSED_STEP_BARRIER
        if (!active)
            continue;
#endif
#ifdef USE_MIXED_PRECISION
        posq[slot] = make_real4((real) pos.x, (real) pos.y, (real) pos.z, stored.w);
        posqCorrection[slot] = make_real4((real) (pos.x-(real) pos.x), (real) (pos.y-(real) pos.y), (real) (pos.z-(real) pos.z), 0);
#else
        posq[slot] = make_real4(pos.x, pos.y, pos.z, stored.w);
#endif
        storeVelocity(velm, slot, v);
        if (splitting == 2)
            acceptedCount[unit] += accepted;
        force[slot] = fx;
        force[slot+PADDED_NUM_ATOMS] = fy;
        force[slot+2*PADDED_NUM_ATOMS] = fz;
    }
}
