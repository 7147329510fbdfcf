//! Validating the connection keys (`connections`, `http2`, `tls`, `gzip`,
//! `proxy`) into [`ClientOptions`]: the CA file is read and parsed and the
//! proxy URL checked here, so a bad one sends nothing.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{self, PemObject as _};

use super::Validator;
use super::host::{check_base_url, without_password};
use crate::core::bounded;
use crate::plan::client::{ClientOptions, Connections, TlsSpec, Trust};
use crate::plan::types::Plan;
use crate::plan::valid::Workload;

/// The largest `tls.ca_file` accepted.
pub const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Why a CA file's text is not a set of CA certificates.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    /// No `-----BEGIN CERTIFICATE-----` section.
    #[error("it holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` section)")]
    NoCertificate,
    /// The PEM text is malformed.
    #[error("it is not valid PEM: {0}")]
    Pem(String),
    /// A section decodes, but not to a certificate a TLS client can trust.
    #[error("certificate {index} is not a valid X.509 CA certificate: {reason}")]
    Certificate {
        /// 1-based, in file order.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl Validator<'_> {
    /// The run's connection options.
    pub(super) fn client(&mut self, plan: &Plan, load: &Workload) -> ClientOptions {
        ClientOptions {
            connections: self.connections(plan, load),
            http2: plan.http2,
            gzip: plan.gzip,
            proxy: self.proxy(plan),
            trust: self.trust(&plan.tls),
        }
    }

    fn connections(&mut self, plan: &Plan, load: &Workload) -> Connections {
        match (&plan.connections, load) {
            (Some(c), Workload::Open(_)) if c.value == Connections::PerUser => {
                let d = self.at(
                    c.referenced,
                    "`connections: per_user` needs the closed model (`users`); the open model has no users and always shares one pool",
                );
                self.problem(d.with_help("remove `connections`, or write `connections: shared`"));
                Connections::Shared
            }
            (_, Workload::Open(_)) => Connections::Shared,
            (Some(c), Workload::Closed(_)) => c.value,
            (None, Workload::Closed(_)) => Connections::PerUser,
        }
    }

    fn proxy(&mut self, plan: &Plan) -> Option<String> {
        let given = plan.proxy.as_ref()?;
        let text = given.value.trim();
        let why = match check_base_url(text, "a proxy URL has no path, query or fragment") {
            Ok(url) => return Some(url.to_string()),
            Err(why) => why,
        };
        let d = self.at(
            given.referenced,
            format!("invalid proxy `{}`: {why}", without_password(text)),
        );
        self.problem(d.with_help("write the proxy's URL, e.g. `http://127.0.0.1:3128`"));
        None
    }

    fn trust(&mut self, tls: &TlsSpec) -> Trust {
        let Some(file) = &tls.ca_file else {
            return if tls.insecure {
                Trust::Insecure
            } else {
                Trust::System
            };
        };
        if tls.insecure {
            let d = self.at(
                file.referenced,
                "`tls` has both `insecure: true` and `ca_file`: a CA file is pointless when no certificate is checked",
            );
            self.problem(d.with_help("remove one of them"));
            return Trust::Insecure;
        }
        let path = self.source.dir.join(&file.value);
        let problem = match bounded::read(&path, MAX_CA_FILE_BYTES) {
            Ok(bytes) => match ca_certificates(&bytes) {
                Ok(certs) => return Trust::Roots(Arc::from(certs)),
                Err(e) => format!("`{}`: {e}", path.display()),
            },
            Err(e) => format!("cannot read ca_file `{}`: {e}", path.display()),
        };
        let d = self.at(file.referenced, problem);
        self.problem(d.with_help(
            "give a PEM file of CA certificates; a relative `ca_file` is resolved against the plan's folder",
        ));
        Trust::System
    }
}

/// The certificates of a PEM file, each checked to be usable as a trust
/// anchor. Sections other than certificates (e.g. a private key) are skipped.
///
/// # Errors
///
/// When the text is not PEM, holds no certificate, or a certificate is not
/// valid X.509.
pub fn ca_certificates(text: &[u8]) -> Result<Vec<CertificateDer<'static>>, CaFileError> {
    let certs = CertificateDer::pem_slice_iter(text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CaFileError::Pem(pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(CaFileError::NoCertificate);
    }
    let mut store = RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        store
            .add(cert.clone())
            .map_err(|e| CaFileError::Certificate {
                index: i + 1,
                reason: e.to_string(),
            })?;
    }
    Ok(certs)
}

/// A PEM error in words (the library shows marker lines as byte lists).
fn pem_problem(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { end_marker } => format!(
            "a section has no `-----END {}-----` line",
            String::from_utf8_lossy(end_marker)
        ),
        pem::Error::IllegalSectionStart { line } => format!(
            "malformed section start `{}`",
            String::from_utf8_lossy(line).escape_debug()
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_certificates_and_skips_keys() {
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let text = format!("{}{}", key.serialize_pem(), ca.pem());
        let certs = ca_certificates(text.as_bytes()).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].as_ref(), ca.der().as_ref());
    }

    #[test]
    fn refuses_what_is_not_a_certificate() {
        assert!(matches!(
            ca_certificates(b"just text\n"),
            Err(CaFileError::NoCertificate)
        ));
        let cut = ca_certificates(b"-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap_err();
        assert!(
            cut.to_string().contains("-----END CERTIFICATE-----"),
            "{cut}"
        );
        let garbage =
            ca_certificates(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .unwrap_err();
        assert!(
            matches!(garbage, CaFileError::Certificate { index: 1, .. }),
            "{garbage}"
        );
    }
}
