//! A local target to attack: a few "backends" behind one port, with a chosen latency, error rate,
//! status, stall, and stickiness (an AWSALB-like cookie, as an ALB with lb_cookie stickiness sets). Every
//! response names its backend in `X-Backend`. It listens on 127.0.0.1 only.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{COOKIE, LOCATION, SET_COOKIE};
use hyper::service::service_fn;
pub use hyper::StatusCode;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
        }
    }
}

/// A running target; stops when dropped.
pub struct Target {
    pub addr: SocketAddr,
    pub served: Arc<AtomicU64>,
    _stop: oneshot::Sender<()>,
}

impl Target {
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
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
    let served = Arc::new(AtomicU64::new(0));
    let state = Arc::new(State { options, served: served.clone(), first_request: std::sync::OnceLock::new() });
    let (stop, mut stopped) = oneshot::channel();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| respond(state.clone(), request));
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
            }
        }
    });
    Ok(Target { addr, served, _stop: stop })
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
