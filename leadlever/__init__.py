"""LeadLever: campaign optimisation and lead monetisation.

The library lives in the top-level packages ``engine`` (data, models,
evaluators), ``optimisers`` (allocation, planning, packaging), ``pricing``
and ``simulations``; this package holds the command-line interface.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("leadlever")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
