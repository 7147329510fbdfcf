//! Inputs that once crashed a fuzz target (or were built to reproduce what
//! it found), replayed through the same entry points as `fuzz/`: each must
//! now give an error or a result, never a panic or an abort.

use std::path::{Path, PathBuf};

fn cases(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with(".gitkeep"))
        .collect();
    files.sort();
    files
}

#[test]
fn json_report_cases_are_refused_cleanly() {
    let files = cases("json_report");
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let err = perfgate::core::record::parse(&bytes)
            .err()
            .unwrap_or_else(|| panic!("{} was accepted", file.display()));
        assert!(err.contains("histogram"), "{}: {err}", file.display());
    }
}

#[test]
fn plan_cases_give_errors_or_plans() {
    for file in cases("plan") {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let _ = perfgate::plan::from_text(
            &file.display().to_string(),
            Path::new("/nonexistent-fuzz-dir"),
            text,
        );
    }
}

#[test]
fn slo_expr_cases_give_errors_or_expressions() {
    for file in cases("slo_expr") {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        if let Ok(expr) = perfgate::slo::expr::parse(&text) {
            assert!(perfgate::slo::expr::parse(&expr.source).is_ok());
        }
    }
}
