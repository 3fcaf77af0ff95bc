#!/usr/bin/python3
"""The peer of bench/HeadFit: scikit-learn's LogisticRegression (lbfgs) on the same features, the same protocol.

Usage: /usr/bin/python3 bench/head_sklearn.py FEATURES_DIR [cold|warm]
FEATURES_DIR holds {train,val,test}_{x,y}.npy from `HeadFit dump`. The protocol of TransferSharp's head: features
standardised on the training split, the L2 penalty chosen from the same nine values on validation log-loss, a refit on
train + validation, 5-fold out-of-fold probabilities at the chosen penalty. TransferSharp's objective is mean
cross-entropy + decay/2 |W|^2, scikit-learn's C * sum + 1/2 |W|^2: C = 1 / (decay * N). cold: every fit from zeros, as
LogisticRegression is usually called; warm: warm_start along the path, strongest penalty first. One JSON line.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

folder, mode = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "cold")
load = lambda name: np.load(f"{folder}/{name}.npy")
train_x, val_x, test_x = load("train_x"), load("val_x"), load("test_x")
train_y, val_y, test_y = (load(n).ravel().astype(int) for n in ("train_y", "val_y", "test_y"))
decays = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]

start = time.perf_counter()
scaler = StandardScaler().fit(train_x)
xs, vs = scaler.transform(train_x), scaler.transform(val_x)
model = LogisticRegression(max_iter=300, warm_start=(mode == "warm"))
losses = {}
for decay in sorted(decays, reverse=True):
    if mode == "cold":
        model = LogisticRegression(max_iter=300)
    model.set_params(C=1 / (decay * len(train_y)))
    model.fit(xs, train_y)
    losses[decay] = log_loss(val_y, model.predict_proba(vs), labels=np.arange(10))
best = min(decays, key=lambda d: losses[d])
all_x, all_y = np.concatenate([train_x, val_x]), np.concatenate([train_y, val_y])
final = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300, C=1 / (best * len(all_y))))
final.fit(all_x, all_y)
path_seconds = time.perf_counter() - start
start = time.perf_counter()
folds = StratifiedKFold(5, shuffle=True, random_state=0)
fold_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300, C=1 / (best * len(all_y) * 0.8)))
cross_val_predict(fold_model, all_x, all_y, cv=folds, method="predict_proba")
fold_seconds = time.perf_counter() - start
print(json.dumps({
    "solver": f"sklearn-lbfgs-{mode}", "sklearn": sklearn.__version__, "train": len(train_y),
    "width": train_x.shape[1], "weight_decay": best, "val_log_loss": round(losses[best], 4),
    "test_accuracy": round(float((final.predict(test_x) == test_y).mean()), 4),
    "seconds_path_and_refit": round(path_seconds, 2), "seconds_out_of_fold": round(fold_seconds, 2),
    "seconds_head": round(path_seconds + fold_seconds, 2),
}))
