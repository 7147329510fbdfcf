//! Reading untrusted files (plans, the files they name, reports read back)
//! with a size limit, so that a huge file or a device such as `/dev/zero` is
//! refused instead of exhausting memory.

use std::io::Read as _;
use std::path::Path;

/// Why a bounded read failed.
#[derive(Debug, thiserror::Error)]
pub enum BoundedReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file holds more than the limit.
    #[error("it is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// Reads the whole of `path`, refusing more than `limit` bytes. The limit is
/// enforced while reading, so it holds for pipes and devices whose reported
/// size is 0.
///
/// # Errors
///
/// When the file cannot be read or is larger than `limit`.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, BoundedReadError> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(BoundedReadError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_endless_device() {
        let err = read(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(matches!(err, BoundedReadError::TooLarge { limit: 1024 }));
    }

    #[test]
    fn reads_a_file_within_the_limit() {
        let bytes = read(Path::new("Cargo.toml"), 1 << 20).unwrap();
        assert!(bytes.starts_with(b"[package]"));
        assert!(matches!(
            read(Path::new("Cargo.toml"), 10),
            Err(BoundedReadError::TooLarge { limit: 10 })
        ));
    }
}
