"""Times scikit-learn fits on the CSV written by LinearBench (fit only, best of N) and prints JSON.
Usage: /usr/bin/python3 sklearn_fit.py data.csv repeats lasso_alpha logreg_c cv"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.linear_model import Lasso, LassoCV, LogisticRegression
from sklearn.model_selection import KFold

warnings.simplefilter("ignore")
path, repeats, alpha, c, cv = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
X = np.asfortranarray(raw[:, :-2].astype(np.float32).astype(np.float64))
y_reg, y_cls = raw[:, -2], raw[:, -1]


def best(make, y):
    times, model = [], None
    for _ in range(repeats):
        model = make()
        t0 = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - t0)
    return min(times) * 1000.0, model


out = {}
ms, m = best(lambda: Lasso(alpha=alpha), y_reg)
out["lasso"] = {"ms": ms, "coef": m.coef_.tolist(), "intercept": float(m.intercept_), "n_iter": int(m.n_iter_)}
ms, m = best(lambda: LogisticRegression(C=c), y_cls)
out["logistic-regression"] = {"ms": ms, "coef": m.coef_.ravel().tolist(), "intercept": float(m.intercept_[0]),
                              "n_iter": int(m.n_iter_[0])}
ms, m = best(lambda: LassoCV(cv=KFold(cv, shuffle=True, random_state=0), n_alphas=100), y_reg)
out["lasso-cv"] = {"ms": ms, "coef": m.coef_.tolist(), "intercept": float(m.intercept_), "alpha": float(m.alpha_)}
print(json.dumps(out))
