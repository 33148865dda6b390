"""features.py: the mapping of the data set onto the API's raw features, and the derived features."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features import (CATEGORICAL_MODEL_INPUTS, CATEGORY_MAPS, DERIVED, LEGACY_DERIVED_NAMES, NUMERIC_MODEL_INPUTS,
                      RAW_FEATURES, SCALED_COLUMNS, Col, add_derived, eq, le, load_raw, log)

HERE = Path(__file__).resolve().parents[1]
CONTRACT = json.loads((HERE.parent / "attrition" / "contract.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data():
    return load_raw(str(HERE / "data" / "attrition.csv"))


def test_the_27_raw_features_are_the_contract_s_in_order():
    assert [f.name for f in RAW_FEATURES] == [f["name"] for f in CONTRACT["features"]]
    assert len(RAW_FEATURES) == 27


def test_load_raw_maps_every_row_within_the_hard_limits(data):
    raw, y = data
    assert raw.shape == (1470, 27)
    assert set(np.unique(y)) == {0, 1} and y.sum() == 237
    for f in RAW_FEATURES:
        if f.type == "category":
            assert set(raw[f.name]) == set(CATEGORY_MAPS[f.name].values()), f.name
        else:
            assert raw[f.name].dtype == np.int64, f.name
            assert raw[f.name].between(f.min, f.max).all(), f.name


def test_load_raw_refuses_a_value_it_cannot_map(tmp_path):
    src = pd.read_csv(HERE / "data" / "attrition.csv", nrows=3)
    src.loc[0, "MaritalStatus"] = "Widowed"
    src.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=r"MaritalStatus: unmapped values \['Widowed'\]"):
        load_raw(str(tmp_path / "bad.csv"))


def test_expressions_evaluate_like_numpy():
    df = pd.DataFrame({"a": [0.0, 1.0, 3.0], "b": [2.0, 2.0, 4.0]})
    a, b = Col("a"), Col("b")
    np.testing.assert_array_equal(((a + 1) / b).eval(df), (df.a + 1) / df.b)
    np.testing.assert_array_equal((a * b - 2).eval(df), df.a * df.b - 2)
    np.testing.assert_array_equal(log(b).eval(df), np.log(df.b))
    np.testing.assert_array_equal(eq(a, 1).eval(df), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(le(a, 1).eval(df), [1.0, 1.0, 0.0])


def test_add_derived_gives_the_model_s_columns_finite_on_every_row(data):
    raw, _ = data
    view = add_derived(raw)
    assert list(view.columns) == SCALED_COLUMNS + CATEGORICAL_MODEL_INPUTS
    assert np.isfinite(view[SCALED_COLUMNS].to_numpy(dtype=np.float64)).all()
    np.testing.assert_array_equal(view["age_debut_carriere"], raw.age - raw.annee_experience_totale)
    np.testing.assert_array_equal(view["celibataire_sans_pee"],
                                  ((raw.statut_marital == "Célibataire") & (raw.nombre_participation_pee == 0)))


def test_legacy_derived_names_are_not_raw_features():
    raw_names = {f.name for f in RAW_FEATURES}
    assert not raw_names & set(LEGACY_DERIVED_NAMES)
    assert not raw_names & set(DERIVED)
    assert set(NUMERIC_MODEL_INPUTS) <= raw_names
