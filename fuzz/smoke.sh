#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for a short time (CI smoke test), or longer runs of
# chosen targets:
#
#   fuzz/smoke.sh                        # every target, 20 s each
#   FUZZ_SECONDS=600 fuzz/smoke.sh verify_text cose_parse
#
# New inputs go to a scratch corpus (FUZZ_WORK, default: a temporary directory); the committed corpus
# in fuzz/corpus/<target>/ is only read. Crashes are written to fuzz/artifacts/<target>/. Prints one
# summary line per target (executions, exec/s, peak RSS) and fails loudly on any crash, timeout,
# out-of-memory, build failure or missing tool: nothing is skipped.
set -euo pipefail
if [ -n "${FUZZ_WORK:-}" ]; then
    mkdir -p "$FUZZ_WORK"
    FUZZ_WORK="$(cd "$FUZZ_WORK" && pwd)"
fi
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-20}"
rss_mb="${FUZZ_RSS_MB:-2048}"

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "== installing the nightly toolchain (cargo-fuzz needs it)"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
cargo fuzz --version

echo "== building every fuzz target"
cargo +nightly fuzz build

mapfile -t all < <(cargo +nightly fuzz list)
if [ "${#all[@]}" -eq 0 ]; then
    echo "fuzz/smoke.sh: cargo fuzz list found no targets" >&2
    exit 1
fi
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

work="${FUZZ_WORK:-}"
if [ -z "$work" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi

failed=()
for t in "${targets[@]}"; do
    if [ ! -d "corpus/$t" ] || [ -z "$(ls -A "corpus/$t")" ]; then
        echo "fuzz/smoke.sh: no committed corpus in fuzz/corpus/$t (run fuzz/seed.sh)" >&2
        exit 1
    fi
    # Texts are capped at 4296 bytes and raw COSE at 8192: let inputs go past the caps.
    case "$t" in
        transport_decode | verify_text | presentation_parse | base45_roundtrip) max_len=4400 ;;
        cose_parse | credential_roundtrip | cbor_roundtrip | claims_signed) max_len=8400 ;;
        scan_image) max_len=65536 ;;
        *) max_len=16384 ;;
    esac
    mkdir -p "$work/$t" "artifacts/$t"
    log="$work/$t.log"
    echo "== $t: ${seconds}s"
    status=0
    cargo +nightly fuzz run "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 -max_len="$max_len" \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    if [ "$status" -ne 0 ]; then
        echo "FAIL $t (exit $status) after ${runs:-?} runs; last lines of the log:" >&2
        tail -40 "$log" >&2
        failed+=("$t")
    else
        echo "ok   $t: ${runs} runs, ${eps} exec/s, peak RSS ${rss} MB, ${cov}"
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz/smoke.sh: FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz/smoke.sh: ${#targets[@]} targets passed"
