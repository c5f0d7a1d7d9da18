#ifndef EFFPOT_UNSTABLE_RUN_EXCEPTION_H_
#define EFFPOT_UNSTABLE_RUN_EXCEPTION_H_

#include "openmm/OpenMMException.h"
#include "internal/windowsExportEffPot.h"
#include <string>

namespace EffPot {

/**
 * A replica run whose positions or momenta became NaN or infinite: the step size is too large for the coarse
 * scale. A distinct type, so that callers that treat an explosion as a result (the scale scan marks the step
 * "exploded", a comparison reports the model unstable) tell it from every other error without reading messages.
 * In Python it is effpot.UnstableRun: an openmm.OpenMMException, as every other effpot error, and a ValueError.
 */
class OPENMM_EXPORT_EFFPOT UnstableRunException : public OpenMM::OpenMMException {
public:
    /**
     * @param message   what happened and what to do
     * @param stepSize  the step size of the run (ps)
     * @param time      the simulated time (ps) at which the state was found not finite
     */
    UnstableRunException(const std::string& message, double stepSize, double time) :
            OpenMM::OpenMMException(message), stepSize(stepSize), time(time) {
    }
    double getStepSize() const {
        return stepSize;
    }
    double getTime() const {
        return time;
    }
private:
    double stepSize, time;
};

} // namespace EffPot

#endif /*EFFPOT_UNSTABLE_RUN_EXCEPTION_H_*/
