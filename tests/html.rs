//! The HTML report without a browser: its structure (a snapshot), the escaping
//! of hostile text from the plan and the target, that it is self-contained,
//! and its size for a 1-hour run.

mod fixture;

use fixture::{IMG, SCRIPT};
use perfgate::report::Exporter as _;
use perfgate::report::html::{self, HtmlExporter};

/// Every element the report may contain.
const ALLOWED_TAGS: [&str; 37] = [
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "footer",
    "section",
    "div",
    "h1",
    "h2",
    "h3",
    "p",
    "dl",
    "dt",
    "dd",
    "ul",
    "li",
    "code",
    "pre",
    "span",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
    "svg",
    "g",
    "path",
    "rect",
    "text",
    "!DOCTYPE",
];

fn page(seconds: u64) -> String {
    html::render(&fixture::run(seconds).report()).unwrap()
}

/// The name of every element opened in `page`, in order. Text never holds a
/// raw `<` (it is escaped), so every `<` starts a tag.
fn tags(page: &str) -> Vec<&str> {
    page.split('<')
        .skip(1)
        .filter(|t| !t.starts_with('/'))
        .map(|t| t.split([' ', '>']).next().unwrap_or(""))
        .collect()
}

/// The page with one element per line, the chart paths' data and the style
/// sheet elided: the structure and every text, without coordinates.
fn structure(page: &str) -> String {
    let mut out = String::new();
    for piece in page.split('<').skip(1) {
        out.push('<');
        match piece.split_once(" d=\"") {
            Some((head, rest)) => {
                out.push_str(head);
                out.push_str(" d=\"…");
                out.push_str(&rest[rest.find('"').unwrap()..]);
            }
            None if piece.starts_with("style>") => out.push_str("style>…"),
            None => out.push_str(piece),
        }
        out.push('\n');
    }
    out
}

#[test]
fn structure_matches_the_snapshot() {
    let page = page(60);
    insta::assert_snapshot!("report_structure", structure(&page));
}

#[test]
fn exporter_and_render_agree_and_are_pure() {
    let run = fixture::run(60);
    let a = HtmlExporter.render(&run.report()).unwrap();
    let b = HtmlExporter.render(&run.report()).unwrap();
    assert_eq!(a, b, "the same run renders the same bytes");
    assert_eq!(a, html::render(&run.report()).unwrap().into_bytes());
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let page = page(60);
    for raw in [SCRIPT, IMG, "<img", "<script", "\x1b"] {
        assert!(!page.contains(raw), "raw `{raw}` in the page");
    }
    // The payloads are shown, as text: in the title, the plan name, the SLO
    // table, the verdict, the errors, the served command and its output.
    let script = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let img = "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;";
    assert!(
        page.matches(script).count() >= 6,
        "{}",
        page.matches(script).count()
    );
    assert!(
        page.matches(img).count() >= 4,
        "{}",
        page.matches(img).count()
    );
    for tag in tags(&page) {
        assert!(ALLOWED_TAGS.contains(&tag), "unexpected element `{tag}`");
    }
    // No event handler attribute anywhere in a tag.
    for tag in page.split('<').skip(1) {
        let inside = tag.split('>').next().unwrap_or("");
        assert!(
            !inside
                .split_whitespace()
                .any(|a| a.to_ascii_lowercase().starts_with("on")),
            "event handler in <{inside}>"
        );
    }
}

#[test]
fn is_self_contained() {
    let page = page(60);
    for piece in page.split('<').skip(1) {
        let (inside, text) = piece.split_once('>').unwrap();
        let inside = inside.to_ascii_lowercase();
        for needle in ["src=", "href=", "url(", "://", "xlink"] {
            assert!(!inside.contains(needle), "`{needle}` in <{inside}>");
        }
        if inside == "style" {
            assert!(
                !text.contains("url(") && !text.contains("@import"),
                "{text}"
            );
        }
    }
    for tag in [
        "link", "script", "iframe", "object", "embed", "img", "image", "use",
    ] {
        assert!(!tags(&page).contains(&tag), "<{tag}> in the page");
    }
    assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"));
}

#[test]
fn charts_have_axes_units_and_legends() {
    let page = page(60);
    // 3 charts over time, latency for all + 3 requests, the spectrum.
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 8);
    for title in [
        "requests/s",
        "errors/s",
        "users",
        "latency (ms)",
        "time since start",
        "percentile (log scale)",
    ] {
        assert!(
            page.contains(&format!(">{title}</text>")),
            "axis title `{title}`"
        );
    }
    for tick in [">0s<", ">30s<", ">60s<", ">90%<", ">99%<", ">99.9%<"] {
        assert!(page.contains(tick), "tick {tick}");
    }
    assert!(page.contains("<g class=\"legend\">"));
    assert!(page.contains(">warm-up</text>"));
    // The first breaching window of the objective with `over:`, 30 s to 40 s.
    assert_eq!(page.matches("<rect class=\"band breach\"").count(), 7);
    assert!(page.contains(">breach: predict.p99 &lt; 800ms &lt;script&gt;"));
    assert!(page.contains(">no data</text>"), "export was never chosen");
}

#[test]
fn a_one_hour_run_stays_under_one_megabyte() {
    let page = page(3600);
    let size = page.len();
    eprintln!("1-hour report: {size} bytes");
    assert!(size < 1_000_000, "{size} bytes");
    assert!(page.contains("Each point covers 6 s"));
    assert!(page.contains(">1h</text>"));
    // No line has more than 600 points (one M or L each).
    for d in page.split(" d=\"").skip(1) {
        let d = d.split('"').next().unwrap();
        assert!(
            d.matches(['M', 'L']).count() <= 601,
            "{} points",
            d.matches(['M', 'L']).count()
        );
    }
}

#[test]
fn open_model_runs_show_arrivals_and_generator_health() {
    let mut json = serde_json::to_value(fixture::summary(60)).unwrap();
    json["load"]["model"] = "open".into();
    json["load"]["cpu_s"] = 1.5.into();
    json["load"]["open"] = serde_json::json!({
        "target_rate": 45.0, "achieved_rate": 44.9, "scheduled": 2700, "dispatched": 2695,
        "sent": 2690, "dropped": 5, "late": 2, "lag_max_ms": 12.5, "lag_p99_ms": 1.2,
        "max_in_flight": 100, "tolerance": 0.05, "max_lag_ms": 50.0,
    });
    json["requests"][0]["dropped"] = 5.into();
    let mut run = fixture::run(60);
    run.summary = serde_json::from_value(json).unwrap();
    let page = html::render(&run.report()).unwrap();
    assert!(
        page.contains(
            "open model: 45.0 arrivals/s planned, 44.9/s achieved, at most 100 in flight"
        )
    );
    assert!(page.contains(">Requests in flight</figcaption>"));
    assert!(page.contains(">arrival rate planned / achieved</th>"));
    assert!(page.contains(
        ">dispatch lag p99 / max</th><td class=\"num\">1.2 ms / 12.5 ms (valid up to 50 ms)</td>"
    ));
    assert!(page.contains("<th class=\"num\">dropped</th>"));
    assert!(page.contains(">perfgate CPU time</th><td class=\"num\">1.5 s</td>"));
}
