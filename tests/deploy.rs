//! The deployment examples parse, and carry what their engines need: for
//! Kubernetes an Indexed Job of the perfgate image with no shell and no shared
//! volume, whose arguments really run and whose logs really merge, and a
//! clean driver script; for GitHub Actions a shard matrix and a merge gate.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{Behaviour, Target, code, output, perfgate, read_valid_report, scratch, streams};
use serde_json::Value;

const MANIFEST: &str = "deploy/kubernetes/perfgate-shards.yaml";
const SCRIPT: &str = "deploy/kubernetes/run-sharded.sh";
/// The placeholder run-sharded.sh replaces with the start time.
const START_AT: &str = "__START_AT__";
/// How run-sharded.sh takes the record out of a pod's log: the lines from the
/// one that is exactly `{` to the one that is exactly `}`.
const RECORD_FROM_LOG: &str = "/^{$/,/^}$/p";

fn documents(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(common::root().join(path)).unwrap();
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The manifest's ConfigMap plan and the shard container's arguments.
fn plan_and_args() -> (String, Vec<String>) {
    let docs = documents(MANIFEST);
    let plan = docs[0]["data"]["plan.yaml"].as_str().unwrap().to_string();
    let args = docs[1]["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .expect("args is a list")
        .iter()
        .map(|a| a.as_str().expect("every argument is a string").to_string())
        .collect();
    (plan, args)
}

/// The value after `flag` in `args`.
fn after<'a>(args: &'a [String], flag: &str) -> &'a str {
    let at = args.iter().position(|a| a == flag);
    at.and_then(|i| args.get(i + 1))
        .unwrap_or_else(|| panic!("no `{flag} VALUE` in {args:?}"))
}

#[test]
fn kubernetes_manifest_is_an_indexed_job_of_the_image_without_shell_or_shared_volume() {
    let docs = documents(MANIFEST);
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ConfigMap", "Job"], "no claim, no merge Job");
    let job = &docs[1];
    assert_eq!(job["apiVersion"], "batch/v1");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap();
    assert!(n >= 2);
    assert_eq!(spec["parallelism"].as_u64(), Some(n), "all shards at once");
    assert_eq!(
        spec["backoffLimitPerIndex"].as_u64(),
        Some(0),
        "each shard once; one failing does not stop the others"
    );
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    assert_eq!(
        container["image"].as_str().unwrap(),
        format!("ghcr.io/perfgate/perfgate:{}", env!("CARGO_PKG_VERSION")),
        "the released image of this version"
    );
    assert!(
        container.get("command").is_none(),
        "the image's entrypoint (perfgate) runs, not a shell"
    );
    let (_, args) = plan_and_args();
    assert_eq!(args[..2], ["run", "/plans/plan.yaml"]);
    assert_eq!(after(&args, "--shard"), "auto");
    assert_eq!(
        after(&args, "--shards"),
        n.to_string(),
        "--shards matches completions"
    );
    assert_eq!(after(&args, "--json"), "-", "the record on standard output");
    assert_eq!(after(&args, "--start-at"), START_AT);
    for arg in &args {
        assert!(
            !arg.contains(['$', ';', '&', '|', '`', ' ']),
            "`{arg}`: arguments are passed as they are, no shell reads them"
        );
    }
    let volumes = pod["volumes"].as_array().unwrap();
    for volume in volumes {
        let keys: Vec<&String> = volume.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["configMap", "name"],
            "only the plan's ConfigMap: {volume}"
        );
    }
    let mounts = container["volumeMounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0]["mountPath"], "/plans");
    assert_eq!(mounts[0]["readOnly"], true);
    assert_eq!(docs[0]["metadata"]["name"], volumes[0]["configMap"]["name"]);
    let text = std::fs::read_to_string(common::root().join(MANIFEST)).unwrap();
    assert!(!text.contains("PersistentVolumeClaim") && !text.contains("ReadWriteMany"));

    let (plan, _) = plan_and_args();
    let dir = scratch("deploy-plan");
    let path = common::write_plan(&dir, &plan);
    let out = output(perfgate().arg("validate").arg(&path));
    assert_eq!(code(&out), 0, "{}", streams(&out));
}

/// One pod of the Job, here: the manifest's arguments (the plan from a file,
/// the target and a short duration overridden), `JOB_COMPLETION_INDEX` set,
/// standard output and standard error into one log file, as the container
/// runtime keeps them for `kubectl logs`.
fn spawn_pod(args: &[String], plan: &Path, url: &str, index: u32, log: &Path) -> Child {
    let at = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            "/plans/plan.yaml" => plan.display().to_string(),
            START_AT => at.clone(),
            _ => a.clone(),
        })
        .collect();
    let file = File::create(log).unwrap();
    perfgate()
        .args(&args)
        .args(["--host", url, "--duration", "2s"])
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .env_remove("PERFGATE_SHARDS")
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("the perfgate binary starts")
}

#[test]
fn kubernetes_pods_logs_hold_records_that_merge() {
    let dir = scratch("deploy-pods");
    let (plan_text, args) = plan_and_args();
    let plan = common::write_plan(&dir, &plan_text);
    let target = Target::start(Behaviour::default());
    let n: u32 = after(&args, "--shards").parse().unwrap();
    let logs: Vec<_> = (0..n).map(|i| dir.join(format!("shard-{i}.log"))).collect();
    let pods: Vec<Child> = (0..n)
        .map(|i| spawn_pod(&args, &plan, &target.url, i, &logs[i as usize]))
        .collect();
    for (pod, log) in pods.into_iter().zip(&logs) {
        let status = pod.wait_with_output().unwrap().status;
        let text = std::fs::read_to_string(log).unwrap();
        assert_eq!(status.code(), Some(0), "{text}");
        assert!(
            text.contains("Aggregated"),
            "the summary is in the log too: {text}"
        );
    }
    let script = std::fs::read_to_string(common::root().join(SCRIPT)).unwrap();
    assert!(script.contains(&format!("sed -n '{RECORD_FROM_LOG}'")));
    let mut records = Vec::new();
    for (i, log) in logs.iter().enumerate() {
        let out = output(Command::new("sed").args(["-n", RECORD_FROM_LOG]).arg(log));
        let record = dir.join(format!("shard-{i}.json"));
        std::fs::write(&record, &out.stdout).unwrap();
        assert_eq!(read_valid_report(&record)["shard"]["index"], i + 1);
        records.push(record);
    }
    let merged = common::merge(&records, &dir.join("merged.json"));
    assert_eq!(merged["overall"]["requests"], target.received());
}

#[test]
fn run_sharded_script_is_clean_shell() {
    let script = std::fs::read_to_string(common::root().join(SCRIPT)).unwrap();
    for part in [
        "perfgate-shards.yaml",
        START_AT,
        "perfgate merge",
        "kubectl",
    ] {
        assert!(script.contains(part), "the script uses `{part}`");
    }
    let out = output(
        Command::new("bash")
            .arg("-n")
            .arg(SCRIPT)
            .current_dir(common::root()),
    );
    assert_eq!(code(&out), 0, "bash -n: {}", streams(&out));
    let out = Command::new("shellcheck")
        .arg(SCRIPT)
        .current_dir(common::root())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs shellcheck ({e}): `apt-get install shellcheck`")
        });
    assert_eq!(code(&out), 0, "shellcheck: {}", streams(&out));
    let out = output(
        Command::new(common::root().join(SCRIPT))
            .arg("--delay")
            .arg("soon"),
    );
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("whole number of seconds"));
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
