"""liaison: makes the CPS/NPCC minimum standards for RASSO victim liaison checkable."""
