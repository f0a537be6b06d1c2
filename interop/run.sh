#!/usr/bin/env bash
# Interoperability checks (issue 6 §3 and §4): yima against pycose, and yima's QR codes against zbar,
# zxing-cpp and segno; plus spec_verifier.py, a verifier written from docs/format.md alone, over the
# test vectors, and venue_verifier.py, a venue scanner (trust bundles, status lists, policy, verdict,
# presentations) written the same way, over the venue vectors. Installs what it needs, builds the yima
# binary, runs the Python checks, and ends with one line 'N passed, M failed'. Exit status 0 only when
# every check passed.
# Set INTEROP_KEEP=1 to keep the scratch directory with the generated keys, texts and PNGs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

passed=0
failed=0
status=0
# A setup step that fails still ends with the totals line.
abort() {
    echo "interop: $1 failed"
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
}

echo "== interop: tools"
if ! command -v zbarimg >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq || abort "apt-get update"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zbar-tools >/dev/null || abort "installing zbar-tools"
fi
python3 -m pip install -q -r interop/requirements.txt || abort "pip install -r interop/requirements.txt"
python3 - <<'EOF' || abort "importing the Python packages"
import sys
from importlib.metadata import version
pkgs = ["pycose", "cbor2", "cryptography", "zxing-cpp", "pillow", "segno"]
print("python " + sys.version.split()[0] + "; " + ", ".join(f"{p} {version(p)}" for p in pkgs))
EOF
echo "zbarimg $(zbarimg --version)"

echo "== interop: build"
cargo build -q -p yima-cli || abort "cargo build -p yima-cli"
yima="${CARGO_TARGET_DIR:-$root/target}/debug/yima"
"$yima" --version || abort "running $yima"

work=$(mktemp -d "${TMPDIR:-/tmp}/yima-interop.XXXXXX")
if [ "${INTEROP_KEEP:-0}" = 1 ]; then
    echo "scratch directory kept: $work"
else
    trap 'rm -rf "$work"' EXIT
fi

for check in pycose_check qr_readers_check spec_verifier venue_verifier; do
    echo "== interop: $check"
    log="$work/$check.log"
    set +e
    python3 "interop/$check.py" --yima "$yima" --repo "$root" --work "$work/$check" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    totals=$(grep -E "^TOTALS $check passed=[0-9]+ failed=[0-9]+" "$log" | tail -n 1 || true)
    if [ -z "$totals" ]; then
        echo "$check: no totals line (exit $rc); counted as one failure"
        failed=$((failed + 1))
        status=1
        continue
    fi
    p=$(sed -E 's/.* passed=([0-9]+).*/\1/' <<<"$totals")
    f=$(sed -E 's/.* failed=([0-9]+).*/\1/' <<<"$totals")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
        status=1
        if [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi  # a non-zero exit with no failed check
    fi
done

bash interop/pkcs11.sh || { echo "interop/pkcs11.sh failed"; failed=$((failed + 1)); status=1; }

echo "== interop: done"
echo "$passed passed, $failed failed"
exit "$status"
