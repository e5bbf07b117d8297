//! One virtual user's HTTP/1.1 connection (over TLS for https://) and cookie jar. The exchange is
//! done on the socket itself: the request's bytes are built once (again only when a cookie changes)
//! and written in one call; the response head is parsed in place by httparse and the body skipped by
//! its length or its chunks, framed as RFC 9112 section 6 says. Between a virtual user and its socket
//! there is no task, channel or per-request copy: there a general HTTP client spent about a third of
//! the bees' time (#19). A failed request drops the connection; the next opens a new one, as a
//! browser would.

use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Uri};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Sleep;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::tls::Connector;

/// Cookies a load balancer uses to pin a client to a target.
pub const LOAD_BALANCER_COOKIES: [&str; 3] = ["AWSALB", "AWSALBAPP", "AWSELB"];

/// The most a response head, a chunk-size line or the trailers may take: hyper's limit for a head.
const MAX_HEAD: usize = 64 * 1024;
/// Headers a response may have, as hyper allows.
const MAX_HEADERS: usize = 100;

/// The request every virtual user sends.
#[derive(Debug, Clone)]
pub struct Template {
    /// The path and query, as sent on the request line.
    pub path: Uri,
    pub authority: String,
    pub host: HeaderValue,
    pub method: Method,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    pub timeout: Duration,
    /// The response header naming the backend; without it, the load balancer's cookie.
    pub sticky_header: Option<HeaderName>,
    /// For an https:// target.
    pub tls: Option<Connector>,
}

/// How one request ended.
pub enum Outcome {
    Response { status: u16, backend: Option<String> },
    Failure(&'static str),
}

#[derive(Default)]
pub struct VirtualUser {
    stream: Option<Stream>,
    /// What the server sent and the user has not read yet.
    received: BytesMut,
    /// The request as sent, with this user's cookies; empty when a cookie changed since.
    request: Vec<u8>,
    cookies: BTreeMap<String, String>,
    /// This user's TLS session, resumed when it reconnects.
    tls: Option<TlsConnector>,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Why an exchange failed.
enum Broken {
    /// No connection: refused, unreachable ("connect"), or its TLS handshake failed ("tls").
    Connect(&'static str),
    /// The connection ended before any byte of an answer: on a kept-alive connection, the server
    /// closed it while idle, and the request may be sent again on a new one.
    Unanswered,
    /// The connection ended, or failed, part way.
    Reset,
    /// The response is not HTTP/1.1 as RFC 9112 frames it.
    Invalid,
}

impl Broken {
    fn kind(&self) -> &'static str {
        match self {
            Broken::Connect(kind) => kind,
            Broken::Unanswered | Broken::Reset => "reset",
            Broken::Invalid => "invalid",
        }
    }
}

impl VirtualUser {
    /// Sends the request at `now`, giving up at `now` + the template's timeout. `deadline` is the
    /// user's one timer, moved on for each request: a later deadline is a store, where a timer per
    /// request (`tokio::time::timeout`) went in and out of the runtime's timer wheel every time.
    pub async fn send(&mut self, template: &Template, now: Instant, mut deadline: Pin<&mut Sleep>) -> Outcome {
        deadline.as_mut().reset((now + template.timeout).into());
        let result = tokio::select! {
            biased;
            result = self.exchange(template) => result,
            () = deadline => Err("timeout"),
        };
        result.unwrap_or_else(|kind| {
            self.stream = None;
            Outcome::Failure(kind)
        })
    }

    async fn exchange(&mut self, template: &Template) -> Result<Outcome, &'static str> {
        if self.request.is_empty() {
            self.request = request_bytes(template, &self.cookies);
        }
        let kept_alive = self.stream.is_some();
        match self.round_trip(template).await {
            Err(Broken::Unanswered) if kept_alive => {
                // The server closed the idle connection as this request went out: a new one, as a
                // browser would.
                self.stream = None;
                self.round_trip(template).await.map_err(|broken| broken.kind())
            }
            result => result.map_err(|broken| broken.kind()),
        }
    }

    async fn round_trip(&mut self, template: &Template) -> Result<Outcome, Broken> {
        if self.stream.is_none() {
            self.stream = Some(self.connect(template).await.map_err(Broken::Connect)?);
            self.received.clear();
        }
        let VirtualUser { stream, received, request, cookies, .. } = self;
        let stream = stream.as_mut().expect("connected above");
        stream.write(request).await.map_err(|_| Broken::Unanswered)?;
        let mut head = read_head(stream, received, template.sticky_header.as_ref(), cookies).await?;
        if head.cookies_changed {
            request.clear();
        }
        let backend = match &template.sticky_header {
            Some(_) => head.backend.take(),
            None => LOAD_BALANCER_COOKIES.iter().find_map(|name| cookies.get(*name).cloned()),
        };
        let keep_alive = match head.body(&template.method) {
            Body::None => head.keep_alive,
            Body::Length(length) => skip(stream, received, length).await.map(|()| head.keep_alive)?,
            Body::Chunked => skip_chunks(stream, received).await.map(|()| head.keep_alive)?,
            Body::UntilClose => skip_to_close(stream, received).await.map(|()| false)?,
        };
        if !keep_alive {
            self.stream = None;
        }
        Ok(Outcome::Response { status: head.status, backend })
    }

