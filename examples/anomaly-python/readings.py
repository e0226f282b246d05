"""Generated temperature readings, as the demo's devices send them and the temperature monitor checks them.

Each device walks around 19-25 °C (±0.2 °C a reading, kept within 15-30 °C). Now and then one overheats: for 15
readings it climbs 4-6 °C a reading, then falls back for 15. Injected on top of that: spikes, a single reading far
off the device's course (a faulty sensor), which the device's next reading does not follow. Each reading comes with
the rolling average of the device's last 5 readings, as in ``iot.readings``, and a label: part of an overheating or a
spike (an anomaly), or not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

WINDOW = 5  # readings averaged, as the temperature monitor's default


@dataclass
class Reading:
    device: str
    celsius: float
    average: float
    anomaly: bool


def features(celsius: float, average: float) -> list[float]:
    """What the model sees of a reading: its temperature, and how far it is from the device's recent average."""
    return [celsius, celsius - average]


def generate(devices: int, readings: int, seed: int, overheat_every: int = 4_000,
             spike_every: int = 0) -> list[Reading]:
    """``readings`` readings, round-robin over the devices; an overheating starts at one reading in
    ``overheat_every`` of a device (as the demo's simulator), a spike at one in ``spike_every`` (0: none)."""
    rng = random.Random(seed)
    celsius = [19 + rng.random() * 6 for _ in range(devices)]
    overheating = [0] * devices
    recent: list[list[float]] = [[] for _ in range(devices)]
    out = []
    for n in range(readings):
        device = n % devices
        anomaly = False
        if overheating[device] == 0 and rng.randrange(overheat_every) == 0:
            overheating[device] = 30
        if overheating[device] > 0:
            overheating[device] -= 1
            step = 4 + rng.random() * 2
            celsius[device] += step if overheating[device] > 15 else -step
            anomaly = True
        else:
            celsius[device] += (rng.random() - 0.5) * 0.4
            celsius[device] = max(15.0, min(30.0, celsius[device]))
        value = round(celsius[device], 2)
        if not anomaly and spike_every and rng.randrange(spike_every) == 0:
            value = round(value + rng.choice((-1, 1)) * (8 + rng.random() * 12), 2)  # this reading only
            anomaly = True
        last = recent[device]
        last.append(value)
        del last[:-WINDOW]
        out.append(Reading(f"device-{device:03d}", value, round(sum(last) / len(last), 2), anomaly))
    return out
