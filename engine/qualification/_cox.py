r"""Cox partial-likelihood machinery: Efron Newton fit, Breslow baseline, concordance.

Used by :class:`leadlever.engine.qualification._timing.TimingModel`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["concordance_index", "_efron_newton", "_breslow"]


def concordance_index(duration, event, risk) -> float:
    r"""Harrell's concordance index, vectorised over distinct event times.

    A pair :math:`(i, j)` is comparable when :math:`t_i < t_j` and :math:`i`
    had the event; it is concordant when :math:`r_i > r_j` (higher risk, earlier
    event), and counts 1/2 when :math:`r_i = r_j`:

    .. math:: C = \frac{\sum_{i,j} [t_i < t_j]\, d_i\, ([r_i > r_j] + \tfrac12 [r_i = r_j])}
                       {\sum_{i,j} [t_i < t_j]\, d_i}

    Cost :math:`O(U\,n)` for :math:`U` distinct event times (a few hundred days).
    """
    t = np.asarray(duration, dtype=float)
    d = np.asarray(event).astype(bool)
    r = np.asarray(risk, dtype=float)
    order = np.argsort(-t, kind="stable")
    t_sorted, r_sorted = t[order], r[order]
    times = np.unique(t[d])[::-1]
    # number of subjects with time strictly greater than each event time
    n_greater = np.searchsorted(-t_sorted, -times, side="left")
    num = 0.0
    den = 0.0
    pool = np.empty(0)
    done = 0
    for u, k in zip(times, n_greater, strict=True):
        if k > done:
            pool = np.sort(np.concatenate([pool, r_sorted[done:k]]), kind="mergesort")
            done = k
        ri = r[d & (t == u)]
        if k == 0 or ri.size == 0:
            continue
        lo = np.searchsorted(pool, ri, side="left")
        hi = np.searchsorted(pool, ri, side="right")
        num += float(lo.sum() + 0.5 * (hi - lo).sum())
        den += float(ri.size * k)
    if den == 0:
        return float("nan")
    return num / den


def _efron_newton(
    duration: np.ndarray, event: np.ndarray, Z: np.ndarray, *, max_iter: int = 50, tol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Maximise the Efron partial likelihood by Newton's method, vectorised.

    With :math:`w_i = e^{z_i^\top\beta}`, risk-set sums :math:`S_{a,k} = \sum_{t_i \ge u_k} w_i z_i^{\otimes a}`
    and tied-event sums :math:`S^D_{a,k}` at each distinct event time :math:`u_k` with
    :math:`d_k` events,

    .. math::
        \ell(\beta) = \sum_k \Big[\sum_{i \in D_k} z_i^\top\beta
            - \sum_{l=0}^{d_k - 1} \log\big(S_{0,k} - \tfrac{l}{d_k} S^D_{0,k}\big)\Big]

    Every sum is a reverse cumulative sum over the rows grouped by day, so one
    Newton step costs :math:`O(n p^2)` with no Python loop over times. Returns
    the coefficients and the Breslow baseline cumulative hazard
    :math:`\Lambda_0(u_k) = \sum_{u_j \le u_k} d_j / S_{0,j}`.
    """
    n, p = Z.shape
    order = np.argsort(duration, kind="stable")
    Z = Z[order]
    dur = duration[order]
    ev = event[order].astype(bool)
    times, starts = np.unique(dur, return_index=True)
    evf = ev.astype(float)
    d_per = np.add.reduceat(evf, starts)
    ek = np.flatnonzero(d_per > 0)  # distinct event times (indices into times)
    d = d_per[ek].astype(np.int64)
    # expanded (k, l) pairs: c = l / d_k for l = 0..d_k-1
    rep = np.repeat(np.arange(ek.size), d)
    c = (np.arange(rep.size) - np.repeat(np.cumsum(d) - d, d)) / d[rep]
    zev = Z[ev].sum(axis=0)
    ends = np.append(starts[1:], n)
    evz = Z * evf[:, None]

    def outer_sums(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Risk-set and tied-event sums of w z z^T (one BLAS product per day)."""
        g = np.empty((times.size, p, p))
        for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
            zw = Z[s:e] * w[s:e, None]
            g[k] = zw.T @ Z[s:e]
        r = np.cumsum(g[::-1], axis=0)[::-1][ek]
        e2 = np.empty((ek.size, p, p))
        for i, k in enumerate(ek):
            s, e = starts[k], ends[k]
            e2[i] = (evz[s:e] * w[s:e, None]).T @ Z[s:e]
        return r, e2

    def risk_sums(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Risk-set sums (t >= u_k) and tied-event sums at each event time."""
        g = np.add.reduceat(a, starts, axis=0)
        r = np.cumsum(g[::-1], axis=0)[::-1][ek]
        e = np.add.reduceat(a * (evf if a.ndim == 1 else evf[:, None]), starts, axis=0)[ek]
        return r, e

    def s0_terms(beta):
        eta = Z @ beta
        shift = eta.max()
        w = np.exp(eta - shift)
        r0, e0 = risk_sums(w)
        return eta, shift, w, r0, r0[rep] - c * e0[rep]

    def loglik(beta):
        eta, shift, _, _, s0 = s0_terms(beta)
        return float(eta[ev].sum() - (np.log(s0) + shift).sum())

    beta = np.zeros(p)
    ll = loglik(beta)
    for _ in range(max_iter):
        eta, shift, w, r0, s0 = s0_terms(beta)
        r1, e1 = risk_sums(w[:, None] * Z)
        r2, e2 = outer_sums(w)
        inv_s0 = 1.0 / s0
        m1 = (r1[rep] - c[:, None] * e1[rep]) * inv_s0[:, None]
        grad = zev - m1.sum(axis=0)
        # sum over (k, l) of (S2 - c S2D) / s0, without expanding the p^2 block
        a = np.bincount(rep, weights=inv_s0, minlength=ek.size)
        b = np.bincount(rep, weights=c * inv_s0, minlength=ek.size)
        info = np.tensordot(a, r2, axes=1) - np.tensordot(b, e2, axes=1) - m1.T @ m1
        step = np.linalg.solve(info + 1e-10 * np.eye(p), grad)
        t = 1.0
        while True:
            new = beta + t * step
            ll_new = loglik(new)
            if ll_new >= ll - 1e-12 or t < 1e-4:
                break
            t /= 2
        converged = abs(ll_new - ll) < tol * (1 + abs(ll)) and np.max(np.abs(t * step)) < 1e-7
        beta, ll = new, ll_new
        if converged:
            break
    return beta, *_breslow(dur, ev, Z, beta, presorted=True)


def _breslow(duration, event, Z, beta, *, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""Breslow baseline :math:`\Lambda_0(u_k) = \sum_{u_j \le u_k} d_j / \sum_{t_i \ge u_j} e^{z_i^\top\beta}`."""
    if not presorted:
        order = np.argsort(duration, kind="stable")
        duration, event, Z = duration[order], np.asarray(event)[order], Z[order]
    times, starts = np.unique(duration, return_index=True)
    evf = np.asarray(event, dtype=float)
    d_per = np.add.reduceat(evf, starts)
    ek = np.flatnonzero(d_per > 0)
    eta = Z @ beta
    shift = eta.max()
    g = np.add.reduceat(np.exp(eta - shift), starts)
    r0 = np.cumsum(g[::-1])[::-1][ek] * np.exp(shift)
    return times[ek], np.cumsum(d_per[ek] / r0)
