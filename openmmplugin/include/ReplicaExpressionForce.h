#ifndef EFFPOT_REPLICA_EXPRESSION_FORCE_H_
#define EFFPOT_REPLICA_EXPRESSION_FORCE_H_

#include "openmm/Force.h"
#include "internal/windowsExportEffPot.h"
#include <string>
#include <utility>
#include <vector>

namespace EffPot {

/**
 * A force on independent particles (replicas) whose energy is an expression of each particle's own coordinates:
 * E = sum over the particles added of energy(x_i, y_i, z_i). It computes what a CustomExternalForce with the same
 * expression and no per-particle parameters computes, but fast: the Reference and CPU platforms evaluate the
 * energy and its analytic derivatives on SIMD lanes of 64 particles at a time (glibc's vector math library for
 * sin, cos, exp, log and pow, chosen at run time for AVX2 or baseline x86-64), and the CPU platform splits the
 * particles over its threads; OpenCL and CUDA compile the expression into a GPU kernel.
 *
 * The expression uses OpenMM's syntax (the functions of CustomExternalForce, e.g. sin, exp, step, select, min,
 * abs) in the variables x, y, z (nm) and the global parameters added with addGlobalParameter; the energy is in
 * kJ/mol. Not supported (use CustomExternalForce): per-particle parameters, periodicdistance(), tabulated
 * functions, derivatives with respect to global parameters. A particle may be added more than once (its energy
 * counts once per entry).
 *
 * Changes made after a Context was created reach it only through a new Context (reinitialize()), except global
 * parameter values, which Context::setParameter() changes at once.
 */
class OPENMM_EXPORT_EFFPOT ReplicaExpressionForce : public OpenMM::Force {
public:
    /**
     * Create a ReplicaExpressionForce.
     *
     * @param energy   the energy of one particle, in kJ/mol: an expression of x, y, z (nm) and global parameters
     * @throws OpenMMException if the expression does not parse
     */
    explicit ReplicaExpressionForce(const std::string& energy);
    /**
     * Get the energy expression of one particle.
     */
    const std::string& getEnergyFunction() const {
        return energy;
    }
    /**
     * Set the energy expression of one particle (kJ/mol, in x, y, z in nm and global parameters).
     *
     * @throws OpenMMException if the expression does not parse
     */
    void setEnergyFunction(const std::string& energy);
    /**
     * Get the number of particles the force acts on.
     */
    int getNumParticles() const {
        return particles.size();
    }
    /**
     * Add a particle the force acts on.
     *
     * @param particle   the index of the particle in the System
     * @return the index of the entry that was added
     */
    int addParticle(int particle);
    /**
     * Get the System index of the particle of an entry.
     *
     * @param index   the entry, 0 <= index < getNumParticles()
     */
    int getParticle(int index) const;
    /**
     * Set the System index of the particle of an entry.
     *
     * @param index      the entry, 0 <= index < getNumParticles()
     * @param particle   the index of the particle in the System
     */
    void setParticle(int index, int particle);
    /**
     * Get the number of global parameters the energy may use.
     */
    int getNumGlobalParameters() const {
        return globals.size();
    }
    /**
     * Add a global parameter: a variable of the energy expression whose value is a Context parameter.
     *
     * @param name          the name of the parameter (must not be x, y or z)
     * @param defaultValue  its value in a new Context
     * @return the index of the parameter that was added
     */
    int addGlobalParameter(const std::string& name, double defaultValue);
    /**
     * Get the name of a global parameter.
     */
    const std::string& getGlobalParameterName(int index) const;
    /**
     * Set the name of a global parameter.
     */
    void setGlobalParameterName(int index, const std::string& name);
    /**
     * Get the default value of a global parameter.
     */
    double getGlobalParameterDefaultValue(int index) const;
    /**
     * Set the default value of a global parameter.
     */
    void setGlobalParameterDefaultValue(int index, double defaultValue);
    /**
     * Returns false: the force depends on the absolute coordinates and ignores the periodic box.
     */
    bool usesPeriodicBoundaryConditions() const {
        return false;
    }
protected:
    OpenMM::ForceImpl* createImpl() const;
private:
    void checkIndex(int index, int size, const char* method, const char* what) const;
    std::string energy;
    std::vector<int> particles;
    std::vector<std::pair<std::string, double> > globals;
};

} // namespace EffPot

#endif /*EFFPOT_REPLICA_EXPRESSION_FORCE_H_*/
