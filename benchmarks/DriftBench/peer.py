"""The peer: pandas read_csv of both files, then scipy's ks_2samp and wasserstein_distance per feature."""
import json
import sys

import pandas as pd
from scipy import stats

reference = pd.read_csv(sys.argv[1])
current = pd.read_csv(sys.argv[2])
out = {}
for name in reference.columns:
    a = reference[name].dropna().to_numpy()
    b = current[name].dropna().to_numpy()
    ks = stats.ks_2samp(a, b)
    out[name] = {"statistic": float(ks.statistic), "p_value": float(ks.pvalue), "wasserstein": float(stats.wasserstein_distance(a, b))}
print(json.dumps(out))
