from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import EmptyDataError, InputFileError
from leadlever.engine.io._tables import (
    append_table,
    atomic_write_text,
    neutralise_formulas,
    read_table,
    write_table,
)


def test_roundtrip_csv_and_parquet(tmp_path):
    frame = pd.DataFrame({"lead_id": ["a", "b"], "x": [1.5, -2.0], "n": [1, 2]})
    for name in ("t.csv", "t.csv.gz", "t.parquet"):
        write_table(frame, tmp_path / name)
        back = read_table(tmp_path / name)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_excel_export_with_bom_and_semicolons(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefflead_id;converted;x\r\n1;Yes;1,5\r\n2;No;2,0\r\n".encode())
    frame = read_table(path)
    assert list(frame.columns) == ["lead_id", "converted", "x"]
    assert frame["converted"].tolist() == ["Yes", "No"]


def test_formula_injection_neutralised(tmp_path):
    frame = pd.DataFrame(
        {"name": ["=HYPERLINK(1)", "+1", "-x", "@SUM", "ok", None], "v": [-1.0, 2, 3, 4, 5, 6]}
    )
    write_table(frame, tmp_path / "o.csv")
    back = pd.read_csv(tmp_path / "o.csv")
    assert back["name"].tolist()[:5] == ["'=HYPERLINK(1)", "'+1", "'-x", "'@SUM", "ok"]
    assert back["v"].tolist()[0] == -1.0  # numbers untouched
    assert neutralise_formulas(frame) is not frame


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (None, InputFileError, "does not exist"),
        ("", EmptyDataError, "empty"),
        ("a,b\n", EmptyDataError, "no data rows"),
    ],
)
def test_bad_files(tmp_path, content, error, words):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(error, match=words):
        read_table(path)


def test_unsupported_extension(tmp_path):
    (tmp_path / "x.xlsx").write_text("a")
    with pytest.raises(InputFileError, match="unsupported extension"):
        read_table(tmp_path / "x.xlsx")


def test_failed_write_leaves_no_file_and_keeps_old(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    path.write_text("old\n")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_table(pd.DataFrame({"a": [1]}), path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_append_table_is_append_only(tmp_path):
    path = tmp_path / "hist.csv"
    append_table(pd.DataFrame({"id": [1], "v": [0.5]}), path)
    append_table(pd.DataFrame({"id": [2], "v": [0.7]}), path)
    assert read_table(path)["id"].tolist() == ["1", "2"]  # ids are read verbatim, as text
    with pytest.raises(InputFileError, match="columns"):
        append_table(pd.DataFrame({"id": [3]}), path)
    assert read_table(path)["id"].tolist() == ["1", "2"]  # ids are read verbatim, as text


def test_atomic_write_text(tmp_path):
    atomic_write_text("{}", tmp_path / "m.json")
    assert (tmp_path / "m.json").read_text() == "{}"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert np.isfinite(1.0)


@pytest.mark.skipif(
    not Path("/proc/self").exists(), reason="needs Linux's /proc (no files can be made there)"
)
def test_an_output_that_cannot_be_made_is_named_not_its_temporary_file():
    """The error of an unwritable output names the path the user gave, not the hidden
    temporary sibling it is written through."""
    from leadlever.engine.io._atomic import atomic_path

    target = Path("/proc/leadlever-test-output.json")
    with pytest.raises(OSError) as caught, atomic_path(target) as tmp:
        tmp.write_text("{}")
    assert caught.value.filename == str(target)
