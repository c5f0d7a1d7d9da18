"""Load effpot's plugin libraries into OpenMM and fail loudly when they do not load."""
import os

import openmm

# The installed package keeps the plugin libraries in effpot/lib/plugins (this file is effpot/plugin/libraries.py).
PLUGIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib", "plugins")
_loaded = []
# GPU kernels load only where OpenMM's platform itself loaded (a CUDA platform needs the driver): without it their
# failure to load is expected, not an error.
_GPU_PLUGINS = {"libEffPotCUDA": "CUDA", "libEffPotOpenCL": "OpenCL"}


def _platform_available(name):
    return any(openmm.Platform.getPlatform(i).getName() == name for i in range(openmm.Platform.getNumPlatforms()))


def _expected_failure(failure):
    return any(library in failure and not _platform_available(platform) for library, platform in _GPU_PLUGINS.items())


def load_plugins():
    """Load every library in effpot/lib/plugins through OpenMM's plugin mechanism (once per process).

    Raises ImportError naming each library that failed, with OpenMM's reason, since a missing kernel would
    otherwise surface much later as "no Platform supports the kernels".
    """
    if _loaded:
        return _loaded
    if not os.path.isdir(PLUGIN_DIR):
        raise ImportError(f"effpot: plugin folder {PLUGIN_DIR} is missing; reinstall effpot (pip install .)")
    before = set(openmm.Platform.getPluginLoadFailures())
    loaded = openmm.Platform.loadPluginsFromDirectory(PLUGIN_DIR)
    failures = [f for f in openmm.Platform.getPluginLoadFailures() if f not in before and not _expected_failure(f)]
    if failures or not loaded:
        detail = "\n  ".join(failures) if failures else "no library found"
        raise ImportError(f"effpot: the OpenMM plugins in {PLUGIN_DIR} did not load:\n  {detail}\n"
                          "Check that effpot was built against this openmm "
                          f"({openmm.version.full_version}) and its SWIG version.")
    _loaded.extend(loaded)
    return _loaded
