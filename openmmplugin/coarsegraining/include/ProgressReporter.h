#ifndef EFFPOT_PROGRESS_REPORTER_H_
#define EFFPOT_PROGRESS_REPORTER_H_

#include "internal/windowsExportEffPot.h"
#include <string>

namespace EffPot {

/**
 * Receives progress of long runs (CoarseGrainer). Subclass it (in Python too: the wrapper draws a progress bar)
 * and pass it to CoarseGrainer::setProgressReporter().
 */
class OPENMM_EXPORT_EFFPOT ProgressReporter {
public:
    virtual ~ProgressReporter();
    /**
     * @param stage   what is running ("equilibration", "stage 1", "stage 2", "sampling", "fit")
     * @param done    steps (or units) done in this stage
     * @param total   steps (or units) the stage has
     */
    virtual void report(const std::string& stage, long long done, long long total) = 0;
};

} // namespace EffPot

#endif /*EFFPOT_PROGRESS_REPORTER_H_*/
