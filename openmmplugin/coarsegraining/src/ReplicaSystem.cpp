#include "ReplicaSystem.h"
#include "ReplicaExpressionForce.h"
#include "internal/CheckedExpression.h"
#include "lepton/ExpressionTreeNode.h"
#include "lepton/Operation.h"
#include "lepton/ParsedExpression.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include <memory>
#include <set>

using namespace EffPot;
using namespace OpenMM;
using namespace std;

namespace {

// Collect the variables of a parsed expression. (Lepton::CompiledExpression would do it, but its layout depends on
// how OpenMM was built, e.g. with its JIT, so it is not safe to construct from a plugin.)
void collectVariables(const Lepton::ExpressionTreeNode& node, set<string>& variables) {
    if (node.getOperation().getId() == Lepton::Operation::VARIABLE)
        variables.insert(node.getOperation().getName());
    for (const Lepton::ExpressionTreeNode& child : node.getChildren())
        collectVariables(child, variables);
}

} // namespace

void ReplicaSystem::validateEnergy(const string& energy, int dimensions, const string& caller) {
    if (dimensions < 1 || dimensions > 3)
        throw OpenMMException(caller+": dimensions is "+to_string(dimensions)+"; it must be 1, 2 or 3 (x, y, z)");
    set<string> variables;
    // Checked before OpenMM's CustomExternalForce sees it too: Lepton hangs on a NaN constant (CheckedExpression.h).
    collectVariables(CheckedExpression::parse(energy, caller).getRootNode(), variables);
    const string allowed[3] = {"x", "y", "z"};
    for (const string& name : variables) {
        int index = -1;
        for (int i = 0; i < 3; i++)
            if (name == allowed[i])
                index = i;
        if (index < 0)
            throw OpenMMException(caller+": the energy uses the unknown variable '"+name+"': only x, y and z (the "
                                  "coordinates of each replica) are allowed");
        if (index >= dimensions)
            throw OpenMMException(caller+": the energy uses '"+name+"' but dimensions is "+to_string(dimensions)+
                                  ": raise dimensions or remove the variable");
    }
}

System* ReplicaSystem::create(const string& energy, int dimensions, int numReplicas) {
    return create(energy, dimensions, numReplicas, ReplicaExpression);
}

System* ReplicaSystem::create(const string& energy, int dimensions, int numReplicas, ForceKind kind) {
    validateEnergy(energy, dimensions);
    if (numReplicas < 1)
        throw OpenMMException("ReplicaSystem.create: the number of replicas must be at least 1");
    unique_ptr<System> system(new System());
    for (int i = 0; i < numReplicas; i++)
        system->addParticle(1.0);
    if (kind == CustomExternal) {
        CustomExternalForce* force = new CustomExternalForce(energy);
        system->addForce(force);
        for (int i = 0; i < numReplicas; i++)
            force->addParticle(i, {});
    }
    else {
        ReplicaExpressionForce* force = new ReplicaExpressionForce(energy);
        system->addForce(force);
        for (int i = 0; i < numReplicas; i++)
            force->addParticle(i);
    }
    return system.release();
}
