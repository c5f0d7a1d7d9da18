/**
 * DampedVerletIntegrator on GPUs: the O-B-A-B-O step of docs/theory.md section 2 in velocity form, or the B-A-O-A-B one
 * (argument splitting: 0 OBABO, 1 BAOAB, as DampedVerletIntegrator::Splitting), in OpenMM's portable kernel dialect
 * (compiled for OpenCL and CUDA through ComputeContext). The arithmetic, operation by operation, is that of
 * platforms/host/include/DampedVerletStepper.h, so that in double precision a trajectory follows the Reference
 * one to round-off.
 *
 * Work units, one thread each: units [0, numBlocks3) are one-particle blocks (3x3 matrices, the replica case, an
 * unrolled path); [numBlocks3, numBlocks3+numBlocksN) are blocks of any size (matrices and a scratch area in
 * global memory); the rest are free particles (scalar kick, decay and noise).
 *
 * Particles are named by their original index (as in the System and the integrator's blocks). OpenMM may reorder
 * atoms on the device; slotOfAtom[original index] is the atom's current slot, kept up to date by a reorder
 * listener (buildSlotOfAtom). The noise is keyed by original index, so it does not depend on the order either.
 *
 * Matrices of one parameter set lie at setOffset: halfKick (n*n), decay (n*n), mass (n*n), then when the set has
 * noise: noise (n*n), fullDecay (n*n) and fullNoise (n*n), the friction step over a whole step h and its noise factor
 * (BAOAB's two half O steps as one, with one set of normals at the counter c); all row-major, in the mixed type (the
 * precision of velocities). setInfo = (n, offset, hasNoise, numNormals).
 */

// ---- Philox4x32-10 + Box-Muller: the stream of platforms/host/include/PhiloxNormal.h (one Philox call per particle
// and counter, 32-bit uniforms) ----

