//! One virtual user's HTTP/1.1 connection (over TLS for https://) and cookie jar. A failed request drops the connection; the
//! next request opens a new one, as a browser would.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderName, HeaderValue, COOKIE, HOST, SET_COOKIE};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::tls::Connector;

/// Cookies a load balancer uses to pin a client to a target.
pub const LOAD_BALANCER_COOKIES: [&str; 3] = ["AWSALB", "AWSALBAPP", "AWSELB"];

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
    sender: Option<SendRequest<Full<Bytes>>>,
    cookies: BTreeMap<String, String>,
    /// This user's TLS session, resumed when it reconnects.
    tls: Option<TlsConnector>,
}

impl VirtualUser {
    pub async fn send(&mut self, template: &Template) -> Outcome {
        match tokio::time::timeout(template.timeout, self.exchange(template)).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(kind)) => {
                self.sender = None;
                Outcome::Failure(kind)
            }
            Err(_) => {
                self.sender = None;
                Outcome::Failure("timeout")
            }
        }
    }

    async fn exchange(&mut self, template: &Template) -> Result<Outcome, &'static str> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.sender = Some(self.connect(template).await?);
        }
        let sender = self.sender.as_mut().expect("connected above");
        sender.ready().await.map_err(|_| "reset")?;

        let mut request = Request::builder()
            .method(template.method.clone())
            .uri(template.path.clone())
            .header(HOST, template.host.clone());
        for (name, value) in &template.headers {
            request = request.header(name, value);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(COOKIE, jar.join("; "));
        }
        let request = request.body(Full::new(template.body.clone())).map_err(|_| "other")?;
        let response = sender.send_request(request).await.map_err(classify)?;
        let status = response.status().as_u16();
        for set_cookie in response.headers().get_all(SET_COOKIE) {
            if let Ok(parsed) = cookie::Cookie::parse(set_cookie.to_str().unwrap_or_default().to_owned()) {
                self.cookies.insert(parsed.name().to_owned(), parsed.value().to_owned());
            }
        }
        let backend = match &template.sticky_header {
            Some(header) => response.headers().get(header).and_then(|v| v.to_str().ok()).map(str::to_owned),
            None => LOAD_BALANCER_COOKIES.iter().find_map(|name| self.cookies.get(*name).cloned()),
        };
        response.into_body().collect().await.map_err(classify)?;
        Ok(Outcome::Response { status, backend })
    }

    async fn connect(&mut self, template: &Template) -> Result<SendRequest<Full<Bytes>>, &'static str> {
        let stream = TcpStream::connect(&template.authority).await.map_err(|_| "connect")?;
        let _ = stream.set_nodelay(true);
        match &template.tls {
            None => handshake(stream).await,
            Some(tls) => {
                let connector = self.tls.get_or_insert_with(|| tls.for_one_user());
                let stream = connector.connect(tls.server_name.clone(), stream).await.map_err(|_| "tls")?;
                handshake(stream).await
            }
        }
    }
}

async fn handshake<S>(stream: S) -> Result<SendRequest<Full<Bytes>>, &'static str>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|_| "connect")?;
    tokio::spawn(connection);
    Ok(sender)
}

fn classify(error: hyper::Error) -> &'static str {
    if error.is_incomplete_message() || error.is_closed() || error.is_canceled() {
        "reset"
    } else if error.is_timeout() {
        "timeout"
    } else {
        "other"
    }
}
