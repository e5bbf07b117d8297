//! A local target to attack: a few "backends" behind one port, with a chosen latency, error rate,
//! status, stall, and stickiness (an AWSALB-like cookie, as an ALB with lb_cookie stickiness sets). Every
//! response names its backend in `X-Backend`. It listens on 127.0.0.1 only, over http or https.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{COOKIE, LOCATION, SET_COOKIE};
use hyper::service::service_fn;
pub use hyper::StatusCode;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

pub const BACKEND_HEADER: &str = "X-Backend";
pub const STICKY_COOKIE: &str = "AWSALB";

#[derive(Debug, Clone)]
pub struct Options {
    pub backends: u32,
    /// Pin each client to the backend named in its cookie (lb_cookie stickiness); else round robin.
    pub sticky: bool,
    pub latency: Duration,
    /// The status of every response (a redirect's goes back to `/`).
    pub status: StatusCode,
    /// Every n-th request gets a 503.
    pub error_every: Option<u64>,
    /// From `.0` after the first request, every response waits until `.0 + .1`: a stall.
    pub stall: Option<(Duration, Duration)>,
    /// Serve https, with a self-signed certificate for localhost and 127.0.0.1.
    pub tls: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backends: 3,
            sticky: true,
            latency: Duration::ZERO,
            status: StatusCode::OK,
            error_every: None,
            stall: None,
            tls: false,
        }
    }
}

/// A running target; stops when dropped.
pub struct Target {
    pub addr: SocketAddr,
    pub served: Arc<AtomicU64>,
    /// TLS handshakes completed, and the names clients asked for (SNI).
    pub handshakes: Arc<AtomicU64>,
    pub server_names: Arc<Mutex<BTreeSet<String>>>,
    /// The self-signed certificate of an https target, as PEM: the authority to trust.
    pub certificate_pem: Option<String>,
    connections: Arc<Connections>,
    _stop: oneshot::Sender<()>,
}

/// Connections open now, and the most that were open at once.
#[derive(Default)]
struct Connections {
    open: AtomicU64,
    most: AtomicU64,
}

/// One open connection, counted until it closes.
struct Open(Arc<Connections>);

impl Open {
    fn new(connections: &Arc<Connections>) -> Self {
        let open = connections.open.fetch_add(1, Ordering::Relaxed) + 1;
        connections.most.fetch_max(open, Ordering::Relaxed);
        Open(connections.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Target {
    /// http://127.0.0.1:port/, or https://localhost:port/ (the name its certificate is for).
    pub fn url(&self) -> String {
        match self.certificate_pem {
            Some(_) => format!("https://localhost:{}/", self.addr.port()),
            None => format!("http://{}/", self.addr),
        }
    }

    /// The most connections that were open at once: how many clients were truly at work together.
    pub fn most_connections(&self) -> u64 {
        self.connections.most.load(Ordering::Relaxed)
    }
}

struct State {
    options: Options,
    served: Arc<AtomicU64>,
    first_request: std::sync::OnceLock<Instant>,
}

pub async fn serve(options: Options) -> std::io::Result<Target> {
    serve_on(([127, 0, 0, 1], 0).into(), options).await
}

pub async fn serve_on(addr: SocketAddr, options: Options) -> std::io::Result<Target> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (acceptor, certificate_pem) = match options.tls {
        true => {
            let (acceptor, pem) = self_signed().map_err(std::io::Error::other)?;
            (Some(acceptor), Some(pem))
        }
        false => (None, None),
    };
    let served = Arc::new(AtomicU64::new(0));
    let handshakes = Arc::new(AtomicU64::new(0));
    let server_names = Arc::new(Mutex::new(BTreeSet::new()));
    let state = Arc::new(State { options, served: served.clone(), first_request: std::sync::OnceLock::new() });
    let (stop, mut stopped) = oneshot::channel();
    let (handshaken, named) = (handshakes.clone(), server_names.clone());
    let connections = Arc::new(Connections::default());
    let counted = connections.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let open = Open::new(&counted);
                    let state = state.clone();
                    let (acceptor, handshaken, named) = (acceptor.clone(), handshaken.clone(), named.clone());
                    tokio::spawn(async move {
                        let _open = open;
                        let service = service_fn(move |request| respond(state.clone(), request));
                        let http = hyper::server::conn::http1::Builder::new();
                        match acceptor {
                            None => { let _ = http.serve_connection(TokioIo::new(stream), service).await; }
                            Some(acceptor) => {
                                let Ok(stream) = acceptor.accept(stream).await else { return };
                                handshaken.fetch_add(1, Ordering::Relaxed);
                                if let Some(name) = stream.get_ref().1.server_name() {
                                    named.lock().expect("not poisoned").insert(name.to_owned());
                                }
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    });
                }
            }
        }
    });
    Ok(Target { addr, served, handshakes, server_names, certificate_pem, connections, _stop: stop })
}

/// A TLS acceptor with a fresh self-signed certificate, and that certificate as PEM.
fn self_signed() -> Result<(TlsAcceptor, String), String> {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(|e| e.to_string())?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(generated.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(vec![generated.cert.der().clone()], key))
        .map_err(|e| e.to_string())?;
    Ok((TlsAcceptor::from(Arc::new(config)), generated.cert.pem()))
}

async fn respond(
    state: Arc<State>,
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let n = state.served.fetch_add(1, Ordering::Relaxed) + 1;
    let options = &state.options;
    let first = *state.first_request.get_or_init(Instant::now);
    if let Some((after, length)) = options.stall {
        let (from, until) = (first + after, first + after + length);
        let now = Instant::now();
        if now >= from && now < until {
            tokio::time::sleep_until(until.into()).await;
        }
    }
    if !options.latency.is_zero() {
        tokio::time::sleep(options.latency).await;
    }
    let pinned = options.sticky.then(|| pinned_backend(&request, options.backends)).flatten();
    let backend = pinned.unwrap_or(((n - 1) % u64::from(options.backends.max(1))) as u32);
    let status = match options.error_every {
        Some(every) if every > 0 && n.is_multiple_of(every) => StatusCode::SERVICE_UNAVAILABLE,
        _ => options.status,
    };
    let mut response = Response::builder().status(status).header(BACKEND_HEADER, format!("backend-{backend}"));
    if status.is_redirection() {
        response = response.header(LOCATION, "/");
    }
    if options.sticky {
        response = response.header(SET_COOKIE, format!("{STICKY_COOKIE}=backend-{backend}; Path=/"));
    }
    Ok(response.body(Full::new(Bytes::from_static(b"ok\n"))).expect("a valid response"))
}

fn pinned_backend(request: &Request<hyper::body::Incoming>, backends: u32) -> Option<u32> {
    let cookies = request.headers().get(COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .filter_map(|c| cookie::Cookie::parse(c.trim().to_owned()).ok())
        .find(|c| c.name() == STICKY_COOKIE)
        .and_then(|c| c.value().strip_prefix("backend-").and_then(|n| n.parse().ok()))
        .filter(|n| *n < backends)
}
