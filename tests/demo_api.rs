//! The demo prediction API over real sockets on 127.0.0.1.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::Parser;
use perfgate::demo::{self, DemoOptions};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Bound on every test, so that none hangs.
const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A demo API served on 127.0.0.1 on a free port.
struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(opts: DemoOptions) -> Self {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(demo::serve(listener, opts, async {
            let _ = stopped.await;
        }));
        Self { base, stop, task }
    }

    /// Stops the server and checks that it shut down cleanly.
    async fn stop(self) {
        let _ = self.stop.send(());
        let result = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("graceful shutdown in time")
            .expect("server task");
        result.expect("server result");
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// POSTs `body` to `/predict`; returns the status and the JSON answer.
async fn predict(
    client: &reqwest::Client,
    server: &Server,
    body: impl Into<String>,
) -> (u16, Value) {
    let response = client
        .post(format!("{}/predict", server.base))
        .header("content-type", "application/json")
        .body(body.into())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let value = serde_json::from_slice(&bytes).expect("JSON answer");
    (status, value)
}

fn passenger(id: i64) -> Value {
    json!({
        "PassengerId": id, "Pclass": 3, "Name": "Kelly, Mr. James", "Sex": "male",
        "Age": 34.5, "SibSp": 0, "Parch": 0, "Ticket": "330911", "Fare": 7.8292,
        "Cabin": null, "Embarked": "Q"
    })
}

fn passengers() -> Value {
    json!([
        passenger(892),
        {
            "PassengerId": 893, "Pclass": 1, "Name": "Allison, Miss. Helen Loraine",
            "Sex": "female", "Age": 2, "SibSp": 1, "Parch": 2, "Ticket": "113781",
            "Fare": 151.55, "Cabin": "C22 C26", "Embarked": "S"
        },
        {
            "PassengerId": 894, "Pclass": 2, "Name": "Myles, Mr. Thomas Francis",
            "Sex": "male", "Age": null, "SibSp": 0, "Parch": 0, "Ticket": "240276",
            "Fare": 9.6875, "Cabin": null, "Embarked": null
        }
    ])
}

/// The error message of a 400 answer to `body`.
async fn rejection(client: &reqwest::Client, server: &Server, body: impl Into<String>) -> String {
    let (status, answer) = predict(client, server, body).await;
    assert_eq!(status, 400, "{answer}");
    answer["error"].as_str().expect("error message").to_owned()
}

async fn bounded(test: impl Future<Output = ()>) {
    tokio::time::timeout(TEST_TIMEOUT, test)
        .await
        .expect("test finished in time");
}

#[tokio::test]
async fn good_input_gets_one_deterministic_prediction_per_record() {
    bounded(async {
        let server = Server::start(DemoOptions::default()).await;
        let client = client();
        let (status, first) = predict(&client, &server, passengers().to_string()).await;
        assert_eq!(status, 200, "{first}");
        let preds = first["preds"].as_array().expect("preds array");
        assert_eq!(preds.len(), 3);
        assert!(preds.iter().all(|p| p == "0" || p == "1"), "{first}");
        // A third-class man dies, a first-class girl survives.
        assert_eq!(preds[0], "0");
        assert_eq!(preds[1], "1");
        let (_, second) = predict(&client, &server, passengers().to_string()).await;
        assert_eq!(first, second);
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn an_empty_array_gets_no_predictions() {
    bounded(async {
        let server = Server::start(DemoOptions::default()).await;
        let (status, answer) = predict(&client(), &server, "[]").await;
        assert_eq!((status, answer), (200, json!({ "preds": [] })));
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn null_or_absent_age_cabin_and_embarked_are_accepted() {
    bounded(async {
        let server = Server::start(DemoOptions::default()).await;
        let mut nulls = passenger(1);
        nulls["Age"] = Value::Null;
        nulls["Cabin"] = Value::Null;
        nulls["Embarked"] = Value::Null;
        let mut absent = passenger(2);
        for field in ["Age", "Cabin", "Embarked"] {
            absent.as_object_mut().expect("object").remove(field);
        }
        let (status, answer) =
            predict(&client(), &server, json!([nulls, absent]).to_string()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["preds"].as_array().map(Vec::len), Some(2));
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_400_naming_the_record_and_field() {
    bounded(async {
        let server = Server::start(DemoOptions::default()).await;
        let client = client();

        let malformed = rejection(&client, &server, "[{\"PassengerId\": 1,").await;
        assert!(malformed.starts_with("malformed JSON"), "{malformed}");

        let object = rejection(&client, &server, passenger(1).to_string()).await;
        assert!(
            object.contains("must be a JSON array") && object.contains("got object"),
            "{object}"
        );

        let with = |index: usize, field: &str, value: Value| {
            let mut records = passengers();
            records[index][field] = value;
            records.to_string()
        };
        let mut no_sex = passengers();
        no_sex[2].as_object_mut().expect("object").remove("Sex");
        assert_eq!(
            rejection(&client, &server, no_sex.to_string()).await,
            "record 2: missing field `Sex`"
        );
        assert_eq!(
            rejection(&client, &server, with(1, "Age", json!("2"))).await,
            "record 1: field `Age` must be a number or null, got string"
        );
        assert_eq!(
            rejection(&client, &server, with(0, "Pclass", json!(3.5))).await,
            "record 0: field `Pclass` must be an integer, got float"
        );
        assert_eq!(
            rejection(&client, &server, with(0, "Pclass", json!("3"))).await,
            "record 0: field `Pclass` must be an integer, got string"
        );
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    bounded(async {
        let server = Server::start(DemoOptions::default()).await;
        let body = format!("[{}]", " ".repeat(11 * 1024 * 1024));
        let (status, answer) = predict(&client(), &server, body).await;
        assert_eq!(status, 413, "{answer}");
        assert!(answer["error"].is_string(), "{answer}");
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn error_rate_injects_about_that_share_of_500s() {
    bounded(async {
        let opts = DemoOptions {
            error_rate: 0.2,
            seed: Some(7),
            ..DemoOptions::default()
        };
        let server = Server::start(opts).await;
        let client = client();
        let body = json!([passenger(1)]).to_string();
        let mut errors = 0;
        for _ in 0..1000 {
            let (status, answer) = predict(&client, &server, body.clone()).await;
            match status {
                200 => {}
                500 => {
                    assert_eq!(answer, json!({ "error": "injected failure" }));
                    errors += 1;
                }
                other => panic!("unexpected status {other}: {answer}"),
            }
        }
        assert!(
            (140..=260).contains(&errors),
            "{errors} injected errors in 1000"
        );
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn latency_is_added_to_predictions() {
    bounded(async {
        let opts = DemoOptions {
            latency: Duration::from_millis(50),
            ..DemoOptions::default()
        };
        let server = Server::start(opts).await;
        let client = client();
        let started = Instant::now();
        let (status, _) = predict(&client, &server, "[]").await;
        assert_eq!(status, 200);
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "{:?}",
            started.elapsed()
        );
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn health_answers_ok() {
    bounded(async {
        let opts = DemoOptions {
            error_rate: 1.0,
            ..DemoOptions::default()
        };
        let server = Server::start(opts).await;
        let response = client()
            .get(format!("{}/health", server.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value =
            serde_json::from_slice(&response.bytes().await.expect("body")).expect("JSON");
        assert_eq!(answer, json!({ "status": "ok" }));
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_router_serves_in_process() {
    bounded(async {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let app = demo::router(&DemoOptions::default());
        let task = tokio::spawn(async move { axum::serve(listener, app).await });
        let response = client()
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200);
        task.abort();
    })
    .await;
}

/// The demo options as a command line parses them.
#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    opts: DemoOptions,
}

fn parse(args: &[&str]) -> Result<DemoOptions, String> {
    Cli::try_parse_from(std::iter::once("demo-api").chain(args.iter().copied()))
        .map(|cli| cli.opts)
        .map_err(|e| e.to_string())
}

#[test]
fn error_rate_parses_percentages_and_fractions() {
    assert_eq!(demo::parse_error_rate("5%"), Ok(0.05));
    assert_eq!(demo::parse_error_rate("0.05"), Ok(0.05));
    assert_eq!(demo::parse_error_rate("100%"), Ok(1.0));
    assert_eq!(demo::parse_error_rate("0"), Ok(0.0));
    for bad in ["150%", "1.5", "-1%", "NaN", "five", ""] {
        assert!(demo::parse_error_rate(bad).is_err(), "{bad} accepted");
    }
    let out_of_range = parse(&["--error-rate", "150%"]).expect_err("150% rejected");
    assert!(
        out_of_range.contains("between 0% and 100%"),
        "{out_of_range}"
    );
}

#[test]
fn options_parse_from_the_command_line() {
    let opts = parse(&[
        "--addr",
        "127.0.0.1:0",
        "--latency",
        "20ms",
        "--jitter",
        "1s",
        "--error-rate",
        "5%",
        "--workers",
        "3",
        "--seed",
        "42",
    ])
    .expect("valid options");
    assert_eq!(
        opts,
        DemoOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::from_millis(20),
            jitter: Duration::from_secs(1),
            error_rate: 0.05,
            workers: 3,
            seed: Some(42),
        }
    );
    assert!(parse(&["--workers", "0"]).is_err());
    assert!(parse(&["--latency", "soon"]).is_err());
}

#[test]
fn defaults_match_the_command_line_defaults() {
    assert_eq!(parse(&[]).expect("no options"), DemoOptions::default());
    assert_eq!(
        DemoOptions::default().addr,
        SocketAddr::from(([127, 0, 0, 1], 5001))
    );
}
