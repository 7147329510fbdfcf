//! The checked-in schemas match the types, and every example plan validates
//! against the plan schema.
//!
//! To regenerate the files after changing the types:
//! `PERFGATE_BLESS=1 cargo test --test schemas`.

use std::path::{Path, PathBuf};

use perfgate::schema::{plan_schema, report_schema, to_pretty};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(file: &str, generated: &serde_json::Value) {
    let path = root().join("schemas").join(file);
    let text = to_pretty(generated);
    if std::env::var_os("PERFGATE_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run PERFGATE_BLESS=1 cargo test --test schemas",
            path.display()
        )
    });
    assert!(
        on_disk == text,
        "{} differs from the schema generated from the types; run PERFGATE_BLESS=1 cargo test --test schemas",
        path.display()
    );
    assert_eq!(
        generated["$schema"],
        "http://json-schema.org/draft-07/schema#"
    );
}

#[test]
fn plan_schema_file_is_current() {
    check("plan.schema.json", &plan_schema());
}

#[test]
fn report_schema_file_is_current() {
    check("report.schema.json", &report_schema());
}

/// Reads a plan as JSON, `${VAR:-default}` filled with its defaults.
fn plan_as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let text = perfgate::plan::env::substitute(&text, |_| None).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_example_plan_validates_against_the_schema() {
    let schema = plan_schema();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("plans")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let doc = plan_as_json(&path);
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 1, "no plans found");
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema = plan_schema();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let mut doc = plan_as_json(&root().join("plans/predict.yaml"));
    doc["load"]["spawn_rte"] = serde_json::json!("5/s");
    assert!(
        !validator.is_valid(&doc),
        "an unknown key must not validate"
    );
    let mut doc = plan_as_json(&root().join("plans/predict.yaml"));
    doc["requests"][0]["name"] = serde_json::json!("bad name!");
    assert!(
        !validator.is_valid(&doc),
        "a bad request name must not validate"
    );
}
