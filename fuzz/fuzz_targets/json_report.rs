//! The JSON report reader used by `report`, `compare` and `merge`, on
//! arbitrary bytes; what it accepts must render without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perfgate::core::record::parse;
use perfgate::report::{Exporter, RunReport, html::HtmlExporter, terminal};

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = parse(data) {
        let run = RunReport {
            summary: &read.summary,
            slos: &read.slos,
            verdict: &read.verdict,
            regression: read.regression.as_ref(),
        };
        let _ = terminal::render(&run);
        let _ = HtmlExporter.render(&run);
    }
});
