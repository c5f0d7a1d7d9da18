#ifndef EFFPOT_COARSE_GRAINING_PLAN_H_
#define EFFPOT_COARSE_GRAINING_PLAN_H_

#include "EffectivePotential.h"
#include "RegularGrid.h"
#include "ReplicaStatistics.h"
#include "internal/windowsExportEffPot.h"
#include <memory>
#include <string>
#include <vector>

namespace OpenMM {
class Platform;
}

namespace EffPot {

class CoarseGrainer;
struct Stage1Estimate;

/**
 * The coarse-graining pipeline as stages of independent pieces, in order: Stage 1 (2D/3D: the designs' runs, in
 * rounds until D-hat is precise in every direction: CoarseGrainingSettings::stage1Tolerance), the
 * sampling range (when no histogram box was given: the range the sampling run's replicas visit at the end of
 * equilibration), the sampling run (the 1D run or Stage 2, histogrammed on the grid), the fit. In 2D/3D the
 * sampling range and run repeat (up to stage2Refinements times) while the drift temperature is off kT*, each pass
 * refining D from the noise its calibrated dynamics realised (getSamplingPass). It is the one walk of
 * the pipeline: CoarseGrainer::run runs every piece here, on threads; effpot's executor path
 * (effpot.coarse_graining.pipeline) sends each piece to an executor as a task and hands the results back here.
 *
 * A piece is a share of a stage: replica batches [firstBatch, endBatch) of the designs [firstGroup, endGroup).
 * Every batch's sums come from the same trajectories whatever the split, so the merged results, D and U do not
 * depend on how a run is split. Results are merged in piece order.
 *
 * A friction left automatic is picked first, by the pilot run (CoarseGrainer::usePilotFriction), and made automatic
 * again by finish() (also called by the destructor), so that a rerun pilots again; the pilot's diagnostics stay for
 * the fit's record.
 */
class OPENMM_EXPORT_EFFPOT CoarseGrainingPlan {
public:
    enum Stage {
        Stage1 = 0,         // runStatisticsPiece, then completeStatistics; repeated once per round
        SamplingRange = 1,  // runRangePiece, then completeRanges
        Sampling = 2,       // runStatisticsPiece, then completeStatistics
        Fit = 3             // fit()
    };
    /**
     * @param grainer          the settings and the pieces' runner; it must outlive the plan (in Python the plan keeps it)
     * @param platform         the platform of the pilot run, if one is needed
     * @param batchesPerPiece  replica batches per piece; 0: each stage is one piece over every batch (run()'s way;
     *                         the sampling run then finds its own range in the same pass, the SamplingRange stage is
     *                         skipped). A user's System holds every replica: its Stage 1 is split by design instead,
     *                         and its sampling run is one piece.
     * @param caller           names the call in error messages
     */
    CoarseGrainingPlan(CoarseGrainer& grainer, OpenMM::Platform& platform, int batchesPerPiece,
                       const std::string& caller = "CoarseGrainer.run");
    ~CoarseGrainingPlan();
    Stage getStage() const {
        return stage;
    }
    /** The pieces of the current stage (none at Fit). */
    int getNumPieces() const {
        return pieces.size();
    }
    /** Piece `index` of the current stage: {firstBatch, endBatch, firstGroup, endGroup}. */
    std::vector<int> getPiece(int index) const;
    /**
     * The current Stage-1 round (0 first). Each round runs the d(d+1)/2 designs of its frame; completing a round
     * whose D-hat is not yet precise (whitened error above stage1Tolerance, or not positive definite) starts the
     * next one, until maxStage1Rounds.
     */
    int getStage1Round() const {
        return round;
    }
    /** The frame W of the current round's designs A = W B W (d x d; empty in the first round: the identity). */
    const std::vector<double>& getStage1Frame() const {
        return frame;
    }
    /**
     * The D of the current sampling pass's friction (d x d; empty in 1D or before Stage 1 completed): Stage 1's, then,
     * after each refinement pass, the noise that pass realised (RunDesigns::realisedNoise).
     */
    const std::vector<double>& getNoise() const {
        return noise;
    }
    /** D as Stage 1 estimated it (d x d; empty in 1D or before Stage 1 completed). */
    const std::vector<double>& getStage1Noise() const {
        return stage1Noise;
    }
    /**
     * The current sampling pass (0 first). 2D/3D runs Stage 2 up to stage2Refinements + 1 times: a pass whose drift
     * temperature is off kT* by more than twice its standard error along some eigendirection of the friction, while
     * refinements remain, only refines D from the noise its dynamics realised (and, unless the box is given, the
     * range is found again); the first pass that is not, or the last, is fitted.
     */
    int getSamplingPass() const {
        return samplingPass;
    }
    /** The sampling run's histogram grid, once it is known (from the SamplingRange stage or the given box). */
    const RegularGrid& getGrid() const;
    /** Run piece `index` of the Stage1 or Sampling stage in this process. */
    ReplicaStatistics runStatisticsPiece(OpenMM::Platform& platform, int index);
    /** Run piece `index` of the SamplingRange stage in this process: d lower then d upper bounds. */
    std::vector<double> runRangePiece(OpenMM::Platform& platform, int index);
    /** Run every piece of the current stage here, in piece order, and complete it (what CoarseGrainer::run does). */
    void runStage(OpenMM::Platform& platform);
    /**
     * Complete the Stage1 round or the Sampling stage with the results of all its pieces, in piece order. A Stage-1
     * round either starts the next round or, when D-hat is precise or the rounds are spent, ends Stage 1 (throwing
     * when D-hat is still not positive definite; the plan then stays as it was).
     */
    void completeStatistics(const std::vector<ReplicaStatistics>& results);
    /** Complete the SamplingRange stage with the ranges of all its pieces, in piece order. */
    void completeRanges(const std::vector<std::vector<double> >& ranges);
    /**
     * End Stage 1 with the estimate of the rounds before the current one, because the current round cannot run:
     * its lighter designs exploded (UnstableRunException) at this step. runStage does this itself; a caller that
     * runs the pieces elsewhere calls it when a piece of a later round threw UnstableRun. Throws in the first round
     * (there is no earlier estimate) or when that estimate is not positive definite. Recorded in the potential's
     * notes (stage1Rounds) and diagnostics (stage1.abandonedRound).
     */
    void abandonStage1Round(const std::string& why);
    /** The merged statistics of the completed stages (Stage 1: every round's designs, in round order; empty before). */
    const ReplicaStatistics& getStage1Statistics() const {
        return stage1;
    }
    const ReplicaStatistics& getSamplingStatistics() const {
        return sampling;
    }
    /** The fit of the Fit stage, with Stage 1 solved once (CoarseGrainer::fit). */
    EffectivePotential fit(const std::string& platformName);
    /** Make an automatic friction automatic again (idempotent). */
    void finish();
private:
    void enter(Stage next);
    // End Stage 1 with `solved` (and its statistics `all`): Stage 2 follows.
    void endStage1(const std::shared_ptr<Stage1Estimate>& solved, const ReplicaStatistics& all);
    void requireStage(Stage expected, const std::string& method) const;
    // Whether the sampling pass just completed is a refinement pass (recording its drift temperatures if so).
    bool needsRefinement(const ReplicaStatistics& pass);
    // run() with the grainer's progress labelled with the current sampling pass.
    template <class Run>
    auto labelledWithPass(Run run) -> decltype(run());
    CoarseGrainer& grainer;
    int batchesPerPiece;
    std::string caller;
    bool automaticFriction, finished, fusedRange;
    Stage stage;
    int round;                  // the current Stage-1 round
    int samplingPass;           // the current sampling pass (refinement passes first)
    std::vector<double> frame;  // its designs' frame (empty: the first round's designs)
    std::vector<std::vector<int> > pieces;
    std::vector<double> noise, stage1Noise;
    std::vector<std::pair<std::string, double> > refinementDiagnostics; // each refinement pass's drift kT and D
    std::shared_ptr<Stage1Estimate> estimate;
    std::vector<double> range;
    RegularGrid grid;
    bool haveGrid;
    ReplicaStatistics stage1, sampling;
};

} // namespace EffPot

#endif /*EFFPOT_COARSE_GRAINING_PLAN_H_*/
