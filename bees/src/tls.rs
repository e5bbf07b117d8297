//! TLS for https:// targets: rustls, with the system's roots and any certificate authority the
//! operator names, or, only when asked, no verification at all (a self-signed test target).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// How to trust an https target.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// PEM certificates of authorities to trust beside the system's.
    pub ca_pem: Option<String>,
    /// Accept any certificate: for self-signed test targets only.
    pub insecure: bool,
}

/// The client side of TLS for one attack; each virtual user gets its own session cache from it.
#[derive(Debug, Clone)]
pub struct Connector {
    config: Arc<ClientConfig>,
    /// Sent as SNI when it is a DNS name (an IP address is not sent, as RFC 6066 says).
    pub server_name: ServerName<'static>,
}

impl Connector {
    pub fn new(host: &str, trust: &Trust) -> Result<Connector, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let mut config = if trust.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else {
            builder.with_root_certificates(roots(trust.ca_pem.as_deref())?).with_no_client_auth()
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let server_name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_owned())
            .map_err(|_| format!("'{host}' is not a host name TLS can verify"))?;
        Ok(Connector { config: Arc::new(config), server_name })
    }

    /// A connector for one virtual user: its own TLS session, resumed only by itself, as one
    /// browser's would be.
    pub fn for_one_user(&self) -> tokio_rustls::TlsConnector {
        let mut config = (*self.config).clone();
        config.resumption = Resumption::in_memory_sessions(1);
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }
}

fn roots(ca_pem: Option<&str>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    // A system store with a few unreadable certificates still trusts the rest, as curl does.
    let system = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(system.certs);
    if let Some(pem) = ca_pem {
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let certificate = certificate.map_err(|e| format!("the CA certificate is not PEM: {e}"))?;
            roots.add(certificate).map_err(|e| format!("the CA certificate is unusable: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("the CA certificate file holds no certificate".into());
        }
    }
    if roots.is_empty() {
        return Err("no certificate authority to trust: the system has none, and none was given".into());
    }
    Ok(roots)
}

/// Trusts any certificate, still checking that the server holds its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
