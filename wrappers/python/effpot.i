/* SWIG interface of effpot. The effpot Python package wraps these classes to accept numpy arrays and OpenMM units. */
%module(package="effpot", directors="1", threads="1") effpot_swig
/* Every call holds the GIL (%nothread) except the long ones named here, which Python threads run side by side. */
%nothread;
%thread EffPot::EnsembleRecorder::record;
%thread EffPot::DampedVerletIntegrator::step;

%import(module="openmm") "swig/OpenMMSwigHeaders.i"
%include "swig/typemaps.i"
%include "std_vector.i"
%include "std_string.i"
%include "exception.i"
%include "std_map.i"

namespace std {
  %template(vectord) vector<double>;
  %template(vectori) vector<int>;
  %template(vectorll) vector<long long>;
  %template(mapstringdouble) map<string, double>;
  %template(mapstringstring) map<string, string>;
};

%{
#include "DampedVerletIntegrator.h"
#include "ReplicaExpressionForce.h"
#include "ReplicaSplineForce.h"
#include "CoarseGrainer.h"
#include "CoarseGrainingPlan.h"
#include "CoarseGrainingSettings.h"
#include "Calibration.h"
#include "UnstableRunException.h"
#include "EffectivePotential.h"
#include "NoiseCovarianceDesigns.h"
#include "NormalityTests.h"
#include "PotentialFitter.h"
#include "ProgressReporter.h"
#include "PSplineFit.h"
#include "RegularGrid.h"
#include "ReplicaStatistics.h"
#include "HistogramDistances.h"
#include "ScaleScan.h"
#include "TrajectoryStatistics.h"
#include "EnsembleRecorder.h"
#include "EnergyExpression.h"
#include "XmlLoading.h"
#include "OpenMM.h"
#include "openmm/serialization/XmlSerializer.h"
#include <memory>
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
/* An exploded run -> effpot.UnstableRun (an openmm.OpenMMException and a ValueError) carrying the step and time. */
static void effpotRaiseUnstable(const EffPot::UnstableRunException& e) {
    PyObject* module = PyImport_ImportModule("effpot.effpot_swig");
    PyObject* type = (module ? PyObject_GetAttrString(module, "UnstableRun") : NULL);
    PyObject* error = (type ? PyObject_CallFunction(type, "ddss", e.getTime(), e.getStepSize(), "", e.what()) : NULL);
    Py_XDECREF(type);
    Py_XDECREF(module);
    if (error == NULL) {
        PyErr_Clear(); /* the import or the call failed: fall back to a plain OpenMMException */
        effpotRaise(e.what());
        return;
    }
    PyErr_SetObject((PyObject*) Py_TYPE(error), error);
    Py_DECREF(error);
}
%}
%feature("director:except") {
    if ($error != NULL)
        throw Swig::DirectorMethodException();
}
%exception {
    try {
        $action
    } catch (Swig::DirectorException&) {
        SWIG_fail; /* the Python exception raised in a callback (e.g. KeyboardInterrupt) propagates as it is */
    } catch (EffPot::UnstableRunException& e) {
        effpotRaiseUnstable(e);
        SWIG_fail;
    } catch (std::exception& e) {
        effpotRaise(e.what());
        SWIG_fail;
    }
}

%pythoncode %{
import openmm as _openmm


class UnstableRun(_openmm.OpenMMException, ValueError):
    """A run whose replicas went non-finite: its step is too large for its potential (h^2 lambda_max > 4).

    Raised by the coarse-graining runs (C++ EffPot::UnstableRunException) and by the ensembles of the surrogate
    comparisons. An openmm.OpenMMException, as every other effpot error, and a ValueError (the step is a bad value
    for this potential), so that effpot.distributed does not retry the task: a deterministic run would explode
    again. Picklable, so that it crosses from worker processes intact.

    Attributes
    ----------
    time : float
        Simulated time (ps) after which the state was first seen non-finite.
    step_size : float
        The model's step (ps).
    label : str
        The model, where one was named.
    """

    def __init__(self, time, step_size, label="", message=None):
        self.time, self.step_size, self.label = float(time), float(step_size), label
        self.message = message
        if message is None:
            message = (f"{label + ': ' if label else ''}the replicas' energy became non-finite within {self.time:g} ps at "
                       f"the step {self.step_size:g} ps: the step is too large for this potential; reduce it")
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (self.time, self.step_size, self.label, self.message))
%}

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
    enum Splitting { OBABO = 0, BAOAB = 1, GHMC = 2 };
    int getSplitting() const;
    void setSplitting(int splitting);
    double getMetropolisAcceptance();
    int getRandomNumberSeed() const;
    void setRandomNumberSeed(int seed);
    void step(int steps);
    long long getParameterVersion() const;
};

}

