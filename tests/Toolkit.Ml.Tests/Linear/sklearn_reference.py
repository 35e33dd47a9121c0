"""Reference figures for LinearModelTests, computed once with Debian's python3-sklearn (1.2.1):
/usr/bin/python3 tests/Toolkit.Ml.Tests/Linear/sklearn_reference.py
The data set is the same closed-form formula as LinearTestData.cs (float32 features)."""
import numpy as np
from sklearn.linear_model import Lasso, ElasticNet, Ridge, LogisticRegression, LassoCV, ElasticNetCV
from sklearn.metrics import mean_squared_error, r2_score, roc_auc_score, log_loss, accuracy_score

N, P = 80, 6
X = np.zeros((N, P), dtype=np.float32)
for i in range(N):
    for j in range(P):
        X[i, j] = np.float32(((i * 37 + j * 101 + i * j * 7) % 97) / 48.5 - 1.0)
Xd = X.astype(np.float64)
noise = np.array([((i * 53) % 29) / 29.0 - 0.5 for i in range(N)])
y = 1.5 * Xd[:, 0] - 2.0 * Xd[:, 1] + 0.5 * Xd[:, 2] + 0.25 * noise + 3.0
score = 0.8 * Xd[:, 0] - 1.2 * Xd[:, 1] + 0.3 * Xd[:, 2] + 1.5 * noise
yc = (score > 0).astype(np.float64)
np.set_printoptions(precision=17)

def show(name, m, Xe=Xd, ye=y):
    print(name, repr(list(m.coef_.ravel())), repr(float(np.ravel(m.intercept_)[0]) if np.ndim(m.intercept_) else float(m.intercept_)))

for a in [0.1, 0.01]:
    show(f"lasso alpha={a}", Lasso(alpha=a).fit(Xd, y))
show("enet alpha=0.1 l1=0.5", ElasticNet(alpha=0.1, l1_ratio=0.5).fit(Xd, y))
show("enet alpha=0.05 l1=0.2 noint", ElasticNet(alpha=0.05, l1_ratio=0.2, fit_intercept=False).fit(Xd, y))
show("ridge alpha=1", Ridge(alpha=1.0).fit(Xd, y))
show("ridge alpha=0 (ols)", Ridge(alpha=0.0).fit(Xd, y))
show("ridge alpha=5 noint", Ridge(alpha=5.0, fit_intercept=False).fit(Xd, y))
m = Lasso(alpha=0.1).fit(Xd, y)
p = m.predict(Xd)
print("lasso 0.1 rmse r2", repr(mean_squared_error(y, p) ** 0.5), repr(r2_score(y, p)))
yct = y - y.mean()
print("alpha_max", repr(np.max(np.abs(Xd.T @ yct)) / N))
for c in [1.0, 0.05]:
    lr = LogisticRegression(C=c, tol=1e-12, max_iter=100000).fit(Xd, yc)
    show(f"logreg C={c}", lr)
    pr = lr.predict_proba(Xd)[:, 1]
    print("  acc auc logloss", repr(accuracy_score(yc, (pr >= 0.5))), repr(roc_auc_score(yc, pr)), repr(log_loss(yc, pr, eps=1e-15)))
lr = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000, fit_intercept=False).fit(Xd, yc)
show("logreg C=1 noint", lr)
print("positives", int(yc.sum()))
folds = [(np.array([i for i in range(N) if i % 5 != f]), np.array([i for i in range(N) if i % 5 == f])) for f in range(5)]
cv = LassoCV(cv=folds, n_alphas=100, eps=1e-3).fit(Xd, y)
print("lassocv alpha", repr(cv.alpha_), "index", int(np.where(cv.alphas_ == cv.alpha_)[0][0]), "first alphas", repr(list(cv.alphas_[:3])), "last", repr(cv.alphas_[-1]))
print("lassocv mse min", repr(cv.mse_path_.mean(axis=1).min()), repr(list(cv.mse_path_.mean(axis=1)[:3])))
show("lassocv", cv)
cv = ElasticNetCV(cv=folds, l1_ratio=0.5, n_alphas=100, eps=1e-3).fit(Xd, y)
print("enetcv alpha", repr(cv.alpha_), "index", int(np.where(cv.alphas_ == cv.alpha_)[0][0]))
show("enetcv", cv)
