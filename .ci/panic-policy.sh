#!/usr/bin/env bash
# Panic policy for library code (crates/*/src and cli/src, except the CLI's main.rs and the test-only
# crates/yima-testkit, a dev-dependency that is never linked into shipped code and holds the tests'
# counting allocator; `#[cfg(test)]` and `#[cfg(all(test, ...))]` items, comments and doc comments are
# not scanned):
#
#  1. no `.unwrap()`, `.expect(`, `panic!`, `unreachable!`, `todo!`, `unimplemented!` without a
#     `// safe: <reason>` comment on the same line or in the comment block just above it;
#  2. no `allow`/`expect` of the clippy lints that catch them (`unwrap_used`, `expect_used`, `panic`,
#     `indexing_slicing`, `todo`, `unreachable`, `unimplemented`) without such a comment: unchecked
#     indexing is found by clippy (the workspace warns on `clippy::indexing_slicing` and CI denies
#     warnings), so silencing clippy is what this script must catch;
#  3. those lints are still enabled in the workspace, and every crate opts into the workspace lints;
#  4. no `allow(unsafe_code)` in library code, and every crate root keeps `#![forbid(unsafe_code)]`.
#
# Exit status 1 with one line per finding (file:line: what) if anything is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
fail() {
    echo "panic-policy: $*" >&2
    status=1
}

testkit=crates/yima-testkit
grep -q '^publish = false' "$testkit/Cargo.toml" || fail "$testkit must stay publish = false (it is exempt as test-only)"
for manifest in crates/*/Cargo.toml cli/Cargo.toml; do
    # The exemption holds only while no shipped crate depends on the testkit outside [dev-dependencies].
    awk '/^\[/ { dev = ($0 ~ /^\[dev-dependencies\]/) } !dev && /^yima-testkit/ { bad = 1 } END { exit bad }' "$manifest" ||
        fail "$manifest: yima-testkit may only be a dev-dependency"
done
mapfile -t files < <(find crates/*/src cli/src -name '*.rs' ! -path 'cli/src/main.rs' ! -path "$testkit/*" | sort)
if [ "${#files[@]}" -eq 0 ]; then
    fail "no library sources found"
    exit 1
fi

# Rules 1, 2 and the allow(unsafe_code) part of 4, in one pass per file.
findings=$(
    awk '
    function reset_file() { skipping = 0; depth = 0; pending = 0; safe_block = 0 }
    FNR == 1 { reset_file() }
    {
        line = $0
        # Skip #[cfg(test)] items: from the attribute to the end of the braces that follow it.
        if (!skipping && line ~ /^[[:space:]]*#\[cfg\((test|all\(test[,)])/) { pending = 1; next }
        if (pending || skipping) {
            opens = gsub(/\{/, "{", line); closes = gsub(/\}/, "}", line)
            if (pending && opens > 0) { pending = 0; skipping = 1; depth = 0 }
            if (pending && line ~ /;[[:space:]]*$/) { pending = 0; next }
            if (skipping) { depth += opens - closes; if (depth <= 0) skipping = 0 }
            next
        }
        # Comment lines: remember whether the current comment block gives a reason.
        if (line ~ /^[[:space:]]*\/\//) {
            if (line ~ /\/\/[[:space:]]*safe:/) safe_block = 1
            next
        }
        code = line
        sub(/\/\/.*$/, "", code)          # drop a trailing comment from the code part
        safe = safe_block || (line ~ /\/\/[[:space:]]*safe:/)
        safe_block = 0
        what = ""
        if (code ~ /\.unwrap\(\)/) what = what " unwrap()"
        if (code ~ /\.expect\(/) what = what " expect()"
        if (code ~ /(^|[^_[:alnum:]])(panic|unreachable|todo|unimplemented)!/) what = what " panic-family macro"
        if (code ~ /#!?\[(allow|expect)\(.*clippy::(unwrap_used|expect_used|panic|indexing_slicing|todo|unreachable|unimplemented)/) what = what " silenced panic lint"
        if (what != "" && !safe) printf "%s:%d:%s without a // safe: reason\n", FILENAME, FNR, what
        if (code ~ /(allow|expect)\(.*unsafe_code/) printf "%s:%d: allow(unsafe_code) in library code\n", FILENAME, FNR
    }' "${files[@]}"
)
if [ -n "$findings" ]; then
    while IFS= read -r f; do fail "$f"; done <<<"$findings"
fi

# Rule 3: the lints are on, and every crate uses the workspace lints.
for lint in unwrap_used expect_used panic indexing_slicing; do
    grep -Eq "^$lint = \"(warn|deny|forbid)\"" Cargo.toml || fail "Cargo.toml: clippy::$lint is no longer enabled in [workspace.lints.clippy]"
done
grep -Eq '^todo = "(warn|deny|forbid)"' Cargo.toml || fail "Cargo.toml: clippy::todo is no longer enabled"
grep -Eq '^unsafe_code = "(deny|forbid)"' Cargo.toml || fail "Cargo.toml: unsafe_code is no longer denied in [workspace.lints.rust]"
for manifest in crates/*/Cargo.toml cli/Cargo.toml; do
    awk '/^\[lints\]/ { l = 1; next } /^\[/ { l = 0 } l && /^workspace = true/ { ok = 1 } END { exit !ok }' "$manifest" ||
        fail "$manifest: does not use the workspace lints ([lints] workspace = true)"
done

# Rule 4: every crate root forbids unsafe code.
for root in crates/*/src/lib.rs crates/*/src/main.rs cli/src/main.rs; do
    [ -f "$root" ] || continue
    [[ "$root" == "$testkit"/* ]] && continue
    grep -q '^#!\[forbid(unsafe_code)\]' "$root" || fail "$root: missing #![forbid(unsafe_code)]"
done

if [ "$status" -ne 0 ]; then
    echo "panic-policy: FAILED (library code must not panic on input; give a // safe: reason where it provably cannot)" >&2
    exit 1
fi
echo "panic-policy: ${#files[@]} library files clean"