/* ReplicaExpressionForce: a Force of OpenMM's module (System.addForce takes it over). */
namespace EffPot {

class ReplicaExpressionForce : public OpenMM::Force {
public:
    explicit ReplicaExpressionForce(const std::string& energy);
    const std::string& getEnergyFunction() const;
    void setEnergyFunction(const std::string& energy);
    int getNumParticles() const;
    int addParticle(int particle);
    int getParticle(int index) const;
    void setParticle(int index, int particle);
    int getNumGlobalParameters() const;
    int addGlobalParameter(const std::string& name, double defaultValue);
    const std::string& getGlobalParameterName(int index) const;
    void setGlobalParameterName(int index, const std::string& name);
    double getGlobalParameterDefaultValue(int index) const;
    void setGlobalParameterDefaultValue(int index, double defaultValue);
    bool usesPeriodicBoundaryConditions() const;
};

}

%extend EffPot::ReplicaExpressionForce {
    /** Add many particles at once (one call instead of one per replica); returns the index of the first entry. */
    int addParticles(const std::vector<int>& particles) {
        int first = $self->getNumParticles();
        for (int p : particles)
            $self->addParticle(p);
        return first;
    }
}


/* Loaders: the root element is checked first (XmlSerializer would build whatever the file names and cast it), and
   errors name the loader, the file and the problem. `source` is the file's name, or "" for a text. */
%{
template <class T>
T* effpotLoad(const std::string& xml, const std::string& rootName, const std::string& type, const std::string& caller,
              const std::string& source) {
    std::string where = source.empty() ? std::string("the XML text") : source;
    EffPot::checkSerializedType(xml, rootName, type, caller, where);
    std::stringstream stream(xml);
    try {
        return OpenMM::XmlSerializer::deserialize<T>(stream);
    }
    catch (std::exception& e) {
        std::string message = e.what();
        if (message.compare(0, type.size()+1, type+".") == 0)  /* our proxies' own checks name the problem */
            throw OpenMM::OpenMMException(caller+": "+where+": "+message);
        throw OpenMM::OpenMMException(caller+": "+where+" is damaged, not a readable "+type+" ("+message+"): write it again");
    }
}
%}
%newobject _deserializeReplicaExpressionForce;
%inline %{
EffPot::ReplicaExpressionForce* _deserializeReplicaExpressionForce(const std::string& xml, const std::string& source = "") {
    return effpotLoad<EffPot::ReplicaExpressionForce>(xml, "Force", "ReplicaExpressionForce", "ReplicaExpressionForce.deserialize", source);
}
%}

/* ReplicaSplineForce: a tabulated potential for independent replicas (System.addForce takes it over). */
namespace EffPot {

class ReplicaSplineForce : public OpenMM::Force {
public:
    ReplicaSplineForce(const std::vector<int>& nodes, const std::vector<double>& lower, const std::vector<double>& upper,
                       const std::vector<double>& values, const std::vector<double>& wallStiffness);
    int getDimensions() const;
    const std::vector<int>& getNodes() const;
    const std::vector<double>& getLower() const;
    const std::vector<double>& getUpper() const;
    const std::vector<double>& getValues() const;
    const std::vector<double>& getWallStiffness() const;
    void setTable(const std::vector<int>& nodes, const std::vector<double>& lower, const std::vector<double>& upper,
                  const std::vector<double>& values, const std::vector<double>& wallStiffness);
    int getNumParticles() const;
    int addParticle(int particle);
    int getParticle(int index) const;
    void setParticle(int index, int particle);
    bool usesPeriodicBoundaryConditions() const;
};

}

%extend EffPot::ReplicaSplineForce {
    /** Add many particles at once; returns the index of the first entry. */
    int addParticles(const std::vector<int>& particles) {
        int first = $self->getNumParticles();
        for (int p : particles)
            $self->addParticle(p);
        return first;
    }
}

