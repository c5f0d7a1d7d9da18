/* SWIG interface of effpot. The effpot Python package wraps these classes to accept numpy arrays and OpenMM units. */
%module(package="effpot") effpot_swig

%import(module="openmm") "swig/OpenMMSwigHeaders.i"
%include "swig/typemaps.i"
%include "std_vector.i"
%include "std_string.i"
%include "exception.i"

namespace std {
  %template(vectord) vector<double>;
  %template(vectori) vector<int>;
};

%{
#include "DampedVerletIntegrator.h"
#include "OpenMM.h"
#include "openmm/serialization/XmlSerializer.h"
#include <sstream>
#include "OpenMMAmoeba.h"
#include "OpenMMDrude.h"
#include "openmm/RPMDIntegrator.h"
#include "openmm/RPMDMonteCarloBarostat.h"
%}

/* C++ exceptions -> openmm.OpenMMException, the class OpenMM's own module raises, so that users catch one type. */
%{
static void effpotRaise(const char* message) {
    PyObject* openmmModule = PyImport_ImportModule("openmm");
    PyObject* type = (openmmModule ? PyObject_GetAttrString(openmmModule, "OpenMMException") : NULL);
    PyErr_Clear();
    PyErr_SetString(type ? type : PyExc_Exception, message);
    Py_XDECREF(type);
    Py_XDECREF(openmmModule);
}
%}
%exception {
    try {
        $action
    } catch (std::exception& e) {
        effpotRaise(e.what());
        SWIG_fail;
    }
}

namespace EffPot {

class DampedVerletIntegrator : public OpenMM::Integrator {
public:
    explicit DampedVerletIntegrator(double stepSize);
    void setStepSize(double size);
    int addBlock(const std::vector<int>& particles, const std::vector<double>& massMatrix, const std::vector<double>& frictionMatrix);
    int getNumBlocks() const;
    const std::vector<int>& getBlockParticles(int index) const;
    const std::vector<double>& getBlockMassMatrix(int index) const;
    const std::vector<double>& getBlockFrictionMatrix(int index) const;
    void setBlockParameters(int index, const std::vector<double>& massMatrix, const std::vector<double>& frictionMatrix);
    double getDefaultFriction() const;
    void setDefaultFriction(double gamma);
    double getTemperature() const;
    void setTemperature(double temperature);
    void setNoiseCovariance(int block, const std::vector<double>& covariance);
    const std::vector<double>& getNoiseCovariance(int block) const;
    int getRandomNumberSeed() const;
    void setRandomNumberSeed(int seed);
    void step(int steps);
    long long getParameterVersion() const;
};

}

/* XmlSerializer.deserialize in OpenMM's module returns a plain Integrator proxy, which cannot be downcast to a
   class it does not know; this returns the integrator with its own type. */
%newobject _deserializeDampedVerletIntegrator;
%inline %{
EffPot::DampedVerletIntegrator* _deserializeDampedVerletIntegrator(const std::string& xml) {
    std::stringstream stream(xml);
    OpenMM::Integrator* integrator = OpenMM::XmlSerializer::deserialize<OpenMM::Integrator>(stream);
    EffPot::DampedVerletIntegrator* result = dynamic_cast<EffPot::DampedVerletIntegrator*>(integrator);
    if (result == NULL) {
        delete integrator;
        throw OpenMM::OpenMMException("DampedVerletIntegrator.deserialize: the XML holds another kind of Integrator");
    }
    return result;
}
%}
