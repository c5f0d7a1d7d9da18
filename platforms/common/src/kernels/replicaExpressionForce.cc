// One ReplicaExpressionForce particle as a one-atom interaction of OpenMM's BondedUtilities (pos1 is its position).
// The placeholder below is replaced by code generated from the energy expression: it adds the energy and defines
// dEdX, dEdY and dEdZ.
COMPUTE_FORCE
real3 force1 = make_real3(-dEdX, -dEdY, -dEdZ);
