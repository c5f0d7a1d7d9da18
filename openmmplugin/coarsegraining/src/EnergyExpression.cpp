#include "EnergyExpression.h"
#include "ReplicaSystem.h"
#include "lepton/ParsedExpression.h"
#include "lepton/Parser.h"
#include "openmm/OpenMMException.h"
#include <map>

using namespace EffPot;
using namespace std;

vector<double> EnergyExpression::evaluate(const string& energy, int dimensions, const vector<double>& points) {
    ReplicaSystem::validateEnergy(energy, dimensions, "EnergyExpression.evaluate");
    if (points.size()%dimensions != 0)
        throw OpenMM::OpenMMException("EnergyExpression.evaluate: give N x "+to_string(dimensions)+" coordinates");
    // ParsedExpression::evaluate walks the tree (no CompiledExpression: see ReplicaSystem.cpp).
    Lepton::ParsedExpression expression = Lepton::Parser::parse(energy).optimize();
    const char* names[3] = {"x", "y", "z"};
    map<string, double> variables;
    size_t count = points.size()/dimensions;
    vector<double> values(count);
    for (size_t i = 0; i < count; i++) {
        for (int c = 0; c < dimensions; c++)
            variables[names[c]] = points[i*dimensions+c];
        values[i] = expression.evaluate(variables);
    }
    return values;
}
