#!/usr/bin/env bash
# PKCS#11 interoperability: yima signing with Ed25519 keys held in SoftHSM2, with OpenSC's pkcs11-tool as
# an independent peer. Installs softhsm2 and opensc if missing, initialises a throw-away token (its own
# SOFTHSM2_CONF and token directory), runs the live tests of crates/yima-pkcs11/tests/softhsm.rs, then
# drives the real CLI end to end: keys made by pkcs11-tool and by `yima keygen --pkcs11` sign credentials,
# a status list and a trust bundle, and `yima verify` / `yima trust show` accept them with the exported
# public keys. Ends with one line 'N passed, M failed'; exit status 0 only when every check passed.
# Nothing is skipped: a missing tool or module is a failure. INTEROP_KEEP=1 keeps the scratch directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

passed=0
failed=0
abort() {
    echo "pkcs11: $1 failed"
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
}
ok() {
    echo "ok   $1"
    passed=$((passed + 1))
}
bad() {
    echo "FAIL $1"
    failed=$((failed + 1))
}
# check NAME EXPECTED_EXIT CMD...: runs CMD, output in $work/NAME.log.
check() {
    local name=$1 want=$2
    shift 2
    local rc=0
    "$@" >"$work/$name.log" 2>&1 || rc=$?
    if [ "$rc" -eq "$want" ]; then
        ok "$name"
    else
        bad "$name (exit $rc, wanted $want)"
        sed 's/^/    /' "$work/$name.log"
    fi
}
# check_stderr NAME CODE CMD...: CMD must exit 2 naming the error code CODE.
check_code() {
    local name=$1 code=$2
    shift 2
    local rc=0
    "$@" >"$work/$name.log" 2>&1 || rc=$?
    if [ "$rc" -eq 2 ] && grep -qF "($code)" "$work/$name.log"; then
        ok "$name"
    else
        bad "$name (exit $rc, wanted 2 with $code)"
        sed 's/^/    /' "$work/$name.log"
    fi
}

echo "== pkcs11: tools"
if ! command -v softhsm2-util >/dev/null 2>&1 || ! command -v pkcs11-tool >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq || abort "apt-get update"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq softhsm2 opensc >/dev/null ||
        abort "installing softhsm2 and opensc"
fi
module=""
for candidate in "${YIMA_TEST_PKCS11_MODULE:-}" /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then
        module=$candidate
        break
    fi
done
[ -n "$module" ] || abort "finding libsofthsm2.so"
echo "softhsm2-util $(softhsm2-util --version); $(pkcs11-tool --version 2>&1 | head -n 1 || true); module $module"

work=$(mktemp -d "${TMPDIR:-/tmp}/yima-pkcs11.XXXXXX")
if [ "${INTEROP_KEEP:-0}" = 1 ]; then
    echo "scratch directory kept: $work"
else
    trap 'rm -rf "$work"' EXIT
fi

echo "== pkcs11: token"
token=yima-test
pin=123456
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" >"$work/softhsm2.conf"
export SOFTHSM2_CONF=$work/softhsm2.conf
softhsm2-util --init-token --free --label "$token" --so-pin 87654321 --pin "$pin" >/dev/null ||
    abort "softhsm2-util --init-token"
printf '%s\n' "$pin" >"$work/pin"
chmod 600 "$work/pin"
tool() { pkcs11-tool --module "$module" --token-label "$token" "$@"; }

echo "== pkcs11: live library tests (crates/yima-pkcs11/tests/softhsm.rs)"
rc=0
YIMA_TEST_PKCS11_MODULE=$module YIMA_TEST_PKCS11_TOKEN=$token YIMA_TEST_PKCS11_PIN=$pin \
    cargo test -q -p yima-pkcs11 --test softhsm -- --ignored --test-threads 1 2>&1 | tee "$work/cargo-test.log" ||
    rc=$?
if [ "$rc" -eq 0 ] && grep -qE '^test result: ok\. [1-9][0-9]* passed' "$work/cargo-test.log"; then
    ok "cargo test -p yima-pkcs11 --test softhsm -- --ignored"
else
    bad "cargo test -p yima-pkcs11 --test softhsm -- --ignored (exit $rc, or no test ran)"
fi

echo "== pkcs11: CLI end to end"
cargo build -q -p yima-cli || abort "cargo build -p yima-cli"
yima="${CARGO_TARGET_DIR:-$root/target}/debug/yima"
"$yima" --version || abort "running $yima"
cd "$work"

# A key pair made by pkcs11-tool (the peer); its public key exported as SPKI PEM.
tool --login --pin "$pin" --keypairgen --key-type EC:edwards25519 --label issuer --id 01 >/dev/null ||
    abort "pkcs11-tool --keypairgen"
tool --read-object --type pubkey --label issuer -o issuer.pub >/dev/null || abort "pkcs11-tool --read-object"
# Another key pair with the same CKA_ID under another label: the public half must still be found by the pair.
tool --login --pin "$pin" --keypairgen --key-type EC:edwards25519 --label issuer-twin --id 01 >/dev/null ||
    abort "pkcs11-tool --keypairgen (twin)"
