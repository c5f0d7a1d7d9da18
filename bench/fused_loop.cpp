// The machine's limit for the deterministic scheme on independent replicas: a plain C++ loop with the force fused
// into the O-B-A-B-O update, structure-of-arrays state, each thread stepping its own slice of replicas (they are
// independent, so no synchronization per step). bench_replica_force.py compares effpot with it. Built twice by
// bench/CMakeLists.txt: fused_loop (-O3 -ffast-math -mavx2 -mfma: the compiler vectorizes sin, cos and exp through
// glibc's libmvec) and fused_loop_scalar (-O2: one libm call at a time). Not installed.
//
//     fused_loop quadratic|p5 <replicas> <seconds> <threads>      prints replica-steps/s
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

// The 2D potential of the issue: (2x^2 + 1.2xy + y^2)/2 + 1e-3 (2 sin((x-y)/1e-3) + 1.5 sin(x/1e-3)).
inline void quadraticForce(double x, double y, double& fx, double& fy) {
    const double e = 1e-3;
    double c1 = std::cos((x-y)/e), c2 = std::cos(x/e);
    fx = -(2*x+0.6*y+2*c1+1.5*c2);
    fy = -(0.6*x+y-2*c1);
}

// P5 (effpot.problems.p5()): 0.05 (Mueller-Brown + 40 |q - qc|^2) + 5e-5 (sin(x/e) + 2 sin(y/e) + sin((x+y)/e)).
inline void p5Force(double x, double y, double& fx, double& fy) {
    const double A[4] = {-200, -100, -170, 15}, a[4] = {-1, -1, -6.5, 0.7}, b[4] = {0, 0, 11, 0.6}, c[4] = {-10, -10, -6.5, 0.7};
    const double xi[4] = {1, 0, -0.5, -1}, yi[4] = {0, 0.5, 1.5, 1};
    const double s = 0.05, k = 40, xc = -0.05, yc = 0.4667, e = 1e-5, amplitude = 5.0;
    double gx = 2*k*(x-xc), gy = 2*k*(y-yc);
    for (int i = 0; i < 4; i++) {
        double dx = x-xi[i], dy = y-yi[i];
        double term = A[i]*std::exp(a[i]*dx*dx+b[i]*dx*dy+c[i]*dy*dy);
        gx += term*(2*a[i]*dx+b[i]*dy);
        gy += term*(b[i]*dx+2*c[i]*dy);
    }
    double cxy = std::cos((x+y)/e);
    fx = -(s*gx+amplitude*(std::cos(x/e)+cxy));
    fy = -(s*gy+amplitude*(2*std::cos(y/e)+cxy));
}

struct Slice {
    std::vector<double> x, y, vx, vy, fx, fy;
};

template <void (*Force)(double, double, double&, double&)>
void run(Slice& s, int steps, double h, double decay) {
    const int n = s.x.size();
    double* x = s.x.data();
    double* y = s.y.data();
    double* vx = s.vx.data();
    double* vy = s.vy.data();
    double* fx = s.fx.data();
    double* fy = s.fy.data();
    for (int step = 0; step < steps; step++) {
#pragma omp simd
        for (int i = 0; i < n; i++) {
            double u = decay*vx[i]+0.5*h*fx[i], w = decay*vy[i]+0.5*h*fy[i];
            double px = x[i]+h*u, py = y[i]+h*w;
            double gx, gy;
            Force(px, py, gx, gy);
            x[i] = px;
            y[i] = py;
            vx[i] = decay*(u+0.5*h*gx);
            vy[i] = decay*(w+0.5*h*gy);
            fx[i] = gx;
            fy[i] = gy;
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s quadratic|p5 <replicas> <seconds> <threads>\n", argv[0]);
        return 2;
    }
    bool p5 = (std::strcmp(argv[1], "p5") == 0);
    int replicas = std::atoi(argv[2]), threads = std::atoi(argv[4]);
    double seconds = std::atof(argv[3]);
    double h = (p5 ? 0.02 : 0.1), gamma = (p5 ? 1.0 : 0.5), decay = std::exp(-0.5*gamma*h);
    std::vector<Slice> slices(threads);
    for (int t = 0; t < threads; t++) {
        int n = (long long) replicas*(t+1)/threads-(long long) replicas*t/threads;
        Slice& s = slices[t];
        s.x.resize(n); s.y.resize(n); s.vx.assign(n, 0.0); s.vy.assign(n, 0.0); s.fx.resize(n); s.fy.resize(n);
        for (int i = 0; i < n; i++) {
            double r = (i*0.618034+t*0.1)-std::floor(i*0.618034+t*0.1);
            s.x[i] = p5 ? -0.55+0.6*r : r-0.5;
            s.y[i] = p5 ? 1.0+0.4*r : 0.5-r;
            (p5 ? p5Force : quadraticForce)(s.x[i], s.y[i], s.fx[i], s.fy[i]);
        }
    }
    // Steps per timing chunk: about 1e7 replica-steps.
    int chunk = std::max(1, (int) (1e7/replicas));
    long long done = 0;
    auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; t++)
            pool.emplace_back([&, t]() {
                if (p5)
                    run<p5Force>(slices[t], chunk, h, decay);
                else
                    run<quadraticForce>(slices[t], chunk, h, decay);
            });
        for (std::thread& thread : pool)
            thread.join();
        done += (long long) chunk*replicas;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now()-start).count();
    }
    double check = 0;
    for (const Slice& s : slices)
        for (double v : s.x)
            check += v;
    std::printf("%.6g replica-steps/s (checksum %.6g)\n", done/elapsed, check);
    return 0;
}
