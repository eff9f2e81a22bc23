//! The emulator's HTTP plumbing: a loopback hyper server (plain or TLS), requests read whole,
//! answers built from a small [`Reply`] type that can also trickle its body or hang up, as
//! misbehaving servers do. What the registry does lives in the sibling modules.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// A request as the emulator sees it: read whole, path split into decoded segments.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// As received, e.g. `/-/package/@scope%2fname/trust`.
    pub raw_path: String,
    pub query: Option<String>,
    /// Percent-decoded segments of the path: `["-", "package", "@scope/name", "trust"]`.
    pub segments: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Received over TLS.
    pub tls: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn bearer(&self) -> Option<&str> {
        let auth = self.header("authorization")?;
        auth.strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
            .map(str::trim)
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| decode(&v.replace('+', " ")))
        })
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// An answer: status, headers, body; or a hang-up.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send the body in this many pieces, pausing this long before each.
    pub trickle: Option<(usize, Duration)>,
    /// Close the connection without answering.
    pub hang_up: bool,
}

impl Reply {
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
            trickle: None,
            hang_up: false,
        }
    }

    pub fn json(status: u16, body: Value) -> Reply {
        Reply::bytes(status, "application/json", body.to_string().into_bytes())
    }

    /// An error answer in the registry's shape: `{ "message": ... }`.
    pub fn message(status: u16, message: &str) -> Reply {
        Reply::json(status, serde_json::json!({ "message": message }))
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            headers: vec![],
            ..Reply::bytes(status, "", vec![])
        }
    }

    pub fn hang_up() -> Reply {
        Reply {
            hang_up: true,
            ..Reply::empty(500)
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What serves requests: the registry's behaviour, given the whole request.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: Request) -> impl std::future::Future<Output = Reply> + Send;
}

/// A running server. Stopping it closes every open connection.
pub struct Running {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl Running {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

pub async fn serve<H: Handler>(
    handler: Arc<H>,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    tokio::spawn(async move {
        // Connections live in the set so that stopping the server closes them too.
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let handler = handler.clone();
                    let tls = tls.clone();
                    connections.spawn(async move {
                        let over_tls = tls.is_some();
                        let service = service_fn(move |req| respond(handler.clone(), req, over_tls));
                        let http = http1::Builder::new();
                        let _ = match tls {
                            Some(acceptor) => match acceptor.accept(stream).await {
                                Ok(stream) => http.serve_connection(TokioIo::new(stream), service).await,
                                Err(_) => return,
                            },
                            None => http.serve_connection(TokioIo::new(stream), service).await,
                        };
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    Ok(Running { addr, stop })
}

/// A response body sent piece by piece from a channel (for slow bodies).
pub struct Streamed(mpsc::Receiver<Bytes>);

impl Body for Streamed {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

type ResponseBody = http_body_util::Either<http_body_util::Full<Bytes>, Streamed>;

/// Why a connection was closed without an answer (hyper drops the connection on a service error).
#[derive(Debug)]
struct HungUp;

impl std::fmt::Display for HungUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hung up on purpose")
    }
}

impl std::error::Error for HungUp {}

async fn respond<H: Handler>(
    handler: Arc<H>,
    req: hyper::Request<Incoming>,
    tls: bool,
) -> Result<hyper::Response<ResponseBody>, HungUp> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let raw_path = parts.uri.path().to_string();
    let request = Request {
        method: parts.method.to_string(),
        segments: raw_path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect(),
        raw_path,
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        tls,
    };
    let reply = handler.handle(request).await;
    if reply.hang_up {
        return Err(HungUp);
    }
    let mut response = hyper::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    let body = match reply.trickle {
        None => http_body_util::Either::Left(http_body_util::Full::new(Bytes::from(reply.body))),
        Some((pieces, pause)) => {
            let (sender, receiver) = mpsc::channel(1);
            let size = reply.body.len().div_ceil(pieces.max(1)).max(1);
            let chunks: Vec<Bytes> = reply
                .body
                .chunks(size)
                .map(Bytes::copy_from_slice)
                .collect();
            tokio::spawn(async move {
                for chunk in chunks {
                    tokio::time::sleep(pause).await;
                    if sender.send(chunk).await.is_err() {
                        break;
                    }
                }
            });
            http_body_util::Either::Right(Streamed(receiver))
        }
    };
    Ok(response.body(body).unwrap_or_else(|_| {
        hyper::Response::new(http_body_util::Either::Left(http_body_util::Full::new(
            Bytes::new(),
        )))
    }))
}
