//! "Did you mean": the nearest known word to a likely typo.

/// The nearest of `candidates` to `word`, when it is close enough to be a
/// likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typos_only() {
        let keys = ["users", "spawn_rate", "duration"];
        assert_eq!(nearest("spawn_rte", keys), Some("spawn_rate"));
        assert_eq!(nearest("durtion", keys), Some("duration"));
        assert_eq!(nearest("xyz", keys), None);
    }
}
