"""DriftBench: `mlops drift` against pandas read_csv + scipy ks_2samp + wasserstein_distance per feature.

Whole processes, alternating (mlops, peer, mlops, peer, ...) so both see the same machine; reports the
median wall and CPU seconds of each and the median of the per-pair wall ratios, then checks that every
feature's KS statistic is equal and p-value and Wasserstein agree within 1e-6 relative.

    /usr/bin/python3 benchmarks/DriftBench/run.py [runs] [path/to/mlops.dll]

The default mlops is the ReadyToRun build that `./build.sh --target=Publish` makes (artifacts/publish/mlops).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
data = os.path.join(root, "benchmarks", "data")
reference = os.path.join(data, "drift-reference.csv")
current = os.path.join(data, "drift-current.csv")
if not os.path.exists(current):
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_data.py"), data], check=True)

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
mlops = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "artifacts", "publish", "mlops", "mlops.dll")
ours = ["dotnet", mlops, "drift", "--reference", reference, "--current", current, "--json"]
peer = ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "peer.py"), reference, current]


def timed(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 3):
        raise SystemExit(f"{command[0]} exited {done.returncode}")
    return wall, cpu, after.ru_maxrss / 1024, done.stdout


timed(ours)
timed(peer)  # warm-up: file cache, JIT-free start
figures = {"mlops": [], "peer": []}
ratios = []
for _ in range(runs):
    a = timed(ours)
    b = timed(peer)
    figures["mlops"].append(a)
    figures["peer"].append(b)
    ratios.append(b[0] / a[0])

for name, rows in figures.items():
    print(f"{name:6s} wall {statistics.median(r[0] for r in rows):6.2f} s  cpu {statistics.median(r[1] for r in rows):6.2f} s")
print(f"peer / mlops wall, median of {runs} pairs: {statistics.median(ratios):.1f}x (min {min(ratios):.1f}x, max {max(ratios):.1f}x)")

ours_json = json.loads(figures["mlops"][-1][3])
peer_json = json.loads(figures["peer"][-1][3])
bad = []
for f in ours_json["features"]:
    p = peer_json[f["name"]]
    if f["statistic"] != p["statistic"] or abs(f["p_value"] - p["p_value"]) > 1e-6 * abs(p["p_value"]) \
            or abs(f["wasserstein"] - p["wasserstein"]) > 1e-6 * abs(p["wasserstein"]):
        bad.append((f["name"], f["statistic"], p["statistic"], f["p_value"], p["p_value"], f["wasserstein"], p["wasserstein"]))
print("statistics equal to scipy's" if not bad else f"MISMATCH: {bad}")
