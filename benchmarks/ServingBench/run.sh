#!/usr/bin/env bash
# Serving benchmark: `mlops serve` against a Flask + gunicorn + scikit-learn peer, same data, same
# request bodies, measured with `hey` in one run. Needs: apt-get install -y hey python3-flask gunicorn
# python3-sklearn python3-pandas; a Release build of src/Toolkit.Cli. The peer runs one OpenMP thread per
# worker: scikit-learn's OpenMP pool hangs in workers forked after the model was fitted (--preload).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${root}/benchmarks/data/serving"
mlops="dotnet ${root}/src/Toolkit.Cli/bin/Release/net10.0/mlops.dll"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-8}"
mkdir -p "$work"
cd "$work"

$mlops data synth --generator diabetes --rows 20000 --seed 1 --out train.csv >/dev/null 2>&1
$mlops train --data train.csv --label diabetes --algorithm gradient-boosting --out model.tkm >/dev/null 2>&1

# Bodies: one row and 100 rows in dataframe_split, from held-out rows.
python3 - <<'PY'
import csv, json
rows = list(csv.DictReader(open("train.csv")))
columns = [c for c in rows[0] if c != "diabetes"]
def value(c, v):
    if v == "":
        return None
    try:
        return float(v)
    except ValueError:
        return v
def body(n):
    return json.dumps({"dataframe_split": {"columns": columns, "data": [[value(c, r[c]) for c in columns] for r in rows[-n:]]}})
open("one.json", "w").write(body(1))
open("hundred.json", "w").write(body(100))
PY

$mlops serve --file model.tkm --port 18090 >serve.log 2>&1 &
ours=$!
OMP_NUM_THREADS=1 BENCH_DATA="$work/train.csv" gunicorn --preload --chdir "${root}/benchmarks/ServingBench" -w "${PEER_WORKERS:-2}" -b 127.0.0.1:18091 peer_server:app >peer.log 2>&1 &
peer=$!
trap 'kill $ours $peer 2>/dev/null || true' EXIT
for port in 18090 18091; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:${port}/ping" >/dev/null && break; sleep 0.5; done
done

bench() { # name port body
  hey -z "$duration" -c "$connections" -m POST -T application/json -D "$3" "http://127.0.0.1:$2/invocations" >"$1.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$1.txt")
  p99=$(awk '/ 99% in/ {print $3}' "$1.txt")
  echo "$1 requests/s=${rps} p99_s=${p99} statuses: $(grep -A3 'Status code distribution' "$1.txt" | tail -n +2 | tr -s ' ' | tr '\n' ' ')"
}
for side in ours:18090 peer:18091; do
  name=${side%%:*}; port=${side##*:}
  curl -sf -XPOST -H 'content-type: application/json' -d @one.json "http://127.0.0.1:${port}/invocations" >/dev/null
  bench "${name}-1row" "$port" one.json
  bench "${name}-100rows" "$port" hundred.json
done
echo "ours rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$ours/status) (after the load)"
