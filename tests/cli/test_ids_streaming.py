"""Ids kept verbatim, chunked ``score apply`` / ``qualify apply`` equal to the whole-table
computation whatever the chunk size, reproducible ``.csv.gz``, and the Dask engine equal to
the single-machine run on a local cluster."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _fuzz_catalogue import build_inputs
from _new_user import _ok, _user_error, runner

from leadlever.cli import app
from leadlever.engine.io import read_table
from leadlever.engine.qualification import load_bundle, qualify_file, qualify_leads
from leadlever.engine.scoring import ConversionModel, score_file

ODD_IDS = ["-5", "=1+1", "0000123", "+44 20 7946", "@home", "007"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("streaming")
    build_inputs(d)
    leads = pd.read_csv(d / "leads.csv", dtype={"lead_id": str})
    leads.loc[: len(ODD_IDS) - 1, "lead_id"] = ODD_IDS
    leads.loc[: len(ODD_IDS) - 1, "converted"] = np.nan  # open, so rescoring sees them
    leads.loc[0, "campaign"] = '=HYPERLINK("x")'
    leads.loc[5, "age"] = np.nan  # a missing whole number in a later chunk
    leads.to_csv(d / "leads.csv", index=False)
    return d


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_ids_are_read_and_written_verbatim_and_rescoring_matches_them(base, tmp_path):
    out = tmp_path / "s.csv"
    _ok(run("score", "apply", base / "model.json", base / "leads.csv", "--out", out, "--json"))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines[1:4]] == ["-5", "=1+1", "0000123"]
    assert "'=HYPERLINK" in lines[1]  # free text is escaped for spreadsheets ...
    back = read_table(out)
    assert back["lead_id"].head(len(ODD_IDS)).tolist() == ODD_IDS
    assert back.loc[0, "campaign"] == '=HYPERLINK("x")'  # ... and read back as it was
    history = tmp_path / "h.csv"
    first = _ok(
        run(
            "score",
            "rescore",
            base / "bundle.json",
            base / "leads.csv",
            "--history",
            history,
            "--json",
        )
    )
    second = _ok(
        run(
            "score",
            "rescore",
            base / "bundle.json",
            base / "leads.csv",
            "--history",
            history,
            "--json",
        )
    )
    assert first["n_new"] == first["n_scored"]
    assert second["n_new"] == 0  # every lead, odd ids included, matched its history
    assert set(ODD_IDS) <= set(read_table(history)["lead_id"])


def test_csv_gz_output_is_byte_for_byte_reproducible(base, tmp_path):
    a, b = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    for out in (a, b):
        _ok(run("score", "apply", base / "model.json", base / "leads.csv", "--out", out, "--json"))
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes()[4:8] == b"\0\0\0\0"  # gzip header: no time stamp
    assert gzip.decompress(a.read_bytes()).decode().startswith("lead_id,")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_scoring_does_not_depend_on_the_chunk_size(base, tmp_path, suffix):
    model = ConversionModel.load(base / "model.json")
    outs = []
    for rows in (7, 64, 100_000):
        out = tmp_path / f"s{rows}{suffix}"
        result = score_file(model, base / "leads.csv", out, chunk_rows=rows)
        assert result.n_rows == 400
        outs.append(out)
    if suffix == ".csv":
        assert outs[0].read_bytes() == outs[1].read_bytes() == outs[2].read_bytes()
    frames = [read_table(o) for o in outs]
    pd.testing.assert_frame_equal(frames[0], frames[2])
    whole = model.score_table(read_table(base / "leads.csv"), reasons=True)
    assert np.array_equal(frames[0]["p_convert"].to_numpy(), whole["p_convert"].to_numpy())
    assert frames[0]["reasons"].tolist() == whole["reasons"].tolist()
    assert result.tally.mean("p_convert") == pytest.approx(whole["p_convert"].mean(), rel=1e-12)


def test_chunked_qualification_equals_the_whole_table(base, tmp_path):
    bundle = load_bundle(base / "bundle.json")
    small, big = tmp_path / "q7.csv", tmp_path / "qall.csv"
    qualify_file(bundle, base / "leads.csv", small, chunk_rows=7)
    result = qualify_file(bundle, base / "leads.csv", big)
    assert small.read_bytes() == big.read_bytes()
    whole = qualify_leads(bundle, read_table(base / "leads.csv")).profile
    assert result.n_read == 400 and result.n_rows == len(whole)
    got = read_table(small)
    assert got["lead_id"].tolist() == whole["lead_id"].tolist()
    assert np.allclose(got["expected_value"], whole["expected_value"], rtol=1e-12, atol=0)


def test_errors_in_a_later_chunk_name_the_row_of_the_file(base, tmp_path):
    leads = pd.read_csv(base / "leads.csv", dtype={"lead_id": str})
    bad = leads.copy()
    bad["years_experience"] = bad["years_experience"].astype(object)
    bad.loc[250, "years_experience"] = "twelve"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    model = ConversionModel.load(base / "model.json")
    from leadlever.engine.exceptions import InvalidValueError

    with pytest.raises(InvalidValueError, match=r"data row 251 holds text \('twelve'\)"):
        score_file(model, tmp_path / "bad.csv", tmp_path / "o.csv", chunk_rows=100)
    assert not (tmp_path / "o.csv").exists()
    dup = pd.concat([leads, leads.iloc[[10]]], ignore_index=True)
    dup.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(InvalidValueError, match=r"data row 401 repeats"):
        score_file(model, tmp_path / "dup.csv", tmp_path / "o.csv", chunk_rows=100)
    with pytest.warns(UserWarning, match=r"dropped 1 row"):
        result = score_file(
            model, tmp_path / "dup.csv", tmp_path / "o.csv", chunk_rows=100, dedupe=True
        )
    assert result.n_rows == len(leads)


def _dataset(base: Path, folder: Path, parts: int = 3) -> Path:
    folder.mkdir()
    leads = pd.read_csv(base / "leads.csv", dtype={"lead_id": str})
    for i, rows in enumerate(np.array_split(np.arange(len(leads)), parts)):
        leads.iloc[rows].to_parquet(folder / f"leads-{i}.parquet", index=False)
    return folder


def _read_parts(folder: Path) -> pd.DataFrame:
    parts = sorted(folder.glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c.scheduler_address


@pytest.mark.slow
def test_dask_on_a_local_cluster_equals_the_single_machine_run(base, tmp_path, cluster):
    data = _dataset(base, tmp_path / "leads")
    local, parts = tmp_path / "local.parquet", tmp_path / "scored"
    one = _ok(run("score", "apply", base / "model.json", data, "--out", local, "--json"))
    many = _ok(
        run(
            "score",
            "apply",
            base / "model.json",
            data,
            "--out",
            parts,
            "--engine",
            "dask",
            "--scheduler",
            cluster,
            "--json",
        )
    )
    pd.testing.assert_frame_equal(_read_parts(parts), pd.read_parquet(local))
    assert many["n_rows"] == one["n_rows"] == 400 and many["tiers"] == one["tiers"]
    assert many["mean_p_convert"] == pytest.approx(one["mean_p_convert"], rel=1e-12)
    q_local, q_parts = tmp_path / "q.parquet", tmp_path / "profile"
    _ok(run("qualify", "apply", base / "bundle.json", data, "--out", q_local, "--json"))
    _ok(
        run(
            "qualify",
            "apply",
            base / "bundle.json",
            data,
            "--out",
            q_parts,
            "--engine",
            "dask",
            "--scheduler",
            cluster,
            "--json",
        )
    )
    pd.testing.assert_frame_equal(_read_parts(q_parts), pd.read_parquet(q_local))
    # a rerun replaces the earlier parts as a whole
    _ok(
        run(
            "score",
            "apply",
            base / "model.json",
            data,
            "--out",
            parts,
            "--engine",
            "dask",
            "--scheduler",
            cluster,
            "--json",
        )
    )
    assert len(list(parts.iterdir())) == 3


def test_dask_engine_bad_inputs(base, tmp_path):
    pytest.importorskip("distributed")
    data = _dataset(base, tmp_path / "leads")
    model = base / "model.json"
    _user_error(
        run(
            "score", "apply", model, base / "leads.csv", "--out", tmp_path / "o", "--engine", "dask"
        ),
        "Parquet dataset",
    )
    _user_error(
        run("score", "apply", model, data, "--out", tmp_path / "o", "--engine", "dask", "--dedupe"),
        "--dedupe",
    )
    _user_error(
        run("score", "apply", model, data, "--out", tmp_path / "o.csv", "--scheduler", "tcp://x:1"),
        "--engine dask",
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    _user_error(
        run("score", "apply", model, data, "--out", mine, "--engine", "dask"), "other files"
    )
    assert (mine / "notes.txt").read_text() == "keep"
    dup = pd.read_parquet(data / "leads-0.parquet").head(2)
    dup.to_parquet(data / "leads-9.parquet", index=False)  # ids repeated across files
    res = run("score", "apply", model, data, "--out", tmp_path / "o", "--engine", "dask")
    _user_error(res, "more than once", "lead_id")
    assert not (tmp_path / "o").exists()
    shutil.rmtree(data)


def test_dask_threads_without_a_scheduler(base, tmp_path):
    pytest.importorskip("distributed")
    data = _dataset(base, tmp_path / "leads", parts=2)
    out = tmp_path / "scored"
    res = _ok(
        run(
            "score",
            "apply",
            base / "model.json",
            data,
            "--out",
            out,
            "--engine",
            "dask",
            "--no-reasons",
            "--json",
        )
    )
    assert res["engine"] == "dask" and res["n_rows"] == 400
    local = score_file(base / "model.json", data, tmp_path / "l.parquet", reasons=False)
    pd.testing.assert_frame_equal(_read_parts(out), pd.read_parquet(tmp_path / "l.parquet"))
    assert json.dumps(res)  # strict JSON
    assert local.n_rows == 400
