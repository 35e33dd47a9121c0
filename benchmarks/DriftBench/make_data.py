"""Writes the DriftBench files: a 70k-row reference and a 700k-row current, 20 numeric features.

Features f00..f19 are normal with different scales; in the current file five of them are shifted
(f00..f04 by 0.05 to 0.25 std) so some drift and some do not. Deterministic for a seed.
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261201)
features = 20
scales = 1 + np.arange(features) * 0.5


def write(path, rows, shifts):
    data = rng.standard_normal((rows, features)) * scales + shifts * scales
    header = ",".join(f"f{i:02d}" for i in range(features))
    np.savetxt(path, data, fmt="%.6f", delimiter=",", header=header, comments="")


shifts = np.zeros(features)
write(os.path.join(out, "drift-reference.csv"), 70_000, shifts)
shifts[:5] = [0.05, 0.1, 0.15, 0.2, 0.25]
write(os.path.join(out, "drift-current.csv"), 700_000, shifts)
print(out)
