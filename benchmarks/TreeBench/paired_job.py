"""Two builds of `mlops train` against each other (say, before and after a change to the trainers),
in the same run, alternating A B A B so that both see the same machine load, on the same data.

    /usr/bin/python3 benchmarks/TreeBench/paired_job.py NEW/mlops.dll OLD/mlops.dll [RUNS]

Each job: one warm-up of each build, then RUNS pairs (default 15). Prints, per job, the median wall
and CPU seconds (this process's children: user + system) of both, the median of the pair-by-pair
ratios NEW/OLD, and whether the two builds wrote the same model bytes. On a shared machine quote
the CPU ratio: wall time follows the load of the other users.

Data: TreeBench's `peers.py gen` files, and a 20,000-row `mlops data synth --generator diabetes`
(missing values, categorical columns) written to benchmarks/data/ on first use."""
import filecmp, os, resource, statistics, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "benchmarks", "data")


def jobs():
    clf, reg = os.path.join(DATA, "clf_train.csv"), os.path.join(DATA, "reg_train.csv")
    diabetes = os.path.join(DATA, "diabetes_20k.csv")
    gb = ["--algorithm", "gradient-boosting", "--param", "rounds=100"]
    return [
        ("gradient boosting, depth 6 (clf 70k x 20)", ["--data", clf, "--label", "y", "--task", "binary-classification", *gb, "--param", "max_depth=6"]),
        ("gradient boosting, 31 leaves (clf 70k x 20)", ["--data", clf, "--label", "y", "--task", "binary-classification", *gb, "--param", "num_leaves=31", "--param", "max_depth=0"]),
        ("gradient boosting regression, depth 6 (70k x 20)", ["--data", reg, "--label", "y", "--task", "regression", *gb, "--param", "max_depth=6"]),
        ("early stopping, subsample 0.8, missing values (diabetes 20k)",
         ["--data", diabetes, "--label", "diabetes", "--algorithm", "gradient-boosting", "--param", "rounds=400",
          "--param", "early_stopping_rounds=5", "--param", "learning_rate=0.3", "--param", "subsample=0.8"]),
    ]


def timed(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    new, old = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    diabetes = os.path.join(DATA, "diabetes_20k.csv")
    if not os.path.exists(diabetes):
        subprocess.run(["dotnet", new, "data", "synth", "--generator", "diabetes", "--rows", "20000", "--seed", "7", "--out", diabetes],
                       check=True, capture_output=True)
    out = tempfile.mkdtemp()
    print(f"A = {new}\nB = {old}\n{runs} pairs per job, A B A B ...; medians")
    print(f"{'job':62} {'A wall':>7} {'B wall':>7} {'A/B':>6} {'A cpu':>7} {'B cpu':>7} {'A/B':>6}  bytes")
    for name, args in jobs():
        a_model, b_model = os.path.join(out, "a.tkm"), os.path.join(out, "b.tkm")
        a = ["dotnet", new, "train", "--seed", "0", "--out", a_model, *args]
        b = ["dotnet", old, "train", "--seed", "0", "--out", b_model, *args]
        timed(a), timed(b)
        pairs = [(timed(a), timed(b)) for _ in range(runs)]
        med = statistics.median
        aw, bw = med(p[0][0] for p in pairs), med(p[1][0] for p in pairs)
        ac, bc = med(p[0][1] for p in pairs), med(p[1][1] for p in pairs)
        rw, rc = med(p[0][0] / p[1][0] for p in pairs), med(p[0][1] / p[1][1] for p in pairs)
        same = "same" if filecmp.cmp(a_model, b_model, shallow=False) else "DIFFER"
        print(f"{name:62} {aw:6.2f}s {bw:6.2f}s {rw:5.2f}x {ac:6.2f}s {bc:6.2f}s {rc:5.2f}x  {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
