//! The deployment examples parse, and carry what their engines need: an
//! Indexed Job for Kubernetes, a shard matrix and a merge gate for GitHub Actions.

mod common;

use serde_json::Value;

fn documents(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(common::root().join(path)).unwrap();
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn kubernetes_manifest_is_an_indexed_job_then_a_merge() {
    let docs = documents("deploy/kubernetes/perfgate-shards.yaml");
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ConfigMap", "PersistentVolumeClaim", "Job", "Job"]);
    let shards = &docs[2];
    assert_eq!(shards["apiVersion"], "batch/v1");
    let spec = &shards["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap();
    assert!(n >= 2);
    assert_eq!(spec["parallelism"].as_u64(), Some(n), "all shards at once");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let container = &pod["containers"][0];
    let script = container["args"][0].as_str().unwrap();
    assert!(script.contains("JOB_COMPLETION_INDEX + 1"), "{script}");
    assert!(script.contains("--shard \"$K/$SHARDS\""), "{script}");
    let env_n = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "SHARDS")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(env_n, n.to_string(), "SHARDS matches completions");
    let merge = &docs[3]["spec"]["template"]["spec"];
    let merge_script = merge["containers"][0]["args"][0].as_str().unwrap();
    assert!(
        merge_script.contains("perfgate merge /reports/shard-*.json"),
        "{merge_script}"
    );
    for pod in [pod, merge] {
        let claims: Vec<&str> = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
            .collect();
        assert_eq!(claims, ["perfgate-reports"], "reports on the shared volume");
    }
    let plan = docs[0]["data"]["plan.yaml"].as_str().unwrap();
    let dir = common::scratch("deploy-plan");
    let path = common::write_plan(&dir, plan);
    let out = common::output(common::perfgate().arg("validate").arg(&path));
    assert_eq!(common::code(&out), 0, "{}", common::streams(&out));
}

#[test]
fn github_workflow_is_a_shard_matrix_and_a_merge_gate() {
    let docs = documents(".github/workflows/perf-sharded.yml");
    let wf = &docs[0];
    let shard = &wf["jobs"]["shard"];
    let matrix = shard["strategy"]["matrix"]["shard"].as_array().unwrap();
    let n = wf["env"]["SHARDS"].as_u64().unwrap();
    assert_eq!(matrix.len() as u64, n);
    assert_eq!(shard["strategy"]["fail-fast"], false);
    let steps = shard["steps"].as_array().unwrap();
    let run = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        run.contains("--shard \"${{ matrix.shard }}/${SHARDS}\""),
        "{run}"
    );
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/upload-artifact"))
    }));
    let gate = &wf["jobs"]["gate"];
    assert_eq!(gate["needs"], "shard");
    let steps = gate["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/download-artifact"))
    }));
    let run = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(run.contains("perfgate merge reports/shard-*.json"), "{run}");
}