%newobject _deserializeReplicaSplineForce;
%inline %{
EffPot::ReplicaSplineForce* _deserializeReplicaSplineForce(const std::string& xml, const std::string& source = "") {
    // Through the checked loader like the other forces: XmlSerializer would build whatever the root names (a System,
    // a State) and the cast of it was a segmentation fault.
    return effpotLoad<EffPot::ReplicaSplineForce>(xml, "Force", "ReplicaSplineForce", "ReplicaSplineForce.deserialize", source);
}
%}

/* XmlSerializer.deserialize in OpenMM's module returns a plain Integrator proxy, which cannot be downcast to a
   class it does not know; this returns the integrator with its own type. */
%newobject _deserializeDampedVerletIntegrator;
%inline %{
EffPot::DampedVerletIntegrator* _deserializeDampedVerletIntegrator(const std::string& xml, const std::string& source = "") {
    return effpotLoad<EffPot::DampedVerletIntegrator>(xml, "Integrator", "DampedVerletIntegrator", "DampedVerletIntegrator.deserialize", source);
}
%}

/* isinstance and cast, the convention of OpenMM's plugins (openmm-torch's TorchForce): OpenMM's System.getForce,
   Context.getIntegrator and XmlSerializer.deserialize return a plain Force or Integrator proxy for a class their
   module was not built with, and a proxy cannot be downcast in Python. These test and downcast the C++ object; the
   result is a view of the same object, owned by whoever owned the argument (the System, the Context). */
%{
template <class Derived, class Base>
Derived& effpotCast(Base& object, const char* caller, const char* type) {
    Derived* result = dynamic_cast<Derived*>(&object);
    if (result == NULL)
        throw OpenMM::OpenMMException(std::string(caller)+": the argument is not a "+type+" (test it first with "+
                                      type+".isinstance)");
    return *result;
}
%}
%inline %{
bool _isReplicaExpressionForce(OpenMM::Force& force) {
    return dynamic_cast<EffPot::ReplicaExpressionForce*>(&force) != NULL;
}
EffPot::ReplicaExpressionForce& _castReplicaExpressionForce(OpenMM::Force& force) {
    return effpotCast<EffPot::ReplicaExpressionForce>(force, "ReplicaExpressionForce.cast", "ReplicaExpressionForce");
}
bool _isReplicaSplineForce(OpenMM::Force& force) {
    return dynamic_cast<EffPot::ReplicaSplineForce*>(&force) != NULL;
}
EffPot::ReplicaSplineForce& _castReplicaSplineForce(OpenMM::Force& force) {
    return effpotCast<EffPot::ReplicaSplineForce>(force, "ReplicaSplineForce.cast", "ReplicaSplineForce");
}
bool _isDampedVerletIntegrator(OpenMM::Integrator& integrator) {
    return dynamic_cast<EffPot::DampedVerletIntegrator*>(&integrator) != NULL;
}
EffPot::DampedVerletIntegrator& _castDampedVerletIntegrator(OpenMM::Integrator& integrator) {
    return effpotCast<EffPot::DampedVerletIntegrator>(integrator, "DampedVerletIntegrator.cast", "DampedVerletIntegrator");
}
%}

/* ---- Coarse-graining: the C++ classes as they are, minus raw-pointer methods (replaced by vector forms). ---- */
#define OPENMM_EXPORT_EFFPOT
%feature("director") EffPot::ProgressReporter;
%ignore EffPot::RegularGrid::findBin;
%ignore EffPot::RegularGrid::getBinCenter;
%ignore EffPot::PSplineFit::evaluate;
%ignore EffPot::PSplineFit::evaluateWithGradient;
%ignore EffPot::EffectivePotential::evaluate;
%ignore EffPot::EffectivePotential::getNodePosition;
%ignore EffPot::EnsembleRecorder::getTrajectoryStatistics;  /* a reference: trajectoryStatistics() returns a copy */
%ignore EffPot::EffectivePotential::createForce;  /* an OpenMM::Force*: createCompoundBondForce (below) has its type */
/* A reference into a grainer or a potential reaches Python as a copy that Python owns: settings, statistics and a
   calibration record are plain data, never a view of an object that the next run changes or that dies with it. */
