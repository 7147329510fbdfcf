//! Heap allocations per request, counted by a counting global allocator:
//! N POSTs with a small JSON body through each transport (the lean one
//! and reqwest) on one kept-alive connection, then a short closed-model run of
//! the whole engine (one user, no think time) with each transport. The target
//! is an in-process axum server on 127.0.0.1 whose threads are not counted:
//! only the client's thread is.
//!
//!   cargo bench --bench alloc_count

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::pending;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use perfgate::engine::{self, LeanTransport, ReqwestTransport, Transport};
use perfgate::plan::ValidPlan;
use perfgate::plan::valid::RequestDef;

/// Requests sent through each transport, after the warm-up.
const REQUESTS: u64 = 20_000;
/// Requests sent first and not counted (connection set-up, lazy statics).
const WARMUP: u64 = 200;
/// Length of each engine run (the plan's `duration`).
const ENGINE_RUN: &str = "2s";

/// The system allocator, counting allocations made on counted threads.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count(size: usize) {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes counted so far.
fn counted() -> (u64, u64) {
    (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed))
}

/// Starts the target on its own (uncounted) runtime; returns its base URL.
fn target() -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("target runtime");
    let app = axum::Router::new().fallback(axum::routing::any(|| async {
        (
            [("content-type", "application/json")],
            "{\"preds\":[\"0\"]}",
        )
    }));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (base, runtime)
}

/// The plan both transports and the engine runs use, validated by the real
/// loader: one user, no think time, POSTs with a small JSON body.
fn plan(base: &str) -> ValidPlan {
    let text = format!(
        "
        name: alloc-count
        host: {base}
        load: {{ users: 1, duration: {ENGINE_RUN}, seed: 1, grace: 2s }}
        requests:
          - name: predict
            method: POST
            path: /predict
            json: {{ PassengerId: 1, Pclass: 3, Sex: female, Age: 30, Fare: 7.25 }}
        "
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    perfgate::plan::from_text("alloc-count.yaml", dir, text)
        .unwrap_or_else(|e| panic!("the bench's plan is invalid:\n{e}"))
}

/// Allocations and bytes per request of `REQUESTS` sends through `transport`.
async fn per_send<T: Transport>(transport: T, req: &RequestDef) -> (f64, f64) {
    for _ in 0..WARMUP {
        transport.send(req).await.expect("a reply");
    }
    let before = counted();
    for _ in 0..REQUESTS {
        transport.send(req).await.expect("a reply");
    }
    let after = counted();
    per(before, after, REQUESTS)
}

/// Allocations and bytes per request of a whole engine run (set-up included).
async fn per_run<T: Transport>(transport: T, plan: &ValidPlan) -> (f64, f64, u64) {
    let before = counted();
    let summary = engine::run(plan, transport, pending(), None).await;
    let after = counted();
    let requests = summary.overall.requests.max(1);
    assert_eq!(summary.overall.errors.total, 0, "{:?}", summary.overall);
    let (a, b) = per(before, after, requests);
    (a, b, requests)
}

fn per(before: (u64, u64), after: (u64, u64), n: u64) -> (f64, f64) {
    let n = n as f64;
    (
        (after.0 - before.0) as f64 / n,
        (after.1 - before.1) as f64 / n,
    )
}

fn main() {
    let (base, _target) = target();
    let plan = plan(&base);
    let req = &plan.requests[0];
    // The client: one thread, the counted one.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    COUNTED.with(|c| c.set(true));
    let lean = LeanTransport::new(&plan).expect("lean transport");
    let reqwest = ReqwestTransport::new(&plan).expect("reqwest transport");
    let body = req.body.as_ref().map_or(0, |b| b.bytes.len());
    println!("allocations per request, POST with a {body}-byte JSON body, 127.0.0.1:");
    println!("| what | allocations/request | bytes/request |");
    println!("|---|---|---|");
    let (a, b) = client.block_on(per_send(lean.clone(), req));
    println!("| lean transport, {REQUESTS} sends | {a:.1} | {b:.0} |");
    let (a, b) = client.block_on(per_send(reqwest.clone(), req));
    println!("| reqwest transport, {REQUESTS} sends | {a:.1} | {b:.0} |");
    let (a, b, n) = client.block_on(per_run(lean, &plan));
    println!("| engine + lean, 1 user, {n} requests (set-up included) | {a:.1} | {b:.0} |");
    let (a, b, n) = client.block_on(per_run(reqwest, &plan));
    println!("| engine + reqwest, 1 user, {n} requests (set-up included) | {a:.1} | {b:.0} |");
    COUNTED.with(|c| c.set(false));
}
