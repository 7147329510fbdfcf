//! The plan loader on arbitrary bytes: `${VAR}` substitution, YAML parsing
//! and validation must return a located error or a plan, never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use perfgate::plan::{env, from_text};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let lookup = |name: &str| (name == "TARGET").then(|| "http://127.0.0.1:9".to_owned());
    if let Ok(text) = env::substitute(raw, lookup) {
        // A folder with no files in it: `json_file` names resolve to nothing.
        let _ = from_text("fuzz.yaml", Path::new("/nonexistent-fuzz-dir"), text);
    }
});
