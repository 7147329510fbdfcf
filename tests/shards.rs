//! Sharded runs end to end: four shard processes of the real binary against
//! one counting target on 127.0.0.1, merged exactly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use common::{Behaviour, Target, code, output, perfgate, read_valid_report, scratch, streams};
use perfgate::core::histogram;

/// The plan every test here runs.
fn plan_text() -> String {
    common::plan::get_all("sharded", 10, "2s", common::plan::LOOSE_SLOS)
}

fn spawn_shard(plan: &Path, url: &str, index: u32, json: &Path) -> Child {
    perfgate()
        .arg("run")
        .arg(plan)
        .args([
            "--host",
            url,
            "--quiet",
            "--shard",
            &format!("{index}/4"),
            "--json",
        ])
        .arg(json)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the perfgate binary starts")
}

fn merge(inputs: &[PathBuf], out: &Path) -> std::process::Output {
    output(perfgate().arg("merge").args(inputs).arg("-o").arg(out))
}

#[test]
fn four_shards_merge_exactly_and_bad_sets_are_refused() {
    let dir = scratch("shards");
    let plan = common::write_plan(&dir, &plan_text());
    let target = Target::start(Behaviour {
        latency: Duration::from_millis(5),
        fail_every: 0,
    });
    let shards: Vec<PathBuf> = (1..=4)
        .map(|k| dir.join(format!("shard-{k}.json")))
        .collect();
    let children: Vec<Child> = shards
        .iter()
        .enumerate()
        .map(|(i, json)| spawn_shard(&plan, &target.url, i as u32 + 1, json))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", streams(&out));
    }
    let reports: Vec<_> = shards.iter().map(|p| read_valid_report(p)).collect();
    let users: Vec<u64> = reports
        .iter()
        .map(|r| r["load"]["users"].as_u64().unwrap())
        .collect();
    assert_eq!(users, vec![3, 3, 2, 2], "10 users over 4 shards");
    let seeds: std::collections::HashSet<u64> = reports
        .iter()
        .map(|r| r["load"]["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds.len(), 4, "a seed per shard");
    for (k, r) in reports.iter().enumerate() {
        assert_eq!(r["shard"]["index"], k as u64 + 1);
        assert_eq!(r["shard"]["count"], 4);
    }

    let merged_path = dir.join("merged.json");
    let out = merge(&shards, &merged_path);
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let merged = read_valid_report(&merged_path);
    let sum: u64 = reports
        .iter()
        .map(|r| r["overall"]["requests"].as_u64().unwrap())
        .sum();
    let total = merged["overall"]["requests"].as_u64().unwrap();
    println!(
        "merged {total} requests; the target counted {}",
        target.received()
    );
    assert_eq!(total, sum);
    assert_eq!(total, target.received(), "what the target counted");
    assert_eq!(merged["slos"].as_array().unwrap().len(), 2);
    assert_eq!(merged["verdict"]["exit_code"], 0);
    let series_total: u64 = merged["overall"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(
        series_total, total,
        "the aligned series keeps every request"
    );

    // Merging the decoded histograms equals recording all their samples into one.
    let mut all_samples = histogram::new_latency();
    for r in &reports {
        let h = histogram::decode(r["overall"]["histogram"].as_str().unwrap()).unwrap();
        for bucket in h.iter_recorded() {
            all_samples
                .record_n(bucket.value_iterated_to(), bucket.count_at_value())
                .unwrap();
        }
    }
    let merged_hist = histogram::decode(merged["overall"]["histogram"].as_str().unwrap()).unwrap();
    assert_eq!(merged_hist.len(), all_samples.len());
    for bucket in all_samples.iter_recorded() {
        assert_eq!(
            merged_hist.count_at(bucket.value_iterated_to()),
            bucket.count_at_value(),
            "bucket {}",
            bucket.value_iterated_to()
        );
    }
    assert_eq!(merged_hist, all_samples);

    // A missing shard, a duplicated shard, a shard of another plan: exit 2, named.
    let out = merge(&shards[..3], &dir.join("m.json"));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 4/4 is missing"));
    let dup = [
        shards[0].clone(),
        shards[1].clone(),
        shards[1].clone(),
        shards[2].clone(),
        shards[3].clone(),
    ];
    let out = merge(&dup, &dir.join("m.json"));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 2/4 is duplicated"));
    let mut other: serde_json::Value = reports[3].clone();
    other["plan"]["hash"] = serde_json::Value::String("f".repeat(64));
    let other_path = dir.join("other.json");
    std::fs::write(&other_path, serde_json::to_vec(&other).unwrap()).unwrap();
    let mixed = [
        shards[0].clone(),
        shards[1].clone(),
        shards[2].clone(),
        other_path,
    ];
    let out = merge(&mixed, &dir.join("m.json"));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("comes from a different plan"));

    // An interrupted shard makes the merged run invalid unless --allow-partial.
    let mut partial: serde_json::Value = reports[3].clone();
    partial["partial"] = serde_json::Value::Bool(true);
    let partial_path = dir.join("partial.json");
    std::fs::write(&partial_path, serde_json::to_vec(&partial).unwrap()).unwrap();
    let with_partial = [
        shards[0].clone(),
        shards[1].clone(),
        shards[2].clone(),
        partial_path,
    ];
    let out = merge(&with_partial, &dir.join("m.json"));
    assert_eq!(code(&out), 3, "{}", streams(&out));
    let out = output(
        perfgate()
            .arg("merge")
            .args(&with_partial)
            .arg("-o")
            .arg(dir.join("m.json"))
            .arg("--allow-partial"),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
}

#[test]
fn shard_and_start_at_are_checked_before_any_load() {
    let dir = scratch("shards-args");
    let plan = common::write_plan(&dir, &plan_text());
    let target = Target::start(Behaviour::default());
    for bad in [
        vec!["--shard", "5/4"],
        vec!["--shard", "11/11"],
        vec!["--start-at", "2001-01-01T00:00:00Z"],
        vec!["--start-at", "tomorrow"],
    ] {
        let out = output(
            perfgate()
                .arg("run")
                .arg(&plan)
                .args(["--host", &target.url])
                .args(&bad),
        );
        assert_eq!(code(&out), 2, "{bad:?}: {}", streams(&out));
    }
    assert_eq!(target.received(), 0, "nothing was sent");
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let started = std::time::Instant::now();
    let json = dir.join("r.json");
    let out = output(
        perfgate()
            .arg("run")
            .arg(&plan)
            .args([
                "--host",
                &target.url,
                "--quiet",
                "--duration",
                "1s",
                "--start-at",
                &at.to_rfc3339(),
                "--json",
            ])
            .arg(&json),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    let report = read_valid_report(&json);
    let began: chrono::DateTime<chrono::Utc> =
        report["started_at"].as_str().unwrap().parse().unwrap();
    assert!(
        began >= at - chrono::Duration::milliseconds(5),
        "{began} vs {at}"
    );
}