%typemap(out) const EffPot::CoarseGrainingSettings& {
    $result = SWIG_NewPointerObj(new EffPot::CoarseGrainingSettings(*$1), $descriptor(EffPot::CoarseGrainingSettings*), SWIG_POINTER_OWN);
}
%typemap(out) const EffPot::ReplicaStatistics& {
    $result = SWIG_NewPointerObj(new EffPot::ReplicaStatistics(*$1), $descriptor(EffPot::ReplicaStatistics*), SWIG_POINTER_OWN);
}
%typemap(out) const EffPot::Calibration& {
    $result = SWIG_NewPointerObj(new EffPot::Calibration(*$1), $descriptor(EffPot::Calibration*), SWIG_POINTER_OWN);
}
/* Fields that are vectors read as tuples and take lists (by value, not as a vector proxy into the struct). */
%naturalvar EffPot::CoarseGrainingSettings::initialPositions;
%naturalvar EffPot::CoarseGrainingSettings::initialBoxLower;
%naturalvar EffPot::CoarseGrainingSettings::initialBoxUpper;
%naturalvar EffPot::CoarseGrainingSettings::gridBins;
%naturalvar EffPot::CoarseGrainingSettings::gridBoxLower;
%naturalvar EffPot::CoarseGrainingSettings::gridBoxUpper;
%naturalvar EffPot::Calibration::mass;
%naturalvar EffPot::Calibration::friction;
%naturalvar EffPot::Calibration::energy;
%naturalvar EffPot::Calibration::systemXml;
%copyctor EffPot::ReplicaStatistics;
%copyctor EffPot::CoarseGrainingSettings;
%newobject EffPot::EffectivePotential::createReplicaForce;
%ignore EffPot::EffectivePotential::getDiagnostics();
%ignore EffPot::EffectivePotential::getNotes();
%ignore EffPot::ReplicaStatistics::addMomentum;
%ignore EffPot::ReplicaStatistics::storeMomentum;
%ignore EffPot::ReplicaStatistics::addPosition;
%ignore EffPot::ReplicaStatistics::addFrozen;
%ignore EffPot::CoarseGrainer::getFitter;
%ignore EffPot::ScaleScan::getPoints;
%ignore EffPot::ScaleScan::groupLevels;
%ignore EffPot::ScaleScan::getLevels;
%ignore EffPot::ScaleScan::run;
%ignore EffPot::EffectivePotential::getSpline;  /* a reference into the potential: not safe to hand to Python */
%rename(normalityTest) EffPot::NormalityTests::test;
%rename(NormalityResult) EffPot::NormalityTests::Result;
%ignore EffPot::NormalityTests::momentsFromPowerSums;
%include "NormalityTests.h"
%include "HistogramDistances.h"
%include "TrajectoryStatistics.h"
%rename(evaluateEnergyExpression) EffPot::EnergyExpression::evaluate;
%include "EnergyExpression.h"
%include "ProgressReporter.h"
%include "RegularGrid.h"
%include "EnsembleRecorder.h"
%extend EffPot::PSplineFit {
    /** The spline at N points (N x d values, point-major); a NaN coordinate gives NaN (evaluate takes a pointer). */
    std::vector<double> evaluateMany(const std::vector<double>& points) const {
        int d = $self->getDimensions();
        if (points.size()%d != 0)
            throw OpenMM::OpenMMException("PSplineFit.evaluateMany: give N x d coordinates, point-major");
        std::vector<double> values(points.size()/d);
        for (size_t i = 0; i < values.size(); i++)
            values[i] = $self->evaluate(&points[i*d]);
        return values;
    }
}
%include "PSplineFit.h"
%include "Calibration.h"
%include "EffectivePotential.h"
%include "ReplicaStatistics.h"
%include "PotentialFitter.h"
%ignore EffPot::CoarseGrainingSettings::visitFields;
%include "CoarseGrainingSettings.h"
%template(vectorSettingDescription) std::vector<EffPot::SettingDescription>;
%include "CoarseGrainer.h"
%template(vectorReplicaStatistics) std::vector<EffPot::ReplicaStatistics>;
%template(vectorvectord) std::vector<std::vector<double> >;
/* The plan holds a reference to its CoarseGrainer: keep the Python object alive as long as the plan. */
%pythonappend EffPot::CoarseGrainingPlan::CoarseGrainingPlan %{
    self._grainer = args[0]
%}
%include "CoarseGrainingPlan.h"
%include "ScaleScan.h"

