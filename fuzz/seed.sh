#!/usr/bin/env bash
# Writes the seed files of every fuzz corpus (fuzz/corpus/<target>/seed-*) from the published test
# vectors (test-vectors/) and, for the EU DCC targets, from crates/yima-eudcc/tests/data/dgc-testdata,
# deterministically. Files libFuzzer found (not named seed-*) are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q -p yima-core --test fuzz_corpus -- --ignored --exact write_seed_corpora --nocapture
cargo test -q -p yima-qr --test fuzz_corpus -- --ignored --exact write_seed_corpora --nocapture
cargo test -q -p yima-eudcc --test fuzz_corpus -- --ignored --exact write_seed_corpora --nocapture
