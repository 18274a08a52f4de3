"""Peer of bench/glm_bench.cpp: statsmodels' GLM (IRLS) on the same CSV,
timed from the arrays in memory.   python3 bench/glm_peer.py FILE.csv"""
import sys
import time

import numpy as np
import statsmodels.api as sm

data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
y = data[:, 0]
x = sm.add_constant(data[:, 1:])
start = time.perf_counter()
fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(tol=1e-8)
elapsed = time.perf_counter() - start
print(f"statsmodels_seconds {elapsed:.3f} iterations {fit.fit_history['iteration']} deviance {fit.deviance:.10g}")
