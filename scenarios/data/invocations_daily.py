#!/usr/bin/env python3
"""Writes invocations_daily.csv: a SYNTHETIC day of per-minute Lambda
invocation counts (2024-05-01, UTC), for scenarios/replay_daily.toml.

Not measured data. The shape is a smooth daily cycle with its trough at
03:00 UTC (about 40 requests/minute) and its peak at 15:00 UTC (about 1,800
requests/minute), times +-8 % deterministic noise from a fixed linear
congruential generator, rounded to whole requests. Rerunning it rewrites the
file byte for byte: python3 scenarios/data/invocations_daily.py
"""
import math
import os

state = 12345


def uniform():
    """Numerical Recipes' 32-bit LCG, in [0, 1)."""
    global state
    state = (1664525 * state + 1013904223) % 2**32
    return state / 2**32


lines = [
    "# SYNTHETIC per-minute Lambda invocation counts for one day (UTC), written",
    "# by scenarios/data/invocations_daily.py (a daily cycle with its trough at",
    "# 03:00 and its peak at 15:00, +-8 % deterministic noise). Not measured data.",
    "timestamp,invocations",
]
for m in range(1440):
    h = m / 60
    shape = (1 - math.cos(2 * math.pi * (h - 3) / 24)) / 2
    rate = 40 + 1760 * shape**1.3
    count = round(rate * (1 + 0.08 * (2 * uniform() - 1)))
    lines.append(f"2024-05-01T{m // 60:02d}:{m % 60:02d}:00Z,{count}")
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "invocations_daily.csv")
with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
