#include "EffPotKernels.h"

using namespace EffPot;

IntegrateDampedVerletStepKernel::~IntegrateDampedVerletStepKernel() {
}

CalcReplicaExpressionForceKernel::~CalcReplicaExpressionForceKernel() {
}

CalcReplicaSplineForceKernel::~CalcReplicaSplineForceKernel() {
}
