// TapeEvaluator's instruction loops and ReplicaLaneKernels for baseline x86-64 (SSE2) or any other processor.
#include "ReplicaLanes.h"
#include "TapeInstructions.h"

#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
#include <emmintrin.h>

// glibc's vector math library, SSE variants (x86-64 vector function ABI, ISA letter 'b', 2 lanes).
extern "C" {
__m128d _ZGVbN2v_sin(__m128d);
__m128d _ZGVbN2v_cos(__m128d);
__m128d _ZGVbN2v_exp(__m128d);
__m128d _ZGVbN2v_log(__m128d);
__m128d _ZGVbN2vv_pow(__m128d, __m128d);
}

namespace {

using EffPot::TapeInstructions::B;

struct Sse2Math {
    static void sin(const double* a, double* d) { for (int i = 0; i < B; i += 2) _mm_store_pd(d+i, _ZGVbN2v_sin(_mm_load_pd(a+i))); }
    static void cos(const double* a, double* d) { for (int i = 0; i < B; i += 2) _mm_store_pd(d+i, _ZGVbN2v_cos(_mm_load_pd(a+i))); }
    static void exp(const double* a, double* d) { for (int i = 0; i < B; i += 2) _mm_store_pd(d+i, _ZGVbN2v_exp(_mm_load_pd(a+i))); }
    static void log(const double* a, double* d) { for (int i = 0; i < B; i += 2) _mm_store_pd(d+i, _ZGVbN2v_log(_mm_load_pd(a+i))); }
    static void pow(const double* a, const double* b, double* d) {
        for (int i = 0; i < B; i += 2)
            _mm_store_pd(d+i, _ZGVbN2vv_pow(_mm_load_pd(a+i), _mm_load_pd(b+i)));
    }
};

} // namespace

namespace EffPot {
void runTapeBaseline(const ExpressionTape::Instruction* instructions, int count, double* registers) {
    TapeInstructions::run<Sse2Math>(instructions, count, registers);
}
const ReplicaLaneKernels& replicaLaneKernelsBaseline() {
    static const ReplicaLaneKernels kernels = {ReplicaLanes::gather, ReplicaLanes::scatter, ReplicaLanes::firstHalf, ReplicaLanes::secondHalf,
                                               ReplicaLanes::normals<Sse2Math>, ReplicaLanes::firstHalfNoisy, ReplicaLanes::secondHalfNoisy,
                                               ReplicaLanes::firstHalfMiddle, ReplicaLanes::firstHalfMiddleNoisy,
                                               ReplicaLanes::secondHalfMiddle, ReplicaLanes::friction, ReplicaLanes::exponentials<Sse2Math>,
                                               ReplicaLanes::kickDrift,
                                               {ReplicaLanes::firstHalfLanes, ReplicaLanes::secondHalfLanes, ReplicaLanes::firstHalfNoisyLanes,
                                                ReplicaLanes::secondHalfNoisyLanes, ReplicaLanes::firstHalfMiddleLanes,
                                                ReplicaLanes::firstHalfMiddleNoisyLanes, ReplicaLanes::secondHalfMiddleLanes,
                                                ReplicaLanes::frictionLanes}};
    return kernels;
}
}

#else

namespace EffPot {
void runTapeBaseline(const ExpressionTape::Instruction* instructions, int count, double* registers) {
    TapeInstructions::run<TapeInstructions::ScalarMath>(instructions, count, registers);
}
const ReplicaLaneKernels& replicaLaneKernelsBaseline() {
    static const ReplicaLaneKernels kernels = {ReplicaLanes::gather, ReplicaLanes::scatter, ReplicaLanes::firstHalf, ReplicaLanes::secondHalf,
                                               ReplicaLanes::normals<TapeInstructions::ScalarMath>, ReplicaLanes::firstHalfNoisy,
                                               ReplicaLanes::secondHalfNoisy, ReplicaLanes::firstHalfMiddle, ReplicaLanes::firstHalfMiddleNoisy,
                                               ReplicaLanes::secondHalfMiddle, ReplicaLanes::friction, ReplicaLanes::exponentials<TapeInstructions::ScalarMath>,
                                               ReplicaLanes::kickDrift,
                                               {ReplicaLanes::firstHalfLanes, ReplicaLanes::secondHalfLanes, ReplicaLanes::firstHalfNoisyLanes,
                                                ReplicaLanes::secondHalfNoisyLanes, ReplicaLanes::firstHalfMiddleLanes,
                                                ReplicaLanes::firstHalfMiddleNoisyLanes, ReplicaLanes::secondHalfMiddleLanes,
                                                ReplicaLanes::frictionLanes}};
    return kernels;
}
}

#endif
