#include "CoarseGrainer.h"
#include "CoarseGrainerProxy.h"
#include "CoarseGrainingSettings.h"
#include "CoarseGrainingSettingsProxy.h"
#include "DampedVerletIntegrator.h"
#include "DampedVerletIntegratorProxy.h"
#include "EffectivePotential.h"
#include "EffectivePotentialProxy.h"
#include "ReplicaExpressionForce.h"
#include "ReplicaExpressionForceProxy.h"
#include "ReplicaSplineForce.h"
#include "ReplicaSplineForceProxy.h"
#include "ReplicaStatistics.h"
#include "ReplicaStatisticsProxy.h"
#include "openmm/serialization/SerializationProxy.h"

// Proxies register when libEffPot is loaded, as OpenMM's own plugins do.
extern "C" void __attribute__((constructor)) registerEffPotSerializationProxies();

extern "C" OPENMM_EXPORT_EFFPOT void registerEffPotSerializationProxies() {
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::DampedVerletIntegrator), new EffPot::DampedVerletIntegratorProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::EffectivePotential), new EffPot::EffectivePotentialProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::ReplicaExpressionForce), new EffPot::ReplicaExpressionForceProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::ReplicaSplineForce), new EffPot::ReplicaSplineForceProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::ReplicaStatistics), new EffPot::ReplicaStatisticsProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::CoarseGrainer), new EffPot::CoarseGrainerProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(EffPot::CoarseGrainingSettings), new EffPot::CoarseGrainingSettingsProxy());
}
