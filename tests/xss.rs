//! Target-controlled text in a real run's HTML report stays text. The served
//! command prints an XSS corpus and the target answers every request with
//! it; the report shows each payload escaped and contains no element or
//! attribute any payload tried to inject.

mod common;

use common::{code, output, perfgate, scratch, streams, write_plan};

/// Payloads that try to break out of text, attributes, comments, CDATA and
/// raw-text elements, or to smuggle script through URLs and entities.
const CORPUS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "'><svg/onload=alert(3)>",
    "</title></style></textarea><script>alert(4)</script>",
    "<a href=\"javascript:alert(5)\">x</a>",
    "<iframe srcdoc=\"&lt;script&gt;alert(6)&lt;/script&gt;\"></iframe>",
    "<!--<script>alert(7)</script>-->",
    "]]><script>alert(8)</script>",
    "<details open ontoggle=alert(9)>",
    "&lt;b&gt;already escaped&lt;/b&gt;",
];

/// A target in Python that prints the corpus, answers `/health` and sends
/// the corpus with a 500 for everything else.
const SERVER: &str = r#"
import http.server, json, sys
corpus = json.loads(sys.argv[2])
for p in corpus:
    print(p, flush=True)
body = "\n".join(corpus).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/health"
        self.send_response(200 if ok else 500)
        data = b"ok" if ok else body
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

/// How the report shows `text`: HTML-escaped.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[test]
fn target_controlled_text_is_escaped_in_the_html_report() {
    let dir = scratch("xss");
    std::fs::write(dir.join("server.py"), SERVER).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let corpus = serde_json::to_string(CORPUS).unwrap();
    let plan = format!(
        "name: xss\nhost: http://127.0.0.1:{port}\nserve:\n  command: [python3, {server}, '{port}', '{corpus}']\n  ready: GET /health\n  timeout: 20s\n\
         load: {{users: 2, duration: 1s, think_time: 50ms}}\nrequests:\n  - name: probe\n    path: /probe\nslo:\n  - error_rate < 1%\n\
         reports: {{html: report.html}}\n",
        server = dir.join("server.py").display(),
        corpus = corpus.replace('\'', "''"),
    );
    let path = write_plan(&dir, &plan);
    let out = output(perfgate().arg("run").arg(&path).current_dir(&dir));
    assert_eq!(code(&out), 1, "{}", streams(&out));
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    for payload in CORPUS {
        assert!(!page.contains(payload), "raw `{payload}` in the report");
        // Every payload is shown (in the served output, at least), escaped.
        assert!(
            page.contains(&escaped(payload)),
            "`{payload}` is not shown escaped"
        );
    }
    for injected in [
        "<script>alert",
        "<img",
        "<svg/",
        "<iframe",
        "<details",
        "<a ",
        "<!--<",
    ] {
        assert!(!page.contains(injected), "`{injected}` in the report");
    }
    for tag in page.split('<').skip(1) {
        let inside = tag.split('>').next().unwrap_or("").to_ascii_lowercase();
        assert!(
            !inside.contains("javascript:")
                && !inside.split_whitespace().any(|a| a.starts_with("on")),
            "injected attribute in <{inside}>"
        );
    }
}
