"""Trains the attrition model and rewrites every artifact in models/attrition/.

    python train.py            # evaluate, fit, export, check parity, write artifacts

Deterministic: fixed seeds, a single-threaded solver and pinned BLAS kernels; two runs, on any
x86-64 CPU with AVX-512, give the same metrics, the same model.onnx bytes and the same probabilities.
"""
from __future__ import annotations

import os
import sys

# Byte-reproducible artifacts (README.md, "Reproducibility"). OpenBLAS picks its kernels by CPU (or by
# OPENBLAS_CORETYPE from the environment), and kernels that sum in another order give coefficients
# ~1e-15 apart, i.e. other model.onnx bytes. The committed artifacts come from OpenBLAS's SkylakeX
# (AVX-512) kernels on one thread: pin them before numpy (imported by matplotlib below) loads OpenBLAS,
# whatever the environment says. TRAIN_BLAS_KERNEL=<OpenBLAS core> chooses another on purpose.
BLAS = {"OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_NUM_THREADS": "1", "OPENBLAS_L2_SIZE": "512"}
SKYLAKEX_NEEDS = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
if "TRAIN_BLAS_KERNEL" in os.environ:
    BLAS["OPENBLAS_CORETYPE"] = os.environ["TRAIN_BLAS_KERNEL"]
else:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            cpu_flags = set(next((line for line in cpuinfo if line.startswith("flags")), "").split())
    except OSError:
        cpu_flags = SKYLAKEX_NEEDS  # not Linux: OpenBLAS fails loudly if the kernel cannot run
    if not SKYLAKEX_NEEDS <= cpu_flags:
        sys.exit(f"This CPU lacks {sorted(SKYLAKEX_NEEDS - cpu_flags)}, which OpenBLAS's SkylakeX kernels need, so "
                 "the committed bytes cannot be reproduced here. To train anyway (results ~1e-15 apart), choose "
                 "another kernel: TRAIN_BLAS_KERNEL=Haswell python train.py")
os.environ.update(BLAS)

import hashlib  # noqa: E402
import json  # noqa: E402
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV  # noqa: E402
from sklearn.metrics import (average_precision_score, brier_score_loss, confusion_matrix, f1_score,  # noqa: E402
                             log_loss, precision_score, recall_score, roc_auc_score)
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler  # noqa: E402

from drift_stats import training_distribution  # noqa: E402
from features import (CATEGORICAL_MODEL_INPUTS, CATEGORY_MAPS, DERIVED, LEGACY_DERIVED_NAMES,  # noqa: E402
                      RAW_FEATURES, SCALED_COLUMNS, add_derived, load_raw)
from model_card import write_model_card  # noqa: E402
from onnx_export import export  # noqa: E402

MODEL_NAME = "attrition-logreg"
MODEL_VERSION = "1.1.0"
# Version written into the ONNX graph and parity.json. 1.1.0 added the training distribution and the
# fairness table to contract.json only: the graph and its parity values are 1.0.0's, byte for byte.
GRAPH_VERSION = "1.0.0"
SEED = 42
N_SPLITS, N_REPEATS = 5, 5
PARITY_ROWS = 400
PARITY_TOLERANCE = 1e-9  # float64 end to end: anything larger is a bug, not rounding

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "attrition.csv"
OUT = HERE.parent / "attrition"


def build_pipeline() -> Pipeline:
    return Pipeline([
        ("derive", FunctionTransformer(add_derived)),
        ("preprocess", ColumnTransformer([
            ("numeric", StandardScaler(), SCALED_COLUMNS),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL_MODEL_INPUTS),
        ])),
        # Unweighted log loss keeps probabilities calibrated; C is chosen by an inner CV inside each fold.
        ("model", LogisticRegressionCV(Cs=np.logspace(-3, 1, 13), l1_ratios=(0.0,), scoring="neg_log_loss",
                                       max_iter=10_000, use_legacy_attributes=False,
                                       cv=StratifiedKFold(5, shuffle=True, random_state=SEED))),
    ])