%extend EffPot::EnsembleRecorder {
    /** A copy of the mean-path and ACF accumulator. */
    EffPot::TrajectoryStatistics trajectoryStatistics() const {
        return $self->getTrajectoryStatistics();
    }
}

%newobject EffPot::EffectivePotential::createCompoundBondForce;
%extend EffPot::EffectivePotential {
    /** The emitted force for these particles (createForce), with its own type: an openmm.CustomCompoundBondForce
        that Python owns (the SWIG runtime is OpenMM's module's, so no XML on the way). */
    OpenMM::CustomCompoundBondForce* createCompoundBondForce(const std::vector<int>& particles) const {
        std::unique_ptr<OpenMM::Force> force($self->createForce(particles));
        OpenMM::CustomCompoundBondForce* result = dynamic_cast<OpenMM::CustomCompoundBondForce*>(force.get());
        if (result == NULL)
            throw OpenMM::OpenMMException("EffectivePotential.createForce: the emitted force is not a CustomCompoundBondForce");
        force.release();
        return result;
    }
    /** U at N points (N x d values, point-major), kJ/mol. */
    std::vector<double> evaluateMany(const std::vector<double>& points) const {
        int d = $self->getDimensions();
        if (points.size()%d != 0)
            throw OpenMM::OpenMMException("EffectivePotential.evaluate: give N x d coordinates");
        std::vector<double> values(points.size()/d);
        for (size_t i = 0; i < values.size(); i++)
            values[i] = $self->evaluate(&points[i*d]);
        return values;
    }
    /** The standard error of U at N points (N x d values, point-major), kJ/mol. */
    std::vector<double> standardErrorMany(const std::vector<double>& points) const {
        int d = $self->getDimensions();
        if (points.size()%d != 0)
            throw OpenMM::OpenMMException("EffectivePotential.standardError: give N x d coordinates");
        std::vector<double> values(points.size()/d);
        for (size_t i = 0; i < values.size(); i++)
            values[i] = $self->standardError(&points[i*d]);
        return values;
    }
    /** The emitted force for these particles, as OpenMM XML (openmm.XmlSerializer.deserialize gives the Force). */
    std::string createForceXml(const std::vector<int>& particles) const {
        std::unique_ptr<OpenMM::Force> force($self->createForce(particles));
        std::stringstream stream;
        OpenMM::XmlSerializer::serialize<OpenMM::Force>(force.get(), "Force", stream);
        return stream.str();
    }
    std::string toXml() const {
        std::stringstream stream;
        OpenMM::XmlSerializer::serialize<EffPot::EffectivePotential>($self, "EffectivePotential", stream);
        return stream.str();
    }
    std::map<std::string, double> getDiagnosticValues() const {
        return $self->getDiagnostics();
    }
    std::map<std::string, std::string> getNoteValues() const {
        return $self->getNotes();
    }
}

%extend EffPot::ReplicaStatistics {
    std::string toXml() const {
        std::stringstream stream;
        OpenMM::XmlSerializer::serialize<EffPot::ReplicaStatistics>($self, "ReplicaStatistics", stream);
        return stream.str();
    }
}

%extend EffPot::CoarseGrainer {
    /** The settings as XML (CoarseGrainerProxy): what a worker process needs to run a piece. */
    std::string toXml() const {
        std::stringstream stream;
        OpenMM::XmlSerializer::serialize<EffPot::CoarseGrainer>($self, "CoarseGrainer", stream);
        return stream.str();
    }
    /* The fit's settings, by their PotentialFitter names (one name per setting: C++, here and the Python face).
       The fitter's seed is the grainer's (setRandomSeed). */
    void setKnotSpacing(double bins) { $self->getFitter().setKnotSpacing(bins); }
    void setSmoothing(double smoothing) { $self->getFitter().setSmoothing(smoothing); }
    void setMinBinCount(int count) { $self->getFitter().setMinBinCount(count); }
    void setNumBootstrap(int count) { $self->getFitter().setNumBootstrap(count); }
    void setGridCoarsening(int factor) { $self->getFitter().setGridCoarsening(factor); }
}

