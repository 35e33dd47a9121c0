"""Reference figures for the metrics tests, computed once with Debian's python3-sklearn (1.2.1):
/usr/bin/python3 tests/Toolkit.Ml.Tests/Metrics/sklearn_reference.py"""
from sklearn.metrics import (accuracy_score, precision_score, recall_score, f1_score, roc_auc_score,
                             average_precision_score, log_loss, mean_squared_error, mean_absolute_error,
                             r2_score, mean_absolute_percentage_error, confusion_matrix)

def cls(name, y, p, t=0.5):
    pred = [1 if v >= t else 0 for v in p]
    print(name, "threshold", t)
    print("  accuracy", repr(accuracy_score(y, pred)), "precision", repr(precision_score(y, pred, zero_division=0)),
          "recall", repr(recall_score(y, pred, zero_division=0)), "f1", repr(f1_score(y, pred, zero_division=0)))
    print("  auc", repr(roc_auc_score(y, p)), "ap", repr(average_precision_score(y, p)), "logloss", repr(log_loss(y, p, eps=1e-15)))
    print("  confusion tn fp fn tp", confusion_matrix(y, pred, labels=[0, 1]).ravel().tolist())

y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0]
p = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.4, 0.2, 0.65, 0.7, 0.5, 0.05]
cls("ties", y, p)
cls("ties t=0.3", y, p, 0.3)
cls("extremes", [0, 1, 1, 0, 1], [0.0, 1.0, 0.0, 0.3, 0.999])

def reg(name, a, q):
    print(name, "rmse", repr(mean_squared_error(a, q) ** 0.5), "mae", repr(mean_absolute_error(a, q)),
          "r2", repr(r2_score(a, q)), "mape", repr(mean_absolute_percentage_error(a, q)))

reg("basic", [3.0, -0.5, 2.0, 7.0, 4.25, -1.5], [2.5, 0.0, 2.0, 8.0, 4.0, -1.0])
reg("zero actual", [0.0, 1.0, 2.0], [0.5, 1.0, 2.5])
