#include "HistogramDistances.h"
#include "openmm/OpenMMException.h"
#include <cmath>
#include <limits>

using namespace EffPot;
using OpenMM::OpenMMException;
using namespace std;

namespace {

double checkedTotal(const vector<double>& counts, const vector<double>& other, double pseudocount, const char* method) {
    if (counts.size() != other.size() || counts.empty())
        throw OpenMMException(string("HistogramDistances.")+method+": the two histograms must have the same, nonzero number of bins");
    double total = 0;
    for (double c : counts) {
        if (!(c >= 0))
            throw OpenMMException(string("HistogramDistances.")+method+": counts must be non-negative");
        total += c+pseudocount;
    }
    if (!(total > 0))
        throw OpenMMException(string("HistogramDistances.")+method+": a histogram is empty");
    return total;
}

} // namespace

double HistogramDistances::totalVariation(const vector<double>& counts, const vector<double>& otherCounts) {
    double total = checkedTotal(counts, otherCounts, 0, "totalVariation");
    double otherTotal = checkedTotal(otherCounts, counts, 0, "totalVariation");
    double sum = 0;
    for (size_t b = 0; b < counts.size(); b++)
        sum += fabs(counts[b]/total-otherCounts[b]/otherTotal);
    return 0.5*sum;
}

double HistogramDistances::klDivergence(const vector<double>& counts, const vector<double>& otherCounts, double pseudocount) {
    if (!(pseudocount >= 0))
        throw OpenMMException("HistogramDistances.klDivergence: the pseudocount must be non-negative");
    double total = checkedTotal(counts, otherCounts, pseudocount, "klDivergence");
    double otherTotal = checkedTotal(otherCounts, counts, pseudocount, "klDivergence");
    double sum = 0;
    for (size_t b = 0; b < counts.size(); b++) {
        double p = (counts[b]+pseudocount)/total, q = (otherCounts[b]+pseudocount)/otherTotal;
        if (p == 0)
            continue;
        if (q == 0)
            return numeric_limits<double>::infinity();
        sum += p*log(p/q);
    }
    return sum;
}
