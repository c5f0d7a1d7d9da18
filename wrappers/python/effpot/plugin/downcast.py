"""isinstance and cast for effpot's OpenMM classes: OpenMM's System.getForce, Context.getIntegrator and
XmlSerializer.deserialize return a plain Force or Integrator for a class their module was not built with (SWIG's
downcast knows only OpenMM's own classes), the convention of OpenMM's plugins (openmm-torch's TorchForce.cast)."""
import openmm


def is_instance(obj, base, test):
    """Whether obj (any Python object) is a proxy of the C++ class that `test` checks for."""
    return isinstance(obj, base) and bool(test(obj))


def downcast(obj, base, test, cast, cls):
    """obj as a cls proxy of the same C++ object (not a copy: whoever owns obj, e.g. the System, owns it)."""
    name = cls.__name__
    if not isinstance(obj, base):
        where = "Context.getIntegrator" if base is openmm.Integrator else "System.getForce"
        raise TypeError(f"{name}.cast: expected an openmm.{base.__name__} (e.g. from {where}), got {type(obj).__name__}")
    if isinstance(obj, cls):
        return obj
    if not test(obj):
        raise TypeError(f"{name}.cast: this {base.__name__} is not a {name} (its OpenMM class is "
                        f"{type(obj).__name__}; {name}.isinstance tells which ones are)")
    result = cast(obj)
    result.__class__ = cls
    # The proxy does not own the C++ object; keeping the argument alive keeps alive whatever it keeps alive.
    result._effpot_source = obj
    return result
