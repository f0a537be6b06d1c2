//! The published test vectors: `test-vectors/index.json` lists the vector files of each group
//! (`vectors`, `venue`, `hostile`); every entry point's tests load them from here.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// The `test-vectors/` directory of this checkout.
#[must_use]
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

/// Reads and parses a JSON file, panicking with its path on failure.
#[must_use]
pub fn read_json(path: &Path) -> Json {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Every vector of one group of `index.json` (`"vectors"`, `"venue"` or `"hostile"`), in index order.
/// Panics if the group is missing or empty: a test that runs no vectors must not pass.
#[must_use]
pub fn load(group: &str) -> Vec<Json> {
    let root = root();
    let index = read_json(&root.join("index.json"));
    let files = index
        .get(group)
        .and_then(Json::as_array)
        .unwrap_or_else(|| panic!("index.json has no group {group:?}"));
    assert!(!files.is_empty(), "index.json group {group:?} is empty");
    files
        .iter()
        .map(|p| {
            let rel = p
                .as_str()
                .unwrap_or_else(|| panic!("index.json {group:?}: {p} is not a path"));
            read_json(&root.join(rel))
        })
        .collect()
}