    async fn connect(&mut self, template: &Template) -> Result<Stream, &'static str> {
        let stream = TcpStream::connect(&template.authority).await.map_err(|_| "connect")?;
        let _ = stream.set_nodelay(true);
        match &template.tls {
            None => Ok(Stream::Plain(stream)),
            Some(tls) => {
                let connector = self.tls.get_or_insert_with(|| tls.for_one_user());
                let stream = connector.connect(tls.server_name.clone(), stream).await.map_err(|_| "tls")?;
                Ok(Stream::Tls(Box::new(stream)))
            }
        }
    }
}

/// The request line, headers and body as they go on the wire.
fn request_bytes(template: &Template, cookies: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + template.body.len());
    let mut line = |parts: &[&[u8]]| {
        parts.iter().for_each(|part| out.extend_from_slice(part));
        out.extend_from_slice(b"\r\n");
    };
    line(&[template.method.as_str().as_bytes(), b" ", template.path.to_string().as_bytes(), b" HTTP/1.1"]);
    line(&[b"Host: ", template.host.as_bytes()]);
    for (name, value) in &template.headers {
        line(&[name.as_str().as_bytes(), b": ", value.as_bytes()]);
    }
    if !cookies.is_empty() {
        let jar: Vec<String> = cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
        line(&[b"Cookie: ", jar.join("; ").as_bytes()]);
    }
    let has_body = !template.body.is_empty() || matches!(template.method, Method::POST | Method::PUT | Method::PATCH);
    if has_body {
        line(&[b"Content-Length: ", template.body.len().to_string().as_bytes()]);
    }
    line(&[]);
    out.extend_from_slice(&template.body);
    out
}

/// What the response head says, kept past the buffer it was parsed from.
struct Head {
    status: u16,
    /// Content-Length, when it is the body's framing.
    length: Option<u64>,
    chunked: bool,
    /// Transfer-Encoding without chunked last: the body runs to the close.
    to_close: bool,
    keep_alive: bool,
    /// A Set-Cookie changed the jar: the request is built again.
    cookies_changed: bool,
    backend: Option<String>,
}

enum Body {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

impl Head {
    /// RFC 9112 section 6.3: how the body is delimited.
    fn body(&self, method: &Method) -> Body {
        if *method == Method::HEAD || self.status == 204 || self.status == 304 {
            Body::None
        } else if self.chunked {
            Body::Chunked
        } else if self.to_close {
            Body::UntilClose
        } else {
            match self.length {
                Some(0) => Body::None,
                Some(length) => Body::Length(length),
                None => Body::UntilClose,
            }
        }
    }
}

/// Reads until a final response's head is complete (interim 1xx responses skipped), and leaves
/// `received` at its body.
async fn read_head(
    stream: &mut Stream,
    received: &mut BytesMut,
    sticky_header: Option<&HeaderName>,
    cookies: &mut BTreeMap<String, String>,
) -> Result<Head, Broken> {
    let mut answered = !received.is_empty();
    loop {
        // Left uninitialised, as hyper leaves them: httparse writes each header before it is read,
        // and zeroing a hundred of them cost more than parsing a head.
        let mut headers = [MaybeUninit::<httparse::Header>::uninit(); MAX_HEADERS];
        let mut response = httparse::Response::new(&mut []);
        match httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut response,
            received,
            &mut headers,
        ) {
            Ok(httparse::Status::Complete(length)) => {
                let status = response.code.expect("a complete head has a status");
                let head =
                    (!(100..200).contains(&status)).then(|| head_of(&response, sticky_header, cookies)).transpose()?;
                received.advance(length);
                match head {
                    Some(head) => return Ok(head),
                    // An interim response (100 Continue, 103 Early Hints): the final one follows.
                    None => continue,
                }
            }
            Ok(httparse::Status::Partial) if received.len() < MAX_HEAD => {}
            _ => return Err(Broken::Invalid),
        }
        if fill(stream, received).await? == 0 {
            return Err(if answered { Broken::Reset } else { Broken::Unanswered });
        }
        answered = true;
    }
}

