//! The SLO expression parser on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(expr) = perfgate::slo::expr::parse(text) {
        // What parses must display and parse again to the same expression.
        let shown = expr.source.clone();
        assert!(perfgate::slo::expr::parse(&shown).is_ok(), "{shown}");
    }
});
