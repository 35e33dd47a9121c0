"""The whole-job comparison of the tree-ensembles issue: our `mlops train` process (start-up, CSV load,
fit, save) against the peer's pandas read_csv + fit, on the same CSV files, in the same run.

    ./build.sh --target=Publish        # mlops ReadyToRun-published to artifacts/publish/mlops
    /usr/bin/python3 benchmarks/TreeBench/whole_job.py      # data from TreeBench/peers.py gen

Uses the published mlops when present (as the components image ships it), else the Release build.

Prints one row per model with both wall times (best of 3), the ratio, and the test metric of both."""
import json, os, subprocess, sys, tempfile, time

import numpy as np
import pandas as pd

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "benchmarks", "data")
PUBLISHED = os.path.join(ROOT, "artifacts", "publish", "mlops", "mlops.dll")
MLOPS = ["dotnet", PUBLISHED if os.path.exists(PUBLISHED) else os.path.join(ROOT, "src", "Toolkit.Cli", "bin", "Release", "net10.0", "mlops.dll")]
THREADS = os.cpu_count()
REPEATS = 3


def ours(train, test, algorithm, params, task):
    out = os.path.join(tempfile.mkdtemp(), "m.tkm")
    args = MLOPS + ["train", "--data", train, "--label", "y", "--algorithm", algorithm, "--seed", "0", "--out", out, "--task", task]
    for k, v in params.items():
        args += ["--param", f"{k}={v}"]
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    metrics = json.loads(subprocess.run(MLOPS + ["evaluate", "--model", out, "--data", test, "--json"],
                                        check=True, capture_output=True).stdout)
    return best, metrics


def peer(train, make):
    best, model = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        df = pd.read_csv(train, dtype=np.float32)
        x, y = df.drop(columns="y").to_numpy(), df["y"].to_numpy()
        model = make().fit(x, y)
        best = min(best, time.perf_counter() - start)
    return best, model


def main():
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.metrics import mean_squared_error, roc_auc_score
    import xgboost as xgb

    clf_train, clf_test = os.path.join(DATA, "clf_train.csv"), os.path.join(DATA, "clf_test.csv")
    reg_train, reg_test = os.path.join(DATA, "reg_train.csv"), os.path.join(DATA, "reg_test.csv")
    te = pd.read_csv(clf_test, dtype=np.float32)
    xte, yte = te.drop(columns="y").to_numpy(), te["y"].to_numpy()
    rte = pd.read_csv(reg_test, dtype=np.float32)
    rxte, ryte = rte.drop(columns="y").to_numpy(), rte["y"].to_numpy()

    rows = []
    t, m = ours(clf_train, clf_test, "random-forest", {"trees": 100, "max_depth": 12}, "binary-classification")
    pt, pm = peer(clf_train, lambda: RandomForestClassifier(n_estimators=100, max_depth=12, n_jobs=THREADS, random_state=0))
    rows.append(("random forest vs sklearn RF", t, pt, "auc", m["auc"], roc_auc_score(yte, pm.predict_proba(xte)[:, 1])))

    t, m = ours(clf_train, clf_test, "gradient-boosting", {"rounds": 100, "max_depth": 6}, "binary-classification")
    pt, pm = peer(clf_train, lambda: xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=THREADS, random_state=0))
    ht, _ = peer(clf_train, lambda: HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0))
    rows.append(("gradient boosting vs XGBoost", t, pt, "auc", m["auc"], roc_auc_score(yte, pm.predict_proba(xte)[:, 1])))
    rows.append(("gradient boosting vs HistGB", t, ht, "", float("nan"), float("nan")))

    t, m = ours(reg_train, reg_test, "gradient-boosting", {"rounds": 100, "max_depth": 6}, "regression")
    pt, pm = peer(reg_train, lambda: xgb.XGBRegressor(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=THREADS, random_state=0))
    rows.append(("gb regression vs XGBoost", t, pt, "rmse", m["rmse"], mean_squared_error(ryte, pm.predict(rxte)) ** 0.5))

    print(f"mlops: {MLOPS[1]}")
    print(f"{'whole job (best of 3)':32} {'mlops train':>12} {'peer':>9} {'ratio':>7}   metric: ours / peer")
    for name, t, pt, metric, ours_m, peer_m in rows:
        tail = f"   {metric}: {ours_m:.4f} / {peer_m:.4f}" if metric else ""
        print(f"{name:32} {t:11.2f}s {pt:8.2f}s {t / pt:6.2f}x{tail}")


if __name__ == "__main__":
    sys.exit(main())
