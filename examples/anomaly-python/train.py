"""Trains the anomaly model on generated readings and measures it on others, with anomalies injected.

    python3 train.py            # writes model.pkl (the function loads it) and evaluation.json

The model is scikit-learn's IsolationForest over two features of a reading (its temperature, and its distance from
the device's rolling average), fitted to readings of devices at the demo's rate of overheating. It is measured on a
separate generated set with spikes injected: precision and recall of the readings it flags, at the threshold the
function uses, and how many readings a second it scores in batches of 500.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time

from sklearn.ensemble import IsolationForest

from readings import features, generate

HERE = os.path.dirname(os.path.abspath(__file__))
THRESHOLD = 0.0  # a reading scoring above it is an anomaly (IsolationForest's own offset)
BATCH = 500


def train(seed: int = 1) -> IsolationForest:
    data = generate(devices=200, readings=100_000, seed=seed)
    anomalous = sum(r.anomaly for r in data) / len(data)
    model = IsolationForest(n_estimators=100, contamination=max(anomalous, 0.001), random_state=seed)
    model.fit([features(r.celsius, r.average) for r in data])
    return model


def score(model: IsolationForest, rows: list[list[float]]) -> list[float]:
    """Higher is more anomalous; above THRESHOLD is an anomaly."""
    return [-float(s) for s in model.decision_function(rows)]


def evaluate(model: IsolationForest, seed: int = 2) -> dict:
    data = generate(devices=200, readings=50_000, seed=seed, spike_every=2_000)
    rows = [features(r.celsius, r.average) for r in data]
    started = time.perf_counter()
    scores = []
    for i in range(0, len(rows), BATCH):
        scores.extend(score(model, rows[i:i + BATCH]))
    seconds = time.perf_counter() - started
    flagged = [bool(s > THRESHOLD) for s in scores]
    true_positives = sum(f and r.anomaly for f, r in zip(flagged, data))
    predicted, actual = sum(flagged), sum(r.anomaly for r in data)
    return {
        "readings": len(data),
        "anomalies": actual,
        "flagged": predicted,
        "precision": round(true_positives / predicted, 3) if predicted else None,
        "recall": round(true_positives / actual, 3) if actual else None,
        "threshold": THRESHOLD,
        "scored_per_second": round(len(rows) / seconds),
        "batch": BATCH,
    }


def main() -> int:
    model = train()
    with open(os.path.join(HERE, "model.pkl"), "wb") as out:
        pickle.dump(model, out)
    figures = evaluate(model)
    with open(os.path.join(HERE, "evaluation.json"), "w") as out:
        json.dump(figures, out, indent=2)
    print(f"model.pkl written; on {figures['readings']} generated readings with {figures['anomalies']} anomalies: "
          f"precision {figures['precision']}, recall {figures['recall']}, "
          f"{figures['scored_per_second']} readings/s scored in batches of {BATCH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
