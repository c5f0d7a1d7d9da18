#ifndef EFFPOT_REPLICA_LANE_FORCE_H_
#define EFFPOT_REPLICA_LANE_FORCE_H_

#include "TapeEvaluator.h"
#include "internal/ExpressionTape.h"
#include <vector>

namespace EffPot {

/**
 * The force on one block of TapeEvaluator::BlockSize independent particles, evaluated on SIMD lanes (structure of
 * arrays): what FusedReplicaStepper computes between its two half kicks, whichever replica force the System has.
 * Fill positions(0..2), call compute(), read derivative(0..2) (the gradient of the energy, not the force). One per
 * thread: it owns its lanes.
 */
class ReplicaLaneForce {
public:
    static const int BlockSize = TapeEvaluator::BlockSize;
    virtual ~ReplicaLaneForce() {
    }
    /** The BlockSize lanes of coordinate c (0, 1, 2), 64-byte aligned. */
    virtual double* positions(int c) = 0;
    /** Set the global parameters (in the force's order); a force without them ignores this. */
    virtual void setGlobals(const std::vector<double>& values) {
    }
    /** Evaluate at the current positions. */
    virtual void compute() = 0;
    /** dE/dq_c at the positions of the last compute(). */
    virtual const double* derivative(int c) = 0;
    /** Each lane's energy at the positions of the last compute() (a tape compiled with its energy; GHMC's test). */
    virtual const double* energy() = 0;
};

/**
 * A ReplicaExpressionForce's lanes: its compiled expression tape (forces only, or with the energy for GHMC).
 */
class TapeLaneForce : public ReplicaLaneForce {
public:
    explicit TapeLaneForce(const ExpressionTape& tape) : tape(tape), evaluator(tape) {
    }
    double* positions(int c) {
        return evaluator.lanes(c);
    }
    void setGlobals(const std::vector<double>& values) {
        evaluator.setGlobals(values);
    }
    void compute() {
        evaluator.run();
    }
    const double* derivative(int c) {
        return evaluator.lanes(tape.getDerivativeRegister(c));
    }
    const double* energy() {
        return evaluator.lanes(tape.getEnergyRegister());
    }
private:
    const ExpressionTape& tape;
    TapeEvaluator evaluator;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_LANE_FORCE_H_*/