uri="pkcs11:token=$token;object=issuer?module-path=$module&pin-source=$work/pin"
health=(--issuer SH --holder-name '金*' --holder-id 3f9c510ea247d86b --region 310104 --status green)

check issue-hsm 0 "$yima" issue health-code --key "$uri" "${health[@]}" --valid-for 24h --out code.txt
check verify-hsm-code 0 "$yima" verify code.txt --key issuer.pub
# The same URI with the PIN from the environment and the module from YIMA_PKCS11_MODULE.
check issue-hsm-env 0 env YIMA_PKCS11_MODULE="$module" YIMA_PKCS11_PIN="$pin" \
    "$yima" issue health-code --key "pkcs11:token=$token;object=issuer" "${health[@]}" --out code-env.txt
check verify-hsm-env 0 "$yima" verify code-env.txt --key issuer.pub
# A key that is not the token's must not verify it.
"$yima" keygen --out other >/dev/null
check verify-other-key-rejects 1 "$yima" verify code.txt --key other.pub

# issue-batch: worker threads share the HSM signer.
printf 'holder_name,holder_id,region,status\n张*,3f9c510ea247d86b,310104,green\n李*,4a9c510ea247d86c,310105,yellow\n王*,5b9c510ea247d86d,310106,red\n' >people.csv
check issue-batch-hsm 0 "$yima" issue-batch --key "$uri" --issuer SH --input people.csv --out codes.jsonl
batch_ok=1
n=0
while IFS= read -r text; do
    n=$((n + 1))
    "$yima" verify "$text" --key issuer.pub >/dev/null 2>&1 || batch_ok=0
done < <(python3 -c 'import json,sys; [print(json.loads(l)["text"]) for l in open(sys.argv[1])]' codes.jsonl 2>/dev/null || true)
if [ "$batch_ok" = 1 ] && [ "$n" = 3 ]; then ok "verify-batch-hsm (3 rows)"; else bad "verify-batch-hsm ($n rows read)"; fi

# A status list and a trust bundle signed in the HSM.
"$yima" status new --out sh-1.json --issuer SH --list-id 1 --size 1000 >/dev/null
check status-publish-hsm 0 "$yima" status publish --list sh-1.json --key "$uri" --out sh-1.status
"$yima" trust init --out trust.json --valid-for 7d >/dev/null
"$yima" trust add-issuer --draft trust.json --name SH --key issuer.pub --kinds health-code \
    --valid-from 2020-01-01T00:00:00Z --valid-for 36500d >/dev/null
check trust-add-status 0 "$yima" trust add-status --draft trust.json --list sh-1.status
check trust-sign-hsm 0 "$yima" trust sign --draft trust.json --key "$uri" --out bundle.cwt
check trust-show-hsm 0 "$yima" trust show bundle.cwt --bundle-key issuer.pub
check verify-with-hsm-bundle 0 "$yima" verify code.txt --bundle bundle.cwt --bundle-key issuer.pub \
    --state "$work/scanner-state"

# yima keygen --pkcs11: the key pair is generated in the token; only gen.pub is written.
gen_uri="pkcs11:token=$token;object=yima-gen?module-path=$module&pin-source=file://$work/pin"
check keygen-pkcs11 0 "$yima" keygen --pkcs11 "$gen_uri" --out gen
if [ -f gen.pub ] && [ ! -e gen.key ]; then ok "keygen-pkcs11-writes-only-pub"; else bad "keygen-pkcs11-writes-only-pub"; fi
check issue-generated 0 "$yima" issue health-code --key "$gen_uri" "${health[@]}" --out gen-code.txt
check verify-generated 0 "$yima" verify gen-code.txt --key gen.pub
# pkcs11-tool agrees: the generated public key it exports is the one yima wrote.
tool --read-object --type pubkey --label yima-gen -o gen-peer.pub >/dev/null 2>&1 || true
if [ -f gen-peer.pub ] && cmp -s gen.pub gen-peer.pub; then ok "pkcs11-tool-exports-same-key"; else bad "pkcs11-tool-exports-same-key"; fi
check_code keygen-pkcs11-label-taken pkcs11.key-exists "$yima" keygen --pkcs11 "$gen_uri" --out gen2

# Errors from a real token.
check_code wrong-pin pkcs11.login "$yima" issue health-code \
    --key "pkcs11:token=$token;object=issuer?module-path=$module&pin-value=000000" "${health[@]}"
if grep -q 000000 "$work/wrong-pin.log"; then bad "wrong-pin-not-echoed"; else ok "wrong-pin-not-echoed"; fi
check_code unknown-label pkcs11.key-not-found "$yima" issue health-code \
    --key "pkcs11:token=$token;object=no-such-key?module-path=$module&pin-source=$work/pin" "${health[@]}"
check_code unknown-token pkcs11.token-not-found "$yima" issue health-code \
    --key "pkcs11:token=no-such-token;object=issuer?module-path=$module&pin-source=$work/pin" "${health[@]}"

cd "$root"
echo "== pkcs11: done"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
