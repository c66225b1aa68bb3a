#!/usr/bin/env bash
# Builds the benchmarks jar and runs every JMH benchmark, comparing Cutover with plain OkHttp/JDK.
#
#   benchmarks/run.sh            full run: JSON and a Markdown table in benchmarks/results/
#   benchmarks/run.sh --overhead wrapped / plain per request, paired and interleaved
#                                (OverheadBenchmark): benchmarks/results/<yyyy-mm-dd>-overhead.md
#   benchmarks/run.sh --quick    one short iteration of each, the overhead harness included, to
#                                prove they all still run (CI)
#   benchmarks/run.sh [--quick] [--no-build] [JMH options or benchmark regexps...]
#   benchmarks/run.sh --overhead [--no-build] [OverheadBenchmark options...]
#
# Full mode takes about 13 minutes on 2 cores; --overhead under 5; --quick about 1 minute
# including the build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mode=full
build=true
extra=()
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --overhead) mode=overhead ;;
    --no-build) build=false ;;
    *) extra+=("$arg") ;;
  esac
done

if $build; then
  # No tests, no javadoc: verify covers those; this only needs the shaded jar.
  ./mvnw -B -q -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip=true
fi
jar="$root/benchmarks/target/benchmarks.jar"

stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"

machine() {
  echo "- CPUs (nproc): $(nproc)"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "- JDK: $(java -version 2>&1 | head -2 | tr '\n' ' ')"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
}

# Plain and wrapped clients take turns in the same forks (see OverheadBenchmark's javadoc).
# Defaults: 5 forks per protocol, each 3 s (at least 100 rounds) of warm-up and 8 s measured in
# 8 epochs with new clients each: under 5 minutes at a load of up to ~18 on 2 cores.
overhead() {
  local out="$1"
  shift
  local report
  report="$(mktemp)"
  local started=$SECONDS uptime_before
  uptime_before="$(uptime)"
  java -cp "$jar" dev.cutover.benchmarks.OverheadBenchmark --out "$report" --raw "${out%.md}.raw" "$@"
  {
    echo "## Overhead ${stamp} (OverheadBenchmark $*)"
    echo
    machine
    echo "- uptime before: ${uptime_before}"
    echo "- uptime after:  $(uptime)"
    echo "- Took: $((SECONDS - started)) s"
    echo "- Every round: \`$(basename "${out%.md}.raw")\` (\`java -cp benchmarks/target/benchmarks.jar" \
      "dev.cutover.benchmarks.OverheadBenchmark --analyse FILE\` reports on it again)"
    echo
    cat "$report"
  } > "$out"
  rm -f "$report"
  cat "$out"
  echo
  echo "Wrote $out"
}

if [[ $mode == overhead ]]; then
  mkdir -p "$root/benchmarks/results"
  # One file per day, the day's last run: README.md quotes it by name.
  overhead "$root/benchmarks/results/$(date -u +%Y-%m-%d)-overhead.md" "${extra[@]}"
  exit 0
fi
if [[ $mode == quick && ${#extra[@]} -eq 0 ]]; then
  # Proves that each benchmark sets up, runs and tears down; the numbers are only indicative.
  jmh_args=(-f 1 -wi 1 -i 1 -w 1s -r 1s)
  outdir="$root/benchmarks/target/quick"
else
  jmh_args=(-f 2 -wi 3 -i 5 -w 2s -r 2s)
  outdir="$root/benchmarks/results"
fi
mkdir -p "$outdir"
json="$outdir/$stamp.json"
md="$outdir/$stamp.md"

# -foe: a benchmark that throws fails the run (and CI), instead of being skipped quietly.
java -jar "$jar" "${jmh_args[@]}" -foe true -prof gc -rf json -rff "$json" "${extra[@]}"
heap_row="$(java -XX:+UseSerialGC -cp "$jar" dev.cutover.benchmarks.HeapFootprint)"

{
  echo "## Results ${stamp} (${mode}: ${jmh_args[*]} ${extra[*]:-})"
  echo
  machine
  echo
  python3 - "$json" "$heap_row" <<'PY'
import json, sys

results = json.load(open(sys.argv[1]))
heap_row = sys.argv[2]
# Each Cutover benchmark and the plain OkHttp/JDK one it is compared with.
baseline = {"wrapped": "plain", "cutover": "system", "cutover2Threads": "system2Threads"}

def key(r):
    cls, _, method = r["benchmark"].rpartition(".")
    params = ", ".join(f"{k}={v}" for k, v in sorted((r.get("params") or {}).items()))
    return cls.rsplit(".", 1)[-1], method, params

def fmt(x):
    x = float(x)  # JMH writes "NaN" as a string
    if x != x:  # NaN: a single iteration has no error
        return ""
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"

scores = {key(r): r["primaryMetric"]["score"] for r in results}
print("| benchmark | params | score | ± error | units | B/op | ratio to plain |")
print("|---|---|---:|---:|---|---:|---:|")
for r in results:
    cls, method, params = key(r)
    pm = r["primaryMetric"]
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
    ratio = ""
    base = scores.get((cls, baseline.get(method), params))
    if base:
        ratio = f"{pm['score'] / base:.3f}"
    print(f"| {cls}.{method} | {params} | {fmt(pm['score'])} | {fmt(pm['scoreError'])} "
          f"| {pm['scoreUnit']} | {'' if alloc is None else round(float(alloc))} | {ratio} |")
if heap_row:
    print(heap_row + "  |  |")  # HeapFootprint fills the first five columns
PY
} > "$md"

cat "$md"
echo
echo "Wrote $json and $md"

if [[ $mode == quick && ${#extra[@]} -eq 0 ]]; then
  # Proves that the harness forks, measures and reports; far too short for its numbers to mean
  # anything.
  overhead "$outdir/${stamp}-overhead.md" --forks 1 --warmup 1 --warmup-rounds 5 --measure 1 \
    --block 20 --skeleton
fi
