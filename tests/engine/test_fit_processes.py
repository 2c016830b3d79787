"""The scorer's fit on two processes (a forked child refits the cross-validation folds)
against the same fit on one: the same model to the last bit, and the same model when the
child fails, dies or is not wanted any more."""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings

import numpy as np
import pytest
from scoring_helpers import features

import leadlever.engine.scoring._conversion as conversion
import leadlever.engine.scoring._folds as folds
import leadlever.engine.scoring._gam as gam
from leadlever.engine.scoring import ConversionModel
from leadlever.engine.scoring._fork import ForkedJob, _decode, _encode, fork_workers


def _machine_forks() -> bool:
    import multiprocessing
    import sys

    if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return len(os.sched_getaffinity(0)) >= 2 if hasattr(os, "sched_getaffinity") else False


pytestmark = pytest.mark.skipif(
    not _machine_forks(),
    reason="this machine has no safe fork (one CPU, macOS or Windows): the fit runs on one "
    "process there, which the rest of the suite covers",
)

#: set in the fresh interpreter a test re-runs itself in
_FRESH = "LEADLEVER_FORK_TEST_FRESH"


@pytest.fixture
def elsewhere(request) -> bool:
    """True when the test has just run, and passed, in a fresh interpreter instead of here.

    The fit never forks while another thread runs (an earlier test's Dask cluster leaves
    its threads behind), so in a full test run these tests re-run themselves alone."""
    import subprocess
    import sys

    others = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())
    if not others:
        return False
    if os.environ.get(_FRESH):
        pytest.fail(f"other threads run even in a fresh interpreter: {others}")
    result = subprocess.run(
        # -P: the checkout's own leadlever/ folder must not hide the installed package
        [sys.executable, "-P", "-m", "pytest", "-p", "no:cacheprovider", "-q", request.node.nodeid],
        cwd=request.config.rootpath,
        env={**os.environ, _FRESH: "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return True


@pytest.fixture
def data(sim_closed):
    return features(sim_closed), sim_closed["converted"]


@pytest.fixture
def forks(monkeypatch):
    """Fork on the test's small data too, and count the children that started."""
    monkeypatch.setattr(conversion, "MIN_FORK_ROWS", 0)
    started = []
    original = ForkedJob.start.__func__

    def start(cls, work, *, workers):
        job = original(cls, work, workers=workers)
        if workers > 1:  # (n_jobs=1 fits ask for none)
            started.append(job is not None)
        return job

    monkeypatch.setattr(ForkedJob, "start", classmethod(start))
    return started


def _fit(X, y, n_jobs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ConversionModel(cv=3, random_state=3, n_jobs=n_jobs).fit(X, y)


def _assert_same(a: ConversionModel, b: ConversionModel) -> None:
    np.testing.assert_array_equal(a.oof_eta_, b.oof_eta_)
    assert a.intercept_ == b.intercept_
    assert a.choices_ == b.choices_
    for m, n in zip(a.mains_, b.mains_, strict=True):
        np.testing.assert_array_equal(m["values"], n["values"])
        np.testing.assert_array_equal(m["se"], n["se"])
        assert m["lambda"] == n["lambda"] and m["edf"] == n["edf"]
    for p, q in zip(a.pairs_, b.pairs_, strict=True):
        assert p["columns"] == q["columns"]
        np.testing.assert_array_equal(p["values"], q["values"])
    assert a.calibrator_.method_ == b.calibrator_.method_


@pytest.fixture
def one_process(data):
    return _fit(*data, n_jobs=1)


def test_two_processes_fit_the_same_model_to_the_last_bit(elsewhere, data, forks, one_process):
    if elsewhere:
        return
    two = _fit(*data, n_jobs=None)
    assert forks == [True]  # the child did run
    assert one_process.choices_["n_pairs"] > 0 and len(one_process.choices_["candidates"]) > 1
    _assert_same(one_process, two)
    assert multiprocessing.active_children() == []


def test_a_child_that_raises_leaves_the_model_unchanged(
    elsewhere, data, forks, one_process, monkeypatch
):
    if elsewhere:
        return

    def broken(*args, **kwargs):  # only the child rebuilds pair terms in _folds
        raise np.linalg.LinAlgError("broken on purpose")

    monkeypatch.setattr(folds, "pair_term", broken)
    _assert_same(one_process, _fit(*data, n_jobs=2))
    assert forks == [True] and multiprocessing.active_children() == []


def test_a_child_that_dies_leaves_the_model_unchanged(
    elsewhere, data, forks, one_process, monkeypatch
):
    if elsewhere:
        return
    monkeypatch.setattr(folds, "pair_term", lambda *a, **k: os._exit(3))
    _assert_same(one_process, _fit(*data, n_jobs=2))
    assert forks == [True] and multiprocessing.active_children() == []


def test_an_error_in_the_parent_ends_the_child(elsewhere, data, forks, monkeypatch):
    if elsewhere:
        return

    def broken(*args, **kwargs):
        raise RuntimeError("the parent fails while the child works")

    monkeypatch.setattr(gam, "fit_block", broken)
    with pytest.raises(RuntimeError, match="the parent fails"):
        _fit(*data, n_jobs=None)
    assert forks == [True] and multiprocessing.active_children() == []


def test_one_process_where_a_fork_is_unsafe_or_useless(elsewhere, monkeypatch):
    if elsewhere:
        return
    assert fork_workers(1) == 1
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert fork_workers(None) == 1  # a fork would copy only this thread
    finally:
        stop.set()
        other.join()
    assert fork_workers(None) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert fork_workers(None) == 1


def test_small_data_is_fitted_on_one_process(data, monkeypatch):
    started = []
    original = ForkedJob.start.__func__
    monkeypatch.setattr(
        ForkedJob,
        "start",
        classmethod(
            lambda cls, work, *, workers: (
                started.append(workers) or original(cls, work, workers=workers)
            )
        ),
    )
    X, y = data
    _fit(X.head(conversion.MIN_FORK_ROWS - 1), y.head(conversion.MIN_FORK_ROWS - 1), None)
    assert started == [1]


def test_arrays_cross_the_pipe_without_pickle():
    arrays = {"a": np.arange(5.0), "b": np.array([[1, 2], [3, 4]], dtype=np.int64)}
    back = _decode(_encode(arrays))
    for key, value in arrays.items():
        np.testing.assert_array_equal(back[key], value)
        assert back[key].dtype == value.dtype
    with pytest.raises(ValueError, match="pickle"):
        _decode(_encode({"objects": np.array([{"x": 1}], dtype=object)}))


@pytest.mark.parametrize("n_jobs", [0, -1, 1.5, "2", True])
def test_n_jobs_is_checked(data, n_jobs):
    with pytest.raises(Exception, match="'n_jobs' parameter of ConversionModel"):
        ConversionModel(n_jobs=n_jobs).fit(*data)


def _in_child_only(monkeypatch, module, name, delay):
    """Slow ``module.name`` down by ``delay`` seconds in the forked child only, and count
    the parent's own calls."""
    import time

    parent, calls, original = os.getpid(), [], getattr(module, name)

    def slowed(*args, **kwargs):
        if os.getpid() != parent:
            time.sleep(delay)
        else:
            calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slowed)
    return calls


def test_the_parent_takes_fold_0_when_the_child_has_not_started_it(
    elsewhere, data, one_process, forks, monkeypatch
):
    if elsewhere:
        return
    parent_calls = _in_child_only(monkeypatch, folds, "fold_mains", 1.0)
    _assert_same(one_process, _fit(*data, n_jobs=None))
    assert forks == [True] and len(parent_calls) == 1  # fold 0, refitted here


def test_the_parent_finishes_fold_0_from_where_the_child_left_it(
    elsewhere, data, one_process, forks, monkeypatch
):
    if elsewhere:
        return
    import time

    parent, parent_adds, add = os.getpid(), [], folds.FoldRun.add

    def slow_later(run, pair, y):  # the child keeps up for two pairs, then falls behind
        if os.getpid() == parent:
            parent_adds.append(1)
        elif len(run.held_out) > 2:
            time.sleep(0.05)
        return add(run, pair, y)

    fit_block = gam.fit_block

    def slow_pair(*args, **kwargs):  # the parent's pairs: 0.1 s each
        time.sleep(0.1)
        return fit_block(*args, **kwargs)

    monkeypatch.setattr(folds.FoldRun, "add", slow_later)
    monkeypatch.setattr(gam, "fit_block", slow_pair)
    _assert_same(one_process, _fit(*data, n_jobs=None))
    n_pairs = len(one_process.choices_["candidates"])
    assert n_pairs > 3 and forks == [True]
    assert 0 < len(parent_adds) < n_pairs  # fold 0 changed hands part-way


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_child_that_fails_in_its_cold_fold_leaves_the_model_unchanged(
    how, elsewhere, data, forks, one_process, monkeypatch
):
    """The child fails before it has the full fit: the parent sends it the full fit and
    the pairs all the same (into a closed pipe) and then does all the folds itself."""
    if elsewhere:
        return
    parent, original = os.getpid(), folds.fold_mains_cold

    def cold(*args, **kwargs):
        if os.getpid() != parent:
            if how == "dies":
                os._exit(3)
            raise np.linalg.LinAlgError("broken on purpose")
        return original(*args, **kwargs)

    monkeypatch.setattr(folds, "fold_mains_cold", cold)
    _assert_same(one_process, _fit(*data, n_jobs=2))
    assert forks == [True] and multiprocessing.active_children() == []
