"""Safety: crisis categories, the reviewed crisis lines and the detector that runs first."""
