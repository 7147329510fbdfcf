//! The plan loader on arbitrary bytes: `${VAR}` substitution, YAML parsing
//! and validation must return a located error or a plan, never panic.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use perfgate::plan::load::{PlanSource, parse};
use perfgate::plan::validate::{Overrides, validate};
use perfgate::plan::env;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let lookup = |name: &str| (name == "TARGET").then(|| "http://127.0.0.1:9".to_owned());
    let Ok(text) = env::substitute(raw, lookup) else {
        return;
    };
    let source = PlanSource {
        file: "fuzz.yaml".into(),
        // A folder with no files in it: `json_file` names resolve to nothing.
        dir: PathBuf::from("/nonexistent-fuzz-dir"),
        text,
        hash: String::new(),
        secrets: Default::default(),
    };
    if let Ok(plan) = parse(&source) {
        let _ = validate(plan, &source, &Overrides::default());
    }
});
