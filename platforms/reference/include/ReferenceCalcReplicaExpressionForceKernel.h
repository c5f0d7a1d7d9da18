#ifndef EFFPOT_REFERENCE_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_
#define EFFPOT_REFERENCE_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_

#include "EffPotKernels.h"
#include "ReplicaBlockIO.h"
#include "TapeEvaluator.h"
#include "internal/ExpressionTape.h"
#include "openmm/reference/ReferencePlatform.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace EffPot {

/**
 * ReplicaExpressionForce on the Reference platform: the particles in blocks of TapeEvaluator::BlockSize, each
 * block gathered into structure-of-arrays registers, run through the tape, and its forces scattered back. The CPU
 * platform's kernel derives from it and only distributes the blocks over threads.
 *
 * The energy is summed per block, then over blocks in order, so it does not depend on how blocks are distributed.
 */
class OPENMM_EXPORT_EFFPOT ReferenceCalcReplicaExpressionForceKernel : public CalcReplicaExpressionForceKernel {
public:
    ReferenceCalcReplicaExpressionForceKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ReferencePlatform::PlatformData& data);
    void initialize(const OpenMM::System& system, const ReplicaExpressionForce& force);
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy);
protected:
    /**
     * Apply a function to every block range [first, end) of 0..numBlocks, possibly in parallel; `slot` is a
     * distinct index < getNumSlots() per concurrently running call. Serial here.
     */
    virtual void forEachRange(int numBlocks, const std::function<void (int first, int end, int slot)>& function);
    virtual int getNumSlots() const {
        return 1;
    }
private:
    void evaluateBlock(int block, const ExpressionTape& tape, TapeEvaluator& evaluator, bool includeForces,
                       std::vector<OpenMM::Vec3>& positions, std::vector<OpenMM::Vec3>& forces);
    OpenMM::ReferencePlatform::PlatformData& data;
    ReplicaBlocks blocks;
    std::vector<std::string> globalNames;
    std::vector<double> globalValues;
    std::unique_ptr<ExpressionTape> tapes[3]; // indexed by ExpressionTape::Outputs-1
    std::vector<std::unique_ptr<TapeEvaluator> > evaluators; // [slot*3 + outputs-1], created on first use
};

} // namespace EffPot

#endif /*EFFPOT_REFERENCE_CALC_REPLICA_EXPRESSION_FORCE_KERNEL_H_*/
