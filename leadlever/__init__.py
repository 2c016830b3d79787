"""LeadLever: campaign optimisation and lead monetisation.

The library lives in the top-level packages ``engine`` (data, models,
evaluators), ``optimisers`` (allocation, planning, packaging), ``pricing``
and ``simulations``; this package holds the command-line interface.
"""

import os
from importlib.metadata import PackageNotFoundError, version

# LeadLever's linear algebra is many small products (model fits on tens of columns);
# multi-threaded OpenBLAS spends longer coordinating threads than computing them, up to
# 7x slower on a busy 2-core machine. One thread unless the user set it. This runs before
# numpy is imported when the ``leadlever`` command starts.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

try:
    __version__ = version("leadlever")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
