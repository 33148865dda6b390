"""Builds one ONNX graph holding the whole fitted pipeline: derived features, one-hot encoding,
scaling, logistic regression, per-feature contributions and the thresholded label.

skl2onnx is not available here, so the graph is written with onnx.helper. Everything is computed
in float64, so the served probabilities equal scikit-learn's to rounding error.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from features import (CATEGORICAL_MODEL_INPUTS, DERIVED, NUMERIC_MODEL_INPUTS, RAW_FEATURES, Col, Const,
                      Expr, IsCategory, Op)

OPSET = 17
ML_OPSET = 3
IR_VERSION = 8  # the IR that opset 17 shipped with; onnxruntime-node reads it


class GraphBuilder:
    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: dict[str, int] = {}
        self._constants: dict[tuple, str] = {}
        self._columns: dict[str, str] = {}

    def fresh(self, stem: str) -> str:
        n = self._names.get(stem, 0)
        self._names[stem] = n + 1
        return f"{stem}_{n}"

    def const(self, value, dtype=np.float64) -> str:
        array = np.asarray(value, dtype=dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            name = self.fresh("const")
            self.initializers.append(numpy_helper.from_array(array, name))
            self._constants[key] = name
        return self._constants[key]

    def node(self, op: str, inputs: list[str], stem: str | None = None, domain: str = "", **attrs) -> str:
        out = self.fresh(stem or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], domain=domain, name=out, **attrs))
        return out

    def column(self, raw_name: str) -> str:
        """A numeric raw input as a [N, 1] column (inputs are [N])."""
        if raw_name not in self._columns:
            self._columns[raw_name] = self.node("Unsqueeze", [raw_name, self.const([1], np.int64)],
                                                stem=f"col_{raw_name}")
        return self._columns[raw_name]

    def one_hot(self, raw_name: str, categories: list[str]) -> str:
        """[N] strings -> [N, C] float64; an unseen category encodes as all zeros (zeros=1)."""
        encoded = self.node("OneHotEncoder", [raw_name], domain="ai.onnx.ml",
                            cats_strings=list(categories), zeros=1, stem=f"onehot_{raw_name}")
        return self.node("Cast", [encoded], to=TensorProto.DOUBLE)

    def emit(self, e: Expr) -> str:
        if isinstance(e, Col):
            return self.column(e.name)
        if isinstance(e, Const):
            return self.const(e.value)
        if isinstance(e, IsCategory):
            return self.one_hot(e.name, [e.value])
        if isinstance(e, Op):
            if e.op == "Log":
                return self.node("Log", [self.emit(e.a)])
            a, b = self.emit(e.a), self.emit(e.b)
            if e.op in ("Equal", "LessOrEqual"):
                return self.node("Cast", [self.node(e.op, [a, b])], to=TensorProto.DOUBLE)
            return self.node(e.op, [a, b])
        raise TypeError(f"cannot emit {e!r}")


def export(pipeline, training_raw, threshold: float, metadata: dict[str, str]) \
        -> tuple[onnx.ModelProto, list[str], float]:
    """Returns the model, the names of its contribution columns and the baseline log-odds.

    Contributions: a numeric feature contributes coef * standardized value (0 for a mean value);
    a categorical one contributes its category's coefficient minus the training-frequency-weighted
    mean coefficient. baseline + sum(contributions) is exactly the model's log-odds.
    """
    pre = pipeline.named_steps["preprocess"]
    model = pipeline.named_steps["model"]
    scaler = pre.named_transformers_["numeric"]
    encoder = pre.named_transformers_["categorical"]
    coef = model.coef_.ravel().astype(np.float64)
    k = len(scaler.mean_)
    coef_numeric, coef_categorical = coef[:k], coef[k:]

    g = GraphBuilder()
    numeric_columns = [g.column(n) for n in NUMERIC_MODEL_INPUTS] + [g.emit(e) for e, _ in DERIVED.values()]
    x = g.node("Concat", numeric_columns, axis=1, stem="numeric_features")
    z = g.node("Div", [g.node("Sub", [x, g.const(scaler.mean_)]), g.const(scaler.scale_)], stem="standardized")
    contributions = [g.node("Mul", [z, g.const(coef_numeric)], stem="numeric_contributions")]

    baseline = float(model.intercept_[0])
    offset = 0
    for name, categories in zip(CATEGORICAL_MODEL_INPUTS, encoder.categories_):
        weights = coef_categorical[offset:offset + len(categories)]
        offset += len(categories)
        frequencies = np.array([(training_raw[name] == v).mean() for v in categories])
        centre = float(weights @ frequencies)
        baseline += centre
        one_hot = g.one_hot(name, [str(v) for v in categories])
        raw_contribution = g.node("MatMul", [one_hot, g.const(weights.reshape(-1, 1))])
        contributions.append(g.node("Sub", [raw_contribution, g.const(centre)], stem=f"contribution_{name}"))

    contrib = g.node("Concat", contributions, axis=1, stem="contributions_concat")
    g.nodes.append(helper.make_node("Identity", [contrib], ["contributions"], name="contributions"))
    logit = g.node("Add", [g.node("ReduceSum", [contrib, g.const([1], np.int64)], keepdims=0),
                           g.const(baseline)], stem="log_odds")
    g.nodes.append(helper.make_node("Sigmoid", [logit], ["probability"], name="probability"))
    label = g.node("GreaterOrEqual", ["probability", g.const(threshold)])
    g.nodes.append(helper.make_node("Cast", [label], ["label"], to=TensorProto.INT64, name="label"))

    inputs = [
        helper.make_tensor_value_info(f.name, TensorProto.STRING if f.type == "category" else TensorProto.DOUBLE,
                                      ["N"])
        for f in RAW_FEATURES
    ]
    contribution_names = NUMERIC_MODEL_INPUTS + list(DERIVED) + CATEGORICAL_MODEL_INPUTS
    outputs = [
        helper.make_tensor_value_info("probability", TensorProto.DOUBLE, ["N"]),
        helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
        helper.make_tensor_value_info("contributions", TensorProto.DOUBLE, ["N", len(contribution_names)]),
    ]
    graph = helper.make_graph(g.nodes, "attrition", inputs, outputs, g.initializers)
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="attrition-training",
        ir_version=IR_VERSION,
    )
    helper.set_model_props(onnx_model, metadata)
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model, contribution_names, baseline