fn head_of(
    response: &httparse::Response<'_, '_>,
    sticky_header: Option<&HeaderName>,
    cookies: &mut BTreeMap<String, String>,
) -> Result<Head, Broken> {
    let mut head = Head {
        status: response.code.expect("parsed"),
        length: None,
        chunked: false,
        to_close: false,
        // HTTP/1.0 closes unless it says keep-alive; HTTP/1.1 keeps alive unless it says close.
        keep_alive: response.version == Some(1),
        cookies_changed: false,
        backend: None,
    };
    for header in response.headers.iter() {
        let (name, value) = (header.name, header.value);
        if name.eq_ignore_ascii_case("content-length") {
            let length = std::str::from_utf8(value).ok().and_then(|v| v.trim().parse::<u64>().ok());
            // Several values are an error unless they agree (RFC 9110 section 8.6).
            match (length, head.length) {
                (Some(length), None) => head.length = Some(length),
                (Some(length), Some(before)) if length == before => {}
                _ => return Err(Broken::Invalid),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = value.rsplit(|b| *b == b',').next().unwrap_or_default();
            let chunked = last.trim_ascii().eq_ignore_ascii_case(b"chunked");
            (head.chunked, head.to_close) = (chunked, !chunked);
        } else if name.eq_ignore_ascii_case("connection") {
            for option in value.split(|b| *b == b',').map(<[u8]>::trim_ascii) {
                if option.eq_ignore_ascii_case(b"close") {
                    head.keep_alive = false;
                } else if option.eq_ignore_ascii_case(b"keep-alive") {
                    head.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("set-cookie") {
            let Some(cookie) = std::str::from_utf8(value).ok().and_then(|v| cookie::Cookie::parse(v).ok()) else {
                continue;
            };
            // Compared before anything is copied: an ALB sets its cookie on every response.
            match cookies.get_mut(cookie.name()) {
                Some(kept) if kept == cookie.value() => {}
                Some(kept) => (*kept, head.cookies_changed) = (cookie.value().to_owned(), true),
                None => {
                    cookies.insert(cookie.name().to_owned(), cookie.value().to_owned());
                    head.cookies_changed = true;
                }
            }
        } else if sticky_header.is_some_and(|sticky| name.eq_ignore_ascii_case(sticky.as_str())) {
            head.backend = std::str::from_utf8(value).ok().map(str::to_owned);
        }
    }
    if head.chunked || head.to_close {
        // Transfer-Encoding overrides Content-Length (RFC 9112 section 6.3).
        head.length = None;
    }
    Ok(head)
}

/// Reads what the server sent next into `received`; 0 at the end of the connection.
async fn fill(stream: &mut Stream, received: &mut BytesMut) -> Result<usize, Broken> {
    received.reserve(16 * 1024);
    stream.read(received).await.map_err(|_| Broken::Reset)
}

/// Reads more of a response that is not complete yet: the connection ending here cuts it short.
async fn more(stream: &mut Stream, received: &mut BytesMut) -> Result<(), Broken> {
    match fill(stream, received).await? {
        0 => Err(Broken::Reset),
        _ => Ok(()),
    }
}

async fn skip(stream: &mut Stream, received: &mut BytesMut, mut length: u64) -> Result<(), Broken> {
    loop {
        let here = length.min(received.len() as u64);
        received.advance(here as usize);
        length -= here;
        if length == 0 {
            return Ok(());
        }
        more(stream, received).await?;
    }
}

async fn skip_chunks(stream: &mut Stream, received: &mut BytesMut) -> Result<(), Broken> {
    loop {
        match httparse::parse_chunk_size(received) {
            Ok(httparse::Status::Complete((line, 0))) => {
                received.advance(line);
                return skip_trailers(stream, received).await;
            }
            Ok(httparse::Status::Complete((line, size))) => {
                received.advance(line);
                skip(stream, received, size).await?;
                while received.len() < 2 {
                    more(stream, received).await?;
                }
                if &received[..2] != b"\r\n" {
                    return Err(Broken::Invalid);
                }
                received.advance(2);
                continue;
            }
            Ok(httparse::Status::Partial) if received.len() < MAX_HEAD => {}
            _ => return Err(Broken::Invalid),
        }
        more(stream, received).await?;
    }
}

async fn skip_trailers(stream: &mut Stream, received: &mut BytesMut) -> Result<(), Broken> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::parse_headers(received, &mut headers) {
            Ok(httparse::Status::Complete((length, _))) => {
                received.advance(length);
                return Ok(());
            }
            Ok(httparse::Status::Partial) if received.len() < MAX_HEAD => {}
            _ => return Err(Broken::Invalid),
        }
        more(stream, received).await?;
    }
}

async fn skip_to_close(stream: &mut Stream, received: &mut BytesMut) -> Result<(), Broken> {
    loop {
        received.clear();
        if fill(stream, received).await? == 0 {
            return Ok(());
        }
    }
}

impl Stream {
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Plain(stream) => stream.write_all(bytes).await,
            Stream::Tls(stream) => {
                stream.write_all(bytes).await?;
                stream.flush().await
            }
        }
    }

    async fn read(&mut self, into: &mut BytesMut) -> std::io::Result<usize> {
        match self {
            Stream::Plain(stream) => stream.read_buf(into).await,
            Stream::Tls(stream) => stream.read_buf(into).await,
        }
    }
}
