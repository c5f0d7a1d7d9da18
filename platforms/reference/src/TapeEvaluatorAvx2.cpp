// TapeEvaluator's instruction loops and ReplicaLaneKernels for AVX2 with FMA; compiled with -mavx2 -mfma and only called after a cpuid
// check (TapeEvaluator.cpp).
#include "ReplicaLanes.h"
#include "TapeInstructions.h"

#if defined(EFFPOT_HAVE_LIBMVEC) && defined(__x86_64__)
#include <immintrin.h>

// glibc's vector math library, AVX2 variants (x86-64 vector function ABI, ISA letter 'd', 4 lanes).
extern "C" {
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_cos(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4vv_pow(__m256d, __m256d);
}

namespace {

using EffPot::TapeInstructions::B;

struct Avx2Math {
    static void sin(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_sin(_mm256_load_pd(a+i))); }
    static void cos(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_cos(_mm256_load_pd(a+i))); }
    static void exp(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_exp(_mm256_load_pd(a+i))); }
    static void log(const double* a, double* d) { for (int i = 0; i < B; i += 4) _mm256_store_pd(d+i, _ZGVdN4v_log(_mm256_load_pd(a+i))); }
    static void pow(const double* a, const double* b, double* d) {
        for (int i = 0; i < B; i += 4)
            _mm256_store_pd(d+i, _ZGVdN4vv_pow(_mm256_load_pd(a+i), _mm256_load_pd(b+i)));
    }
};

} // namespace

namespace EffPot {
void runTapeAvx2(const ExpressionTape::Instruction* instructions, int count, double* registers) {
    TapeInstructions::run<Avx2Math>(instructions, count, registers);
}
const ReplicaLaneKernels& replicaLaneKernelsAvx2() {
    static const ReplicaLaneKernels kernels = {ReplicaLanes::gather, ReplicaLanes::scatter, ReplicaLanes::firstHalf, ReplicaLanes::secondHalf};
    return kernels;
}
}

#endif
