"""LeadLever: campaign optimisation and lead monetisation.

The library's packages, all under this one namespace:

- :mod:`leadlever.engine`: reading exports, features, conversion and
  qualification models, expected-ROI evaluation (the lowest layer);
- :mod:`leadlever.optimisers`: response curves, budget allocation, the closed
  loop, consultant planning, the PuLP lead packager;
- :mod:`leadlever.pricing`: expected-profit formulas and per-lead prices;
- :mod:`leadlever.simulations`: the simulated Valiant world, campaign and deal
  simulations, the demo;
- :mod:`leadlever.cli`: the ``leadlever`` command line (an edge: parse, call, print).

Importing a package is cheap: public names are loaded when first used.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'leadlever' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leadlever")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+source"
