#ifndef EFFPOT_WINDOWS_EXPORT_H_
#define EFFPOT_WINDOWS_EXPORT_H_

// Symbol visibility for libEffPot, in the style of OpenMM's own export headers.
#if defined(_MSC_VER)
    #if defined(EFFPOT_BUILDING_SHARED_LIBRARY)
        #define OPENMM_EXPORT_EFFPOT __declspec(dllexport)
    #else
        #define OPENMM_EXPORT_EFFPOT __declspec(dllimport)
    #endif
#else
    #define OPENMM_EXPORT_EFFPOT __attribute__((visibility("default")))
#endif

#endif /*EFFPOT_WINDOWS_EXPORT_H_*/
