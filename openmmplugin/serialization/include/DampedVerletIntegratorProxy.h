#ifndef EFFPOT_DAMPED_VERLET_INTEGRATOR_PROXY_H_
#define EFFPOT_DAMPED_VERLET_INTEGRATOR_PROXY_H_

#include "internal/windowsExportEffPot.h"
#include "openmm/serialization/SerializationProxy.h"

namespace EffPot {

/**
 * XmlSerializer support for DampedVerletIntegrator: every parameter, every block and its noise covariance.
 */
class OPENMM_EXPORT_EFFPOT DampedVerletIntegratorProxy : public OpenMM::SerializationProxy {
public:
    DampedVerletIntegratorProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace EffPot

#endif /*EFFPOT_DAMPED_VERLET_INTEGRATOR_PROXY_H_*/