def check_data_checksum() -> str:
    expected = (HERE / "data" / "attrition.csv.sha256").read_text().split()[0]
    actual = hashlib.sha256(DATA.read_bytes()).hexdigest()
    if actual != expected:
        sys.exit(f"{DATA}: sha256 {actual} does not match data/attrition.csv.sha256 ({expected})")
    return actual


def mean_std(values) -> dict:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4)}


def cross_validate(raw: pd.DataFrame, y: np.ndarray):
    """Repeated stratified K-fold; returns per-fold metrics and one out-of-fold vector per repeat."""
    cv = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=N_REPEATS, random_state=SEED)
    oof = np.zeros((N_REPEATS, len(y)))
    folds = []
    for i, (train, test) in enumerate(cv.split(raw, y)):
        fitted = clone(build_pipeline()).fit(raw.iloc[train], y[train])
        p = fitted.predict_proba(raw.iloc[test])[:, 1]
        oof[i // N_SPLITS, test] = p
        folds.append({"test": test, "p": p, "C": float(np.ravel(fitted.named_steps["model"].C_)[0])})
        print(f"  fold {i + 1:2d}/{N_SPLITS * N_REPEATS}: ROC AUC {roc_auc_score(y[test], p):.4f}", flush=True)
    return folds, oof


def choose_threshold(y: np.ndarray, oof: np.ndarray) -> float:
    """Business choice: the threshold that maximises F1 (leavers found vs. false alarms), averaged over repeats."""
    grid = np.round(np.arange(0.05, 0.951, 0.005), 3)
    mean_f1 = [np.mean([f1_score(y, r >= t) for r in oof]) for t in grid]
    return float(grid[int(np.argmax(mean_f1))])


def summarise(y, folds, oof, threshold) -> dict:
    def per_fold(metric):
        return mean_std([metric(y[f["test"]], f["p"]) for f in folds])

    def at_threshold(metric):
        return per_fold(lambda t, p: metric(t, p >= threshold, zero_division=0))

    cms = np.array([confusion_matrix(y, r >= threshold) for r in oof])
    return {
        "cv": f"{N_REPEATS} x repeated stratified {N_SPLITS}-fold, seed {SEED}",
        "roc_auc": per_fold(roc_auc_score),
        "pr_auc": per_fold(average_precision_score),
        "brier": per_fold(brier_score_loss),
        "log_loss": per_fold(log_loss),
        "threshold": threshold,
        "precision": at_threshold(precision_score),
        "recall": at_threshold(recall_score),
        "f1": at_threshold(f1_score),
        "confusion_matrix_mean_per_repeat": {
            "tn": float(cms[:, 0, 0].mean()), "fp": float(cms[:, 0, 1].mean()),
            "fn": float(cms[:, 1, 0].mean()), "tp": float(cms[:, 1, 1].mean()),
        },
        "chosen_C": sorted({round(f["C"], 4) for f in folds}),
    }


def calibration(y, oof, path: Path) -> dict:
    p = oof.ravel()
    yy = np.tile(y, N_REPEATS)
    observed, predicted = calibration_curve(yy, p, n_bins=10, strategy="quantile")
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    slope = LogisticRegression(C=1e6).fit(logit, yy).coef_[0, 0]
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot(predicted, observed, "o-", label="model (out-of-fold)")
    ax.set_xlabel("mean predicted probability (decile)")
    ax.set_ylabel("observed attrition rate")
    ax.set_title("Reliability curve, 5 x 5-fold CV")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return {
        "bins": [{"predicted": round(float(a), 4), "observed": round(float(b), 4)} for a, b in zip(predicted, observed)],
        "mean_predicted": round(float(p.mean()), 4),
        "observed_rate": round(float(y.mean()), 4),
        "slope": round(float(slope), 3),
    }


def fairness(raw, y, oof, threshold) -> list[dict]:
    groups = {
        "genre = 0 (female)": raw["genre"] == 0,
        "genre = 1 (male)": raw["genre"] == 1,
        "age 18-29": raw["age"] < 30,
        "age 30-39": raw["age"].between(30, 39),
        "age 40-49": raw["age"].between(40, 49),
        "age 50+": raw["age"] >= 50,
    }
    rows = []
    for name, mask in groups.items():
        m = mask.to_numpy()
        p, t = oof[:, m].ravel(), np.tile(y[m], N_REPEATS)
        rows.append({
            "group": name, "n": int(m.sum()), "attrition_rate": round(float(t.mean()), 3),
            "mean_probability": round(float(p.mean()), 3), "roc_auc": round(float(roc_auc_score(t, p)), 3),
            "flagged_rate": round(float((p >= threshold).mean()), 3),
            "recall": round(float(recall_score(t, p >= threshold)), 3),
            "precision": round(float(precision_score(t, p >= threshold, zero_division=0)), 3),
        })
    return rows


def sklearn_contributions(pipeline, training_raw, raw) -> np.ndarray:
    """The same decomposition the ONNX graph computes, from the fitted scikit-learn objects."""
    pre, model = pipeline.named_steps["preprocess"], pipeline.named_steps["model"]
    frame = add_derived(raw)
    coef = model.coef_.ravel()
    k = len(SCALED_COLUMNS)
    numeric = pre.named_transformers_["numeric"].transform(frame[SCALED_COLUMNS]) * coef[:k]
    columns, offset = [numeric], k
    for name, cats in zip(CATEGORICAL_MODEL_INPUTS, pre.named_transformers_["categorical"].categories_):
        w = coef[offset:offset + len(cats)]
        offset += len(cats)
        one_hot = (frame[name].to_numpy()[:, None] == cats[None, :]).astype(np.float64)
        centre = w @ np.array([(training_raw[name] == v).mean() for v in cats])
        columns.append((one_hot @ w - centre)[:, None])
    return np.hstack(columns)


def onnx_feeds(raw: pd.DataFrame) -> dict:
    return {
        f.name: raw[f.name].to_numpy(dtype=object if f.type == "category" else np.float64)
        for f in RAW_FEATURES
    }


def check_parity(model_path: Path, pipeline, training_raw, raw, threshold, baseline):
    """Fails the run unless onnxruntime reproduces scikit-learn on every row (and on unseen categories)."""
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    probability, label, contributions = session.run(["probability", "label", "contributions"], onnx_feeds(raw))
    expected_p = pipeline.predict_proba(raw)[:, 1]
    expected_c = sklearn_contributions(pipeline, training_raw, raw)
    decision = pipeline.decision_function(raw)
    checks = {
        "probability": float(np.max(np.abs(probability - expected_p))),
        "contributions": float(np.max(np.abs(contributions - expected_c))),
        "baseline + sum(contributions) vs log-odds": float(np.max(np.abs(baseline + expected_c.sum(1) - decision))),
        "label": float(np.max(np.abs(label - (expected_p >= threshold)))),
    }
    unseen = raw.head(3).copy()
    unseen["poste"] = ["Astronaute", "Cadre Commercial", ""]
    unseen["domaine_etude"] = "Inconnu"
    p_unseen = session.run(["probability"], onnx_feeds(unseen))[0]
    checks["unseen categories"] = float(np.max(np.abs(p_unseen - pipeline.predict_proba(unseen)[:, 1])))
    for name, diff in checks.items():
        print(f"  parity {name}: max |diff| = {diff:.3e}")
        if not diff <= PARITY_TOLERANCE:
            sys.exit(f"ONNX parity failed for {name}: {diff} > {PARITY_TOLERANCE}")
    return checks


def to_client_json(row: pd.Series) -> dict:
    return {f.name: (row[f.name] if f.type == "category" else int(row[f.name])) for f in RAW_FEATURES}


def write_json(path: Path, payload) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def build_contract(raw, metrics, calib, threshold, sha256, contribution_names, baseline, data_sha256, trained_at):
    features = []
    for f in RAW_FEATURES:
        entry = {"name": f.name, "type": f.type, "meaning_fr": f.meaning_fr, "meaning_en": f.meaning_en,
                 "used_by_model": f.used_by_model}
        if f.type == "category":
            entry["categories"] = sorted(CATEGORY_MAPS[f.name].values())
        else:
            entry["limits"] = {"min": f.min, "max": f.max}
            entry["training_range"] = {"min": int(raw[f.name].min()), "max": int(raw[f.name].max())}
        features.append(entry)
    return {
        "model": {"name": MODEL_NAME, "version": MODEL_VERSION, "file": "model.onnx", "sha256": sha256,
                  "algorithm": "logistic regression (L2, C by inner 5-fold CV on log loss) on standardized "
                               "numeric + derived features and one-hot categories",
                  "trained_at": trained_at, "training_rows": int(len(raw)), "data_sha256": data_sha256},
        "inputs": {"numeric_dtype": "float64", "categorical_dtype": "string", "shape": ["N"]},
        "outputs": {"probability": "probability of leaving, float64 [N]",
                    "label": "1 when probability >= threshold, int64 [N]",
                    "contributions": "contribution of each model feature to the log-odds, float64 [N, M]"},
        "threshold": threshold,
        "threshold_policy": "maximises the mean out-of-fold F1 over the CV repeats",
        "features": features,
        "cross_field_rules": [
            "annee_experience_totale <= age - 14",
            "annees_dans_l_entreprise <= annee_experience_totale",
            "annees_dans_le_poste_actuel <= annees_dans_l_entreprise",
            "annees_depuis_la_derniere_promotion <= annees_dans_l_entreprise",
            "annes_sous_responsable_actuel <= annees_dans_l_entreprise",
        ],
        "legacy_derived_features": LEGACY_DERIVED_NAMES,
        "derived_features": [{"name": n, "meaning_en": m} for n, (_, m) in DERIVED.items()],
        "contributions": {"names": contribution_names, "baseline_log_odds": baseline},
        "metrics": metrics,
        "calibration": calib,
    }


def main() -> None:
    data_sha256 = check_data_checksum()
    raw, y = load_raw(str(DATA))
    print(f"data: {len(raw)} rows, {int(y.sum())} leavers, sha256 {data_sha256}")

    print("cross-validating ...")
    folds, oof = cross_validate(raw, y)
    threshold = choose_threshold(y, oof)
    metrics = summarise(y, folds, oof, threshold)
    calib = calibration(y, oof, OUT / "calibration.png")
    fairness_rows = fairness(raw, y, oof, threshold)
    print(json.dumps({k: metrics[k] for k in ("roc_auc", "pr_auc", "brier", "log_loss", "threshold", "f1")}))

    print("fitting on all rows and exporting ...")
    pipeline = build_pipeline().fit(raw, y)
    metadata = {"name": MODEL_NAME, "version": GRAPH_VERSION}
    onnx_model, contribution_names, baseline = export(pipeline, raw, threshold, metadata)
    model_path = OUT / "model.onnx"
    model_path.write_bytes(onnx_model.SerializeToString())
    sha256 = hashlib.sha256(model_path.read_bytes()).hexdigest()
    parity = check_parity(model_path, pipeline, raw, raw, threshold, baseline)

    trained_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    contract = build_contract(raw, metrics, calib, threshold, sha256, contribution_names, baseline,
                              data_sha256, trained_at)
    contract["training_distribution"] = training_distribution(raw)
    contract["fairness"] = {"source": "out-of-fold, " + metrics["cv"], "groups": fairness_rows}
    write_json(OUT / "contract.json", contract)

    sample = raw.sample(n=PARITY_ROWS, random_state=SEED).sort_index()
    probabilities = pipeline.predict_proba(sample)[:, 1]
    contributions = sklearn_contributions(pipeline, raw, sample)
    write_json(OUT / "parity.json", {
        "model_version": GRAPH_VERSION, "threshold": threshold, "contribution_names": contribution_names,
        "rows": [{"row": int(i), "features": to_client_json(sample.loc[i]), "probability": float(p),
                  "label": int(p >= threshold), "contributions": [float(v) for v in c]}
                 for i, p, c in zip(sample.index, probabilities, contributions)],
    })
    # Every training row as a client sends it: the service's tests prove that all of them validate.
    rows = [json.dumps(to_client_json(row), ensure_ascii=False) for _, row in raw.iterrows()]
    (HERE / "data" / "attrition-features.json").write_text("[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    write_model_card(OUT / "MODEL_CARD.md", contract, fairness_rows, parity, raw, y, pipeline)
    print(f"wrote {OUT}: model.onnx sha256 {sha256}")


if __name__ == "__main__":
    main()
