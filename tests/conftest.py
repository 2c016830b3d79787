"""Test-session settings: single-threaded BLAS.

The test machine is shared by several jobs on 2 cores; multi-threaded OpenBLAS
then spends most of its time contending (a 41k x 66 Gram product took 2 s instead
of 0.06 s). Set before numpy is imported; an explicit environment value wins.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
