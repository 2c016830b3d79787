r"""The Cox partial likelihood of :class:`leadlever.engine.qualification._timing.TimingModel`:
Efron's tie handling maximised by a vectorised Newton method, and the Breslow baseline."""

from __future__ import annotations

import numpy as np

__all__ = ["efron_newton", "breslow"]


def efron_newton(
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
    return beta, *breslow(dur, ev, Z, beta, presorted=True)


def breslow(duration, event, Z, beta, *, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
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
