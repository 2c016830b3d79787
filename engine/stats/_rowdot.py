"""Products of a design matrix with coefficients, the same for a row whatever the others.

A BLAS matrix product (``Z @ b``) chooses its blocking from the matrix's shape, so the
same row can come out different in the last bit when it is scored in a chunk of 7 rows
or of 100,000. :func:`row_dot` sums each row on its own (one vectorised pass), so chunked
and whole-table runs, and Dask partitions, give identical numbers.

Examples
--------
>>> import numpy as np
>>> z = np.random.default_rng(0).normal(size=(5, 3))
>>> b = np.array([0.1, -2.0, 3.0])
>>> bool((row_dot(z, b)[1:2] == row_dot(z[1:2], b)).all())
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_dot"]


def row_dot(Z: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Z @ b`` (``b`` a vector or a matrix), each row summed independently of the others."""
    Z = np.ascontiguousarray(Z, dtype=float)  # rows contiguous: each is summed on its own
    b = np.asarray(b, dtype=float)
    if b.ndim == 1:
        return (Z * b).sum(axis=1)
    return (Z[:, :, None] * b[None, :, :]).sum(axis=1)
