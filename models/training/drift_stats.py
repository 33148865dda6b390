"""The training distribution of every raw feature, written into contract.json so the service can
measure drift of live inputs (Population Stability Index) against what the model was trained on.

Numeric features: the decile edges of the training values (duplicates removed, so a feature with
few distinct values gets fewer bins) and the share of training rows in each bin. Bins are closed on
the right: bin i holds edges[i-1] < v <= edges[i]; the first is (-inf, edges[0]], the last
(edges[-1], +inf), so there are len(edges) + 1 proportions. Categories: the share of each label.
Shares are stored unrounded, so live data identical to training has a PSI of exactly 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features import CATEGORY_MAPS, RAW_FEATURES

DECILES = np.linspace(0.1, 0.9, 9)


def numeric_distribution(values: np.ndarray) -> dict:
    edges = np.unique(np.quantile(values.astype(np.float64), DECILES))
    # searchsorted(side="left") counts the edges strictly below v: the index of v's right-closed bin.
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return {"edges": [float(e) for e in edges], "proportions": [float(c) / len(values) for c in counts]}


def category_distribution(values: pd.Series, labels) -> dict:
    return {"frequencies": {label: float((values == label).mean()) for label in sorted(labels)}}


def training_distribution(raw: pd.DataFrame) -> dict:
    features = {}
    for f in RAW_FEATURES:
        if f.type == "category":
            features[f.name] = category_distribution(raw[f.name], CATEGORY_MAPS[f.name].values())
        else:
            features[f.name] = numeric_distribution(raw[f.name].to_numpy())
    return {
        "rows": int(len(raw)),
        "binning": "numeric: training deciles, right-closed bins (edges[i-1] < v <= edges[i]), duplicates removed; "
                   "category: share of each training label",
        "features": features,
    }
