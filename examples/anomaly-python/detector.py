"""Scores each checked temperature reading (from ``iot.readings``) with the model ``train.py`` built, and emits the
anomalous ones, with their score, to the default output (``iot.anomalies``).

The model is loaded once, in ``open``; readings are scored a batch at a time (one call into scikit-learn for the
batch, which is what makes it fast). A reading without ``celsius`` or ``average`` is not one this function can
score: it is dead-lettered as UNDECODABLE.
"""

from __future__ import annotations

import os
import pickle

import eddy
from readings import features

HERE = os.path.dirname(os.path.abspath(__file__))


class Detector:

    def open(self, env):
        path = os.path.join(HERE, "model.pkl")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} is missing: run 'python3 train.py' in {HERE} before deploying")
        with open(path, "rb") as model_file:
            self.model = pickle.load(model_file)
        self.threshold = float(env.config.get("threshold", 0.0))

    def handle_batch(self, events, ctx):
        rows, scored = [], []
        for event in events:
            reading = event.value
            try:
                rows.append(features(float(reading["celsius"]), float(reading["average"])))
                scored.append(event)
            except (KeyError, TypeError, ValueError) as error:
                ctx.fail(event, eddy.Undecodable(f"not a checked reading (celsius and average): {reading!r}"
                                                 f" ({error!r})"))
        if not rows:
            return
        for event, score in zip(scored, self.model.decision_function(rows)):
            anomaly = -float(score)
            if anomaly > self.threshold:
                reading = event.value
                ctx.emit({"device": reading.get("device"), "celsius": reading["celsius"],
                          "average": reading["average"], "score": round(anomaly, 4)}, of=event)