%extend EffPot::CoarseGrainingSettings {
    /** The value as XML (CoarseGrainingSettingsProxy). */
    std::string toXml() const {
        std::stringstream stream;
        OpenMM::XmlSerializer::serialize<EffPot::CoarseGrainingSettings>($self, "CoarseGrainingSettings", stream);
        return stream.str();
    }
}

/* Objects that cross to worker processes pickle as their XmlSerializer text (the API is the object). */
%extend EffPot::ReplicaStatistics {
%pythoncode %{
    def __reduce__(self):
        return (_replicaStatisticsFromXml, (self.toXml(),))

    def __copy__(self):
        return ReplicaStatistics(self)
%}
}
%extend EffPot::EffectivePotential {
%pythoncode %{
    def __reduce__(self):
        return (_effectivePotentialFromXml, (self.toXml(),))
%}
}
%extend EffPot::CoarseGrainer {
%pythoncode %{
    def __reduce__(self):
        return (_coarseGrainerFromXml, (self.toXml(),))
%}
}
%extend EffPot::CoarseGrainingSettings {
%pythoncode %{
    def __reduce__(self):
        return (_coarseGrainingSettingsFromXml, (self.toXml(),))

    def __copy__(self):
        return CoarseGrainingSettings(self)

    def __eq__(self, other):
        return isinstance(other, CoarseGrainingSettings) and self.toXml() == other.toXml()

    __hash__ = None

    def __repr__(self):
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SETTINGS_FIELDS)
        return f"CoarseGrainingSettings({fields})"
%}
}
%extend EffPot::Calibration {
%pythoncode %{
    def __reduce__(self):
        return (_calibrationFromFields, tuple(getattr(self, name) for name in _CALIBRATION_FIELDS))
%}
}
%pythoncode %{
# The fields of the plain-data structs, in their headers' order.
# Every setting's field, in C++'s order (CoarseGrainingSettings::visitFields, the one list of them).
_SETTINGS_FIELDS = tuple(d.field for d in CoarseGrainingSettings.describe())
_CALIBRATION_FIELDS = ("stepSize", "mass", "friction", "kT", "targetKT", "energy", "systemXml")


def _calibrationFromFields(*values):
    calibration = Calibration()
    for name, value in zip(_CALIBRATION_FIELDS, values):
        setattr(calibration, name, value)
    return calibration
%}

%newobject _coarseGrainingSettingsFromXml;
%newobject _effectivePotentialFromXml;
%newobject _replicaStatisticsFromXml;
%newobject _coarseGrainerFromXml;
%inline %{
EffPot::CoarseGrainer* _coarseGrainerFromXml(const std::string& xml, const std::string& source = "") {
    return effpotLoad<EffPot::CoarseGrainer>(xml, "CoarseGrainer", "CoarseGrainer", "CoarseGrainer.fromXml", source);
}
EffPot::EffectivePotential* _effectivePotentialFromXml(const std::string& xml, const std::string& source = "",
                                                       const std::string& caller = "EffectivePotential.fromXml") {
    return effpotLoad<EffPot::EffectivePotential>(xml, "EffectivePotential", "EffectivePotential", caller, source);
}
EffPot::CoarseGrainingSettings* _coarseGrainingSettingsFromXml(const std::string& xml, const std::string& source = "") {
    return effpotLoad<EffPot::CoarseGrainingSettings>(xml, "CoarseGrainingSettings", "CoarseGrainingSettings",
                                                      "CoarseGrainingSettings.fromXml", source);
}
EffPot::ReplicaStatistics* _replicaStatisticsFromXml(const std::string& xml, const std::string& source = "") {
    return effpotLoad<EffPot::ReplicaStatistics>(xml, "ReplicaStatistics", "ReplicaStatistics", "ReplicaStatistics.fromXml", source);
}
%}

%extend EffPot::ScaleScan {
    /** Run every step size (returns the number of points; read them with getPoint). */
    int runScan(OpenMM::Platform& platform) {
        return $self->run(platform).size();
    }
    int getNumLevels() const {
        return $self->getLevels().size();
    }
    EffPot::ScaleScanLevel getLevel(int index) const {
        std::vector<EffPot::ScaleScanLevel> levels = $self->getLevels();
        if (index < 0 || index >= (int) levels.size())
            throw OpenMM::OpenMMException("ScaleScan.getLevel: index out of range");
        return levels[index];
    }
}
