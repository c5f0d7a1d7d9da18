"""Helpers shared by effpot's subpackages: argument conversion (units), atomic file writes (files) and progress
reporting (progress). Nothing here knows of coarse graining or of the command."""
