"""onnx_export.py: the ONNX graph computes what the fitted pipeline computes, with contributions."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnxruntime as ort
import pytest

from features import CATEGORICAL_MODEL_INPUTS, RAW_FEATURES, SCALED_COLUMNS, add_derived, load_raw
from onnx_export import export

HERE = Path(__file__).resolve().parents[1]
THRESHOLD = 0.32


@pytest.fixture(scope="module")
def raw():
    return load_raw(str(HERE / "data" / "attrition.csv"))[0]


@pytest.fixture(scope="module")
def fitted(raw):
    """A stand-in for the fitted scikit-learn pipeline: the attributes export() reads, with random weights."""
    rng = np.random.default_rng(7)
    view = add_derived(raw)
    numeric = view[SCALED_COLUMNS].to_numpy(dtype=np.float64)
    categories = [np.array(sorted(raw[name].unique()), dtype=object) for name in CATEGORICAL_MODEL_INPUTS]
    scaler = SimpleNamespace(mean_=numeric.mean(axis=0), scale_=numeric.std(axis=0) + 1.0)
    encoder = SimpleNamespace(categories_=categories)
    width = len(SCALED_COLUMNS) + sum(len(c) for c in categories)
    model = SimpleNamespace(coef_=rng.normal(0, 0.3, (1, width)), intercept_=np.array([-1.2]))
    pipeline = SimpleNamespace(named_steps={
        "preprocess": SimpleNamespace(named_transformers_={"numeric": scaler, "categorical": encoder}),
        "model": model,
    })
    return pipeline, scaler, categories, model


def reference_log_odds(raw, scaler, categories, model):
    """The logistic regression written out with numpy: standardized numerics, one-hot categories."""
    view = add_derived(raw)
    z = (view[SCALED_COLUMNS].to_numpy(dtype=np.float64) - scaler.mean_) / scaler.scale_
    one_hot = [(view[name].to_numpy()[:, None] == cats[None, :]).astype(np.float64)
               for name, cats in zip(CATEGORICAL_MODEL_INPUTS, categories)]
    return np.hstack([z, *one_hot]) @ model.coef_.ravel() + model.intercept_[0]


def run(model, raw):
    session = ort.InferenceSession(model.SerializeToString())
    feeds = {f.name: (raw[f.name].to_numpy(dtype=object) if f.type == "category"
                      else raw[f.name].to_numpy(dtype=np.float64)) for f in RAW_FEATURES}
    return dict(zip(["probability", "label", "contributions"],
                    session.run(["probability", "label", "contributions"], feeds)))


def test_the_graph_reproduces_the_pipeline_on_every_training_row(raw, fitted):
    pipeline, scaler, categories, model = fitted
    onnx_model, names, baseline = export(pipeline, raw, THRESHOLD, {"name": "test"})
    out = run(onnx_model, raw)
    expected = 1 / (1 + np.exp(-reference_log_odds(raw, scaler, categories, model)))
    np.testing.assert_allclose(out["probability"], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out["label"], (out["probability"] >= THRESHOLD).astype(np.int64))
    # Contributions explain the log-odds exactly, one column per model feature.
    assert out["contributions"].shape == (len(raw), len(names))
    np.testing.assert_allclose(out["contributions"].sum(axis=1) + baseline,
                               reference_log_odds(raw, scaler, categories, model), rtol=0, atol=1e-12)


def test_inputs_outputs_and_metadata(raw, fitted):
    onnx_model, names, _ = export(fitted[0], raw, THRESHOLD, {"name": "test", "version": "9.9.9"})
    assert [i.name for i in onnx_model.graph.input] == [f.name for f in RAW_FEATURES]
    assert [o.name for o in onnx_model.graph.output] == ["probability", "label", "contributions"]
    assert {p.key: p.value for p in onnx_model.metadata_props} == {"name": "test", "version": "9.9.9"}
    assert names == SCALED_COLUMNS + CATEGORICAL_MODEL_INPUTS


def test_an_unseen_category_contributes_minus_its_centre_instead_of_failing(raw, fitted):
    onnx_model, names, _ = export(fitted[0], raw, THRESHOLD, {})
    rows = raw.head(2).copy()
    rows.loc[:, "poste"] = ["Astronaute", rows.poste.iloc[1]]
    out = run(onnx_model, rows)
    column = names.index("poste")
    known = run(onnx_model, raw.head(2))
    assert np.isfinite(out["probability"]).all()
    assert out["contributions"][0, column] != known["contributions"][0, column]
    assert out["contributions"][1, column] == known["contributions"][1, column]


def test_export_is_deterministic(raw, fitted):
    first = export(fitted[0], raw, THRESHOLD, {"name": "test"})[0].SerializeToString()
    second = export(fitted[0], raw, THRESHOLD, {"name": "test"})[0].SerializeToString()
    assert first == second
