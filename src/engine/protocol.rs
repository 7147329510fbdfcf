//! Telling a target that does not speak HTTP apart from a broken connection.
//!
//! Every transport must classify its errors with [`is_protocol_error`], so
//! that "garbage instead of HTTP" is a `protocol` failure whichever client
//! sent the request.

use std::error::Error as StdError;

/// Whether `err`, or any error in its chain of causes, says the response was
/// not valid HTTP: an unparsable status line or header, an invalid
/// `Content-Length`, a malformed chunked body.
pub fn is_protocol_error(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && (h.is_parse() || h.is_parse_status())
        {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::InvalidData
        {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_data_is_a_protocol_error_and_a_reset_is_not() {
        let bad = std::io::Error::new(std::io::ErrorKind::InvalidData, "invalid chunk size");
        assert!(is_protocol_error(&bad));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!is_protocol_error(&reset));
    }
}
