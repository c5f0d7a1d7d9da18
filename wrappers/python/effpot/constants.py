"""Physical constants, each defined once for the whole package (and its tests).

OpenMM's conventions: energies in kJ/mol, temperatures in kelvin, so kT = BOLTZ * T.
"""

#: The Boltzmann constant per mole, in kJ/mol/K: OpenMM's ``BOLTZ`` (k_B N_A / 1000 with the exact SI values of
#: k_B and N_A), the factor between a temperature (DampedVerletIntegrator.setTemperature takes kelvin) and kT.
BOLTZ = 1.380649e-23 * 6.02214076e23 / 1e3

#: The molar gas constant R in kJ/mol/K: the same number as BOLTZ (R = k_B N_A), under its chemical name.
MOLAR_GAS_CONSTANT = BOLTZ
