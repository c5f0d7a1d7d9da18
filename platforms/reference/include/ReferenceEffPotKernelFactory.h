#ifndef EFFPOT_REFERENCE_KERNEL_FACTORY_H_
#define EFFPOT_REFERENCE_KERNEL_FACTORY_H_

#include "openmm/KernelFactory.h"

namespace EffPot {

/**
 * Creates the Reference platform's kernels of effpot.
 */
class ReferenceEffPotKernelFactory : public OpenMM::KernelFactory {
public:
    OpenMM::KernelImpl* createKernelImpl(std::string name, const OpenMM::Platform& platform, OpenMM::ContextImpl& context) const;
};

} // namespace EffPot

#endif /*EFFPOT_REFERENCE_KERNEL_FACTORY_H_*/