inline DEVICE void philox4x32(unsigned int c0, unsigned int c1, unsigned int c2, unsigned int c3, unsigned int key0,
        unsigned int* out) {
    unsigned int k0 = key0, k1 = 0x5eed5eedu;
    for (int round = 0; round < 10; round++) {
        mm_ulong p0 = ((mm_ulong) 0xD2511F53u)*c0;
        mm_ulong p1 = ((mm_ulong) 0xCD9E8D57u)*c2;
        unsigned int n0 = ((unsigned int) (p1>>32))^c1^k0;
        unsigned int n1 = (unsigned int) p1;
        unsigned int n2 = ((unsigned int) (p0>>32))^c3^k1;
        unsigned int n3 = (unsigned int) p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

inline DEVICE mixed2 boxMuller(unsigned int w0, unsigned int w1) {
    // 32-bit uniforms as on the host, u1 = (w0 + 1) 2^-32 in (0, 1] so that log(u1) is finite, u2 = w1 2^-32 (exact
    // in double; in single precision w0 + 1 rounds to at most 2^32, so u1 <= 1). Plain sqrt/log/cos/sin: in mixed
    // precision they must act on doubles (OpenMM's SQRT etc. follow the precision of positions).
    const mixed scale = (mixed) 2.3283064365386963e-10; // 2^-32
    mixed u1 = (((mixed) w0)+(mixed) 1)*scale;
    mixed u2 = ((mixed) w1)*scale;
    if (u1 > (mixed) 1)
        u1 = (mixed) 1;
    mixed radius = sqrt(-2*log(u1));
    mixed angle = (mixed) 6.283185307179586*u2;
    return make_mixed2(radius*cos(angle), radius*sin(angle));
}

/**
 * The first `count` (1 to 3, a parameter set's numNormals; the others 0) of the three standard normal deviates for
 * one particle (original index) at one noise counter: one Philox call, z0 and z1 from its words 0 and 1, z2 from
 * words 2 and 3.
 */
inline DEVICE mixed3 normals(unsigned int particle, unsigned int counterLow, unsigned int counterHigh, unsigned int seed, int count) {
    unsigned int r[4];
    philox4x32(particle, counterLow, counterHigh, 0, seed, r);
    mixed2 a = boxMuller(r[0], r[1]);
    mixed z2 = 0;
    if (count > 2) {
        mixed2 b = boxMuller(r[2], r[3]);
        z2 = b.x;
    }
    return make_mixed3(a.x, count > 1 ? a.y : (mixed) 0, z2);
}

/** The three standard normal deviates of a particle at a noise counter (PhiloxNormal::normals3). */
inline DEVICE mixed3 normals3(unsigned int particle, unsigned int counterLow, unsigned int counterHigh, unsigned int seed) {
    return normals(particle, counterLow, counterHigh, seed, 3);
}

// ---- small helpers ----

inline DEVICE mixed3 times3(GLOBAL const mixed* RESTRICT a, mixed3 x) {
    return make_mixed3(a[0]*x.x+a[1]*x.y+a[2]*x.z, a[3]*x.x+a[4]*x.y+a[5]*x.z, a[6]*x.x+a[7]*x.y+a[8]*x.z);
}

inline DEVICE mixed3 loadForce(GLOBAL const mm_long* RESTRICT force, int slot) {
    const mixed scale = 1/(mixed) 0x100000000;
    return make_mixed3(scale*force[slot], scale*force[slot+PADDED_NUM_ATOMS], scale*force[slot+2*PADDED_NUM_ATOMS]);
}

inline DEVICE void storeVelocity(GLOBAL mixed4* RESTRICT velm, int slot, mixed3 v) {
    mixed4 old = velm[slot];
    velm[slot] = make_mixed4(v.x, v.y, v.z, old.w);
}

inline DEVICE mixed3 loadVelocity(GLOBAL const mixed4* RESTRICT velm, int slot) {
    mixed4 v = velm[slot];
    return make_mixed3(v.x, v.y, v.z);
}

/** x += h v, with the position kept in double where the context is mixed (posq + posqCorrection). */
inline DEVICE void drift(GLOBAL real4* RESTRICT posq, GLOBAL real4* RESTRICT posqCorrection, int slot, mixed3 delta) {
#ifdef USE_MIXED_PRECISION
    real4 p1 = posq[slot];
    real4 p2 = posqCorrection[slot];
    mixed3 pos = make_mixed3(p1.x+(mixed) p2.x, p1.y+(mixed) p2.y, p1.z+(mixed) p2.z);
    pos += delta;
    posq[slot] = make_real4((real) pos.x, (real) pos.y, (real) pos.z, p1.w);
    posqCorrection[slot] = make_real4((real) (pos.x-(real) pos.x), (real) (pos.y-(real) pos.y), (real) (pos.z-(real) pos.z), 0);
#else
    real4 p = posq[slot];
    p.x += delta.x;
    p.y += delta.y;
    p.z += delta.z;
    posq[slot] = p;
#endif
}

/** x += first, then x += second (the two half drifts of BAOAB), with one load and store of the position. */
inline DEVICE void drift2(GLOBAL real4* RESTRICT posq, GLOBAL real4* RESTRICT posqCorrection, int slot, mixed3 first, mixed3 second) {
#ifdef USE_MIXED_PRECISION
    real4 p1 = posq[slot];
    real4 p2 = posqCorrection[slot];
    mixed3 pos = make_mixed3(p1.x+(mixed) p2.x, p1.y+(mixed) p2.y, p1.z+(mixed) p2.z);
    pos += first;
    pos += second;
    posq[slot] = make_real4((real) pos.x, (real) pos.y, (real) pos.z, p1.w);
    posqCorrection[slot] = make_real4((real) (pos.x-(real) pos.x), (real) (pos.y-(real) pos.y), (real) (pos.z-(real) pos.z), 0);
#else
    real4 p = posq[slot];
    p.x += first.x;
    p.y += first.y;
    p.z += first.z;
    p.x += second.x;
    p.y += second.y;
    p.z += second.z;
    posq[slot] = p;
#endif
}

// ---- blocks of any size (one thread per block) ----

/** velm <- E velm (+ B z) over the block's degrees of freedom; work holds 2n values. */
inline DEVICE void blockFriction(int n, int first, GLOBAL const int* RESTRICT blockParticles,
        GLOBAL const int* RESTRICT slotOfAtom, GLOBAL mixed4* RESTRICT velm, GLOBAL const mixed* RESTRICT decay,
        int hasNoise, GLOBAL const mixed* RESTRICT noise, GLOBAL mixed* RESTRICT work, unsigned int counterLow, unsigned int counterHigh,
        unsigned int seed) {
    int k = n/3;
    for (int j = 0; j < k; j++) {
        int atom = blockParticles[first+j];
        mixed3 v = loadVelocity(velm, slotOfAtom[atom]);
        work[3*j] = v.x;
        work[3*j+1] = v.y;
        work[3*j+2] = v.z;
        if (hasNoise) {
            mixed3 z = normals3((unsigned int) atom, counterLow, counterHigh, seed);
            work[n+3*j] = z.x;
            work[n+3*j+1] = z.y;
            work[n+3*j+2] = z.z;
        }
    }
    for (int j = 0; j < k; j++) {
        mixed row[3];
        for (int c = 0; c < 3; c++) {
            int r = 3*j+c;
            mixed sum = 0;
            for (int m = 0; m < n; m++)
                sum += decay[r*n+m]*work[m];
            if (hasNoise)
                for (int m = 0; m < n; m++)
                    sum += noise[r*n+m]*work[n+m];
            row[c] = sum;
        }
        storeVelocity(velm, slotOfAtom[blockParticles[first+j]], make_mixed3(row[0], row[1], row[2]));
    }
}

/** velm += K f over the block's degrees of freedom; work holds n values. */
inline DEVICE void blockKick(int n, int first, GLOBAL const int* RESTRICT blockParticles, GLOBAL const int* RESTRICT slotOfAtom,
        GLOBAL mixed4* RESTRICT velm, GLOBAL const mm_long* RESTRICT force, GLOBAL const mixed* RESTRICT kick, GLOBAL mixed* RESTRICT work) {
    int k = n/3;
    for (int j = 0; j < k; j++) {
        mixed3 f = loadForce(force, slotOfAtom[blockParticles[first+j]]);
        work[3*j] = f.x;
        work[3*j+1] = f.y;
        work[3*j+2] = f.z;
    }
    for (int j = 0; j < k; j++) {
        int slot = slotOfAtom[blockParticles[first+j]];
        mixed row[3];
        for (int c = 0; c < 3; c++) {
            int r = 3*j+c;
            mixed sum = 0;
            for (int m = 0; m < n; m++)
                sum += kick[r*n+m]*work[m];
            row[c] = sum;
        }
        storeVelocity(velm, slot, loadVelocity(velm, slot)+make_mixed3(row[0], row[1], row[2]));
    }
}

// ---- the step ----

/**
 * O, B, A: friction (and noise) half step, half kick with the current forces, drift. With the BAOAB splitting
 * B, A/2, O, O, A/2: half kick, half drift, two friction half steps (with noise: one exact O step over h, noise
 * counter c), half drift.
 */
KERNEL void dampedVerletFirstHalf(int numBlocks3, int numBlocksN, int numFree,
        GLOBAL real4* RESTRICT posq, GLOBAL real4* RESTRICT posqCorrection, GLOBAL mixed4* RESTRICT velm,
        GLOBAL const mm_long* RESTRICT force, GLOBAL const int* RESTRICT slotOfAtom,
        GLOBAL const int* RESTRICT block3Atom, GLOBAL const int* RESTRICT block3Set,
        GLOBAL const int* RESTRICT blockNStart, GLOBAL const int* RESTRICT blockNSet, GLOBAL const int* RESTRICT blockNParticles,
        GLOBAL const int4* RESTRICT setInfo, GLOBAL const mixed* RESTRICT matrices, GLOBAL mixed* RESTRICT scratch,
        GLOBAL const int* RESTRICT freeAtom, GLOBAL const mixed4* RESTRICT freeParams, GLOBAL const mixed* RESTRICT scalars,
        unsigned int counterLow, unsigned int counterHigh, unsigned int seed, int splitting) {
    const mixed h = scalars[0];
    const mixed freeDecay = scalars[1];
    const int numUnits = numBlocks3+numBlocksN+numFree;
    if (splitting == 1) {
        // BAOAB: with noise the two half friction steps are one exact O step over h (fullDecay, fullNoise) with the
        // normals of the counter c (c+1 unused); without noise the two half steps, as on the host.
        const mixed halfH = ((mixed) 0.5)*h;
        const mixed freeFullDecay = scalars[2];
        for (int unit = GLOBAL_ID; unit < numUnits; unit += GLOBAL_SIZE) {
            if (unit < numBlocks3) {
                int atom = block3Atom[unit];
                int slot = slotOfAtom[atom];
                int4 info = setInfo[block3Set[unit]];
                GLOBAL const mixed* set = matrices+info.y;
                mixed3 v = loadVelocity(velm, slot)+times3(set, loadForce(force, slot));
                mixed3 first = v*halfH;
                if (info.z)
                    v = times3(set+36, v)+times3(set+45, normals((unsigned int) atom, counterLow, counterHigh, seed, info.w));
                else {
                    v = times3(set+9, v);
                    v = times3(set+9, v);
                }
                storeVelocity(velm, slot, v);
                drift2(posq, posqCorrection, slot, first, v*halfH);
            }
            else if (unit < numBlocks3+numBlocksN) {
                int b = unit-numBlocks3;
                int first = blockNStart[b];
                int4 info = setInfo[blockNSet[b]];
                int n = info.x, nn = info.x*info.x;
                GLOBAL const mixed* set = matrices+info.y;
                GLOBAL mixed* work = scratch+6*first;
                blockKick(n, first, blockNParticles, slotOfAtom, velm, force, set, work);
                for (int j = 0; j < n/3; j++) {
                    int slot = slotOfAtom[blockNParticles[first+j]];
                    drift(posq, posqCorrection, slot, loadVelocity(velm, slot)*halfH);
                }
                if (info.z)
                    blockFriction(n, first, blockNParticles, slotOfAtom, velm, set+4*nn, 1, set+5*nn, work, counterLow, counterHigh, seed);
                else {
                    blockFriction(n, first, blockNParticles, slotOfAtom, velm, set+nn, 0, set, work, counterLow, counterHigh, seed);
                    blockFriction(n, first, blockNParticles, slotOfAtom, velm, set+nn, 0, set, work, counterLow, counterHigh, seed);
                }
                for (int j = 0; j < n/3; j++) {
                    int slot = slotOfAtom[blockNParticles[first+j]];
                    drift(posq, posqCorrection, slot, loadVelocity(velm, slot)*halfH);
                }
            }
            else {
                int i = unit-numBlocks3-numBlocksN;
                int atom = freeAtom[i];
                int slot = slotOfAtom[atom];
                mixed4 params = freeParams[i]; // (1/m, noise standard deviation per half step, per whole step)
                mixed3 v = loadVelocity(velm, slot)+loadForce(force, slot)*(((mixed) 0.5)*h*params.x);
                mixed3 first = v*halfH;
                if (params.y != 0)
                    v = v*freeFullDecay+normals3((unsigned int) atom, counterLow, counterHigh, seed)*params.z;
                else {
                    v = v*freeDecay;
                    v = v*freeDecay;
                }
                storeVelocity(velm, slot, v);
                drift2(posq, posqCorrection, slot, first, v*halfH);
            }
        }
        return;
    }
    for (int unit = GLOBAL_ID; unit < numUnits; unit += GLOBAL_SIZE) {
        if (unit < numBlocks3) {
            int atom = block3Atom[unit];
            int slot = slotOfAtom[atom];
            int4 info = setInfo[block3Set[unit]];
            GLOBAL const mixed* set = matrices+info.y;
            mixed3 v = times3(set+9, loadVelocity(velm, slot))+times3(set, loadForce(force, slot));
            if (info.z)
                v += times3(set+27, normals((unsigned int) atom, counterLow, counterHigh, seed, info.w));
            storeVelocity(velm, slot, v);
            drift(posq, posqCorrection, slot, v*h);
        }
        else if (unit < numBlocks3+numBlocksN) {
            int b = unit-numBlocks3;
            int first = blockNStart[b];
            int4 info = setInfo[blockNSet[b]];
            int n = info.x, nn = info.x*info.x;
            GLOBAL const mixed* set = matrices+info.y;
            GLOBAL mixed* work = scratch+6*first;
            blockFriction(n, first, blockNParticles, slotOfAtom, velm, set+nn, info.z, set+3*nn, work, counterLow, counterHigh, seed);
            blockKick(n, first, blockNParticles, slotOfAtom, velm, force, set, work);
            for (int j = 0; j < n/3; j++) {
                int slot = slotOfAtom[blockNParticles[first+j]];
                drift(posq, posqCorrection, slot, loadVelocity(velm, slot)*h);
            }
        }
        else {
            int i = unit-numBlocks3-numBlocksN;
            int atom = freeAtom[i];
            int slot = slotOfAtom[atom];
            mixed4 params = freeParams[i]; // (1/m, noise standard deviation per half step, per whole step)
            mixed3 v = loadVelocity(velm, slot)*freeDecay;
            if (params.y != 0)
                v += normals3((unsigned int) atom, counterLow, counterHigh, seed)*params.y;
            v += loadForce(force, slot)*(((mixed) 0.5)*h*params.x);
            storeVelocity(velm, slot, v);
            drift(posq, posqCorrection, slot, v*h);
        }
    }
}

/**
 * B, O: half kick with the forces at the new positions, friction (and noise) half step; with the BAOAB splitting
 * the half kick alone (nothing random after the force evaluation).
 */
KERNEL void dampedVerletSecondHalf(int numBlocks3, int numBlocksN, int numFree,
        GLOBAL mixed4* RESTRICT velm, GLOBAL const mm_long* RESTRICT force, GLOBAL const int* RESTRICT slotOfAtom,
        GLOBAL const int* RESTRICT block3Atom, GLOBAL const int* RESTRICT block3Set,
        GLOBAL const int* RESTRICT blockNStart, GLOBAL const int* RESTRICT blockNSet, GLOBAL const int* RESTRICT blockNParticles,
        GLOBAL const int4* RESTRICT setInfo, GLOBAL const mixed* RESTRICT matrices, GLOBAL mixed* RESTRICT scratch,
        GLOBAL const int* RESTRICT freeAtom, GLOBAL const mixed4* RESTRICT freeParams, GLOBAL const mixed* RESTRICT scalars,
        unsigned int counterLow, unsigned int counterHigh, unsigned int seed, int splitting) {
    const mixed h = scalars[0];
    const mixed freeDecay = scalars[1];
    const int numUnits = numBlocks3+numBlocksN+numFree;
    if (splitting == 1) {
        for (int unit = GLOBAL_ID; unit < numUnits; unit += GLOBAL_SIZE) {
            if (unit < numBlocks3) {
                int slot = slotOfAtom[block3Atom[unit]];
                GLOBAL const mixed* set = matrices+setInfo[block3Set[unit]].y;
                storeVelocity(velm, slot, loadVelocity(velm, slot)+times3(set, loadForce(force, slot)));
            }
            else if (unit < numBlocks3+numBlocksN) {
                int b = unit-numBlocks3;
                int first = blockNStart[b];
                int4 info = setInfo[blockNSet[b]];
                blockKick(info.x, first, blockNParticles, slotOfAtom, velm, force, matrices+info.y, scratch+6*first);
            }
            else {
                int i = unit-numBlocks3-numBlocksN;
                int slot = slotOfAtom[freeAtom[i]];
                storeVelocity(velm, slot, loadVelocity(velm, slot)+loadForce(force, slot)*(((mixed) 0.5)*h*freeParams[i].x));
            }
        }
        return;
    }
    for (int unit = GLOBAL_ID; unit < numUnits; unit += GLOBAL_SIZE) {
        if (unit < numBlocks3) {
            int atom = block3Atom[unit];
            int slot = slotOfAtom[atom];
            int4 info = setInfo[block3Set[unit]];
            GLOBAL const mixed* set = matrices+info.y;
            mixed3 v = times3(set+9, loadVelocity(velm, slot)+times3(set, loadForce(force, slot)));
            if (info.z)
                v += times3(set+27, normals((unsigned int) atom, counterLow, counterHigh, seed, info.w));
            storeVelocity(velm, slot, v);
        }
        else if (unit < numBlocks3+numBlocksN) {
            int b = unit-numBlocks3;
            int first = blockNStart[b];
            int4 info = setInfo[blockNSet[b]];
            int n = info.x, nn = info.x*info.x;
            GLOBAL const mixed* set = matrices+info.y;
            GLOBAL mixed* work = scratch+6*first;
            blockKick(n, first, blockNParticles, slotOfAtom, velm, force, set, work);
            blockFriction(n, first, blockNParticles, slotOfAtom, velm, set+nn, info.z, set+3*nn, work, counterLow, counterHigh, seed);
        }
        else {
            int i = unit-numBlocks3-numBlocksN;
            int atom = freeAtom[i];
            int slot = slotOfAtom[atom];
            mixed4 params = freeParams[i];
            mixed3 v = (loadVelocity(velm, slot)+loadForce(force, slot)*(((mixed) 0.5)*h*params.x))*freeDecay;
            if (params.y != 0)
                v += normals3((unsigned int) atom, counterLow, counterHigh, seed)*params.y;
            storeVelocity(velm, slot, v);
        }
    }
}

// ---- kinetic energy (1/2) v^T M v, reduced on the device ----

KERNEL void dampedVerletKineticEnergy(int numBlocks3, int numBlocksN, int numFree,
        GLOBAL const mixed4* RESTRICT velm, GLOBAL const int* RESTRICT slotOfAtom,
        GLOBAL const int* RESTRICT block3Atom, GLOBAL const int* RESTRICT block3Set,
        GLOBAL const int* RESTRICT blockNStart, GLOBAL const int* RESTRICT blockNSet, GLOBAL const int* RESTRICT blockNParticles,
        GLOBAL const int4* RESTRICT setInfo, GLOBAL const mixed* RESTRICT matrices,
        GLOBAL const int* RESTRICT freeAtom, GLOBAL const mixed4* RESTRICT freeParams, GLOBAL mixed* RESTRICT partialSums) {
    LOCAL mixed sums[KE_GROUP_SIZE];
    const int numUnits = numBlocks3+numBlocksN+numFree;
    mixed energy = 0;
    for (int unit = GLOBAL_ID; unit < numUnits; unit += GLOBAL_SIZE) {
        if (unit < numBlocks3) {
            int slot = slotOfAtom[block3Atom[unit]];
            int4 info = setInfo[block3Set[unit]];
            mixed3 v = loadVelocity(velm, slot);
            mixed3 mv = times3(matrices+info.y+18, v);
            energy += v.x*mv.x+v.y*mv.y+v.z*mv.z;
        }
        else if (unit < numBlocks3+numBlocksN) {
            int b = unit-numBlocks3;
            int first = blockNStart[b];
            int4 info = setInfo[blockNSet[b]];
            int n = info.x;
            GLOBAL const mixed* mass = matrices+info.y+2*n*n;
            for (int j = 0; j < n/3; j++) {
                mixed3 vj = loadVelocity(velm, slotOfAtom[blockNParticles[first+j]]);
                for (int m = 0; m < n/3; m++) {
                    mixed3 vm = loadVelocity(velm, slotOfAtom[blockNParticles[first+m]]);
                    GLOBAL const mixed* r0 = mass+(3*j)*n+3*m;
                    GLOBAL const mixed* r1 = r0+n;
                    GLOBAL const mixed* r2 = r1+n;
                    energy += vj.x*(r0[0]*vm.x+r0[1]*vm.y+r0[2]*vm.z)
                            + vj.y*(r1[0]*vm.x+r1[1]*vm.y+r1[2]*vm.z)
                            + vj.z*(r2[0]*vm.x+r2[1]*vm.y+r2[2]*vm.z);
                }
            }
        }
        else {
            int i = unit-numBlocks3-numBlocksN;
            mixed3 v = loadVelocity(velm, slotOfAtom[freeAtom[i]]);
            energy += (v.x*v.x+v.y*v.y+v.z*v.z)/freeParams[i].x;
        }
    }
    sums[LOCAL_ID] = energy;
    SYNC_THREADS;
    for (int stride = KE_GROUP_SIZE/2; stride > 0; stride /= 2) {
        if (LOCAL_ID < stride)
            sums[LOCAL_ID] += sums[LOCAL_ID+stride];
        SYNC_THREADS;
    }
    if (LOCAL_ID == 0)
        partialSums[GROUP_ID] = sums[0];
}

KERNEL void dampedVerletSumKineticEnergy(int numPartialSums, GLOBAL mixed* RESTRICT partialSums) {
    LOCAL mixed sums[KE_GROUP_SIZE];
    mixed energy = 0;
    for (int i = LOCAL_ID; i < numPartialSums; i += LOCAL_SIZE)
        energy += partialSums[i];
    sums[LOCAL_ID] = energy;
    SYNC_THREADS;
    for (int stride = KE_GROUP_SIZE/2; stride > 0; stride /= 2) {
        if (LOCAL_ID < stride)
            sums[LOCAL_ID] += sums[LOCAL_ID+stride];
        SYNC_THREADS;
    }
    if (LOCAL_ID == 0)
        partialSums[0] = ((mixed) 0.5)*sums[0];
}

// ---- reordering: slotOfAtom[original index] = current slot ----

KERNEL void dampedVerletBuildSlotOfAtom(int numAtoms, GLOBAL const int* RESTRICT atomIndex, GLOBAL int* RESTRICT slotOfAtom) {
    for (int slot = GLOBAL_ID; slot < numAtoms; slot += GLOBAL_SIZE)
        slotOfAtom[atomIndex[slot]] = slot;
}
