//! Target-controlled text in a real run's HTML report stays text. The served
//! command prints an XSS corpus and the target answers every request with
//! it; the report shows each payload escaped and contains no element or
//! attribute any payload tried to inject.

mod common;

use common::{code, echo_target_serve, free_port, output, perfgate, scratch, streams, write_plan};

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
    let port = free_port();
    let plan = format!(
        "name: xss\nhost: http://127.0.0.1:{port}\n{}\
         load: {{users: 2, duration: 1s, think_time: 50ms}}\nrequests:\n  - name: probe\n    path: /probe\nslo:\n  - error_rate < 1%\n\
         reports: {{html: report.html}}\n",
        echo_target_serve(port, CORPUS),
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
