//! The bees' HTTP/1.1 exchange against a server that answers with exact bytes: bodies framed by
//! length, by chunks (with trailers) and by the close; interim responses; connections the server
//! closes; and responses no HTTP library would accept.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bees::{Attack, Load, Progress, Tally, Trust};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does for one request: the bytes it answers with, and whether it then closes.
struct Answer(&'static [u8], bool);

/// A server answering each request, on whatever connection, with the next answer; it counts the
/// connections it accepted.
async fn server(answers: Vec<Answer>) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let accepted = Arc::new(AtomicU64::new(0));
    let counted = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::Relaxed);
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                loop {
                    let Ok(n) = stream.read(&mut buffer).await else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    while let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        request.drain(..end + 4);
                        let Some(Answer(bytes, close)) = answers.lock().unwrap().pop_front() else { return };
                        // In two writes: a client must not expect a response in one read.
                        let (first, rest) = bytes.split_at(bytes.len() / 2);
                        let _ = stream.write_all(first).await;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        let _ = stream.write_all(rest).await;
                        if close {
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, accepted)
}

async fn attack(url: String, requests: u64) -> Tally {
    let attack = Attack {
        url,
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(2),
        sticky_header: None,
        trust: Trust::default(),
        load: Load::Closed { requests, concurrency: 1 },
    };
    attack.run(Arc::new(Progress::default())).await.unwrap()
}

#[tokio::test]
async fn bodies_framed_by_length_by_chunks_and_by_the_close_are_read_whole() {
    let (url, accepted) = server(vec![
        Answer(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", false),
        Answer(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n", false),
        Answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", false),
        Answer(b"HTTP/1.1 203 OK\r\nConnection: close\r\n\r\nto the end", true),
        Answer(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
        Answer(b"HTTP/1.1 204 No Content\r\n\r\n", false),
    ])
    .await;

    let tally = attack(url, 6).await;

    assert_eq!((tally.complete, tally.failed), (6, 0), "{:?}", tally.errors);
    assert_eq!(tally.statuses.keys().copied().collect::<Vec<_>>(), [200, 201, 202, 203, 204]);
    // Kept alive through the first three; the close and HTTP/1.0 each end a connection.
    assert_eq!(accepted.load(Ordering::Relaxed), 3);
}

#[tokio::test]
async fn an_interim_response_is_skipped_for_the_final_one() {
    let (url, _) =
        server(vec![Answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false)])
            .await;
    let tally = attack(url, 1).await;
    assert_eq!(tally.statuses.get(&200), Some(&1), "{:?}", tally.statuses);
}

#[tokio::test]
async fn a_keep_alive_connection_the_server_closed_while_idle_is_replaced_without_a_failure() {
    let (url, accepted) = server(vec![
        Answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true),
        Answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
    ])
    .await;
    let tally = attack(url, 2).await;
    assert_eq!((tally.complete, tally.failed), (2, 0), "{:?}", tally.errors);
    assert_eq!(accepted.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn responses_outside_http_1_1_fail_as_invalid_or_cut_short_as_reset() {
    for (answer, kind) in [
        (&b"HTTP/1.1 2OO OK\r\n\r\n"[..], "invalid"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", "invalid"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "reset"),
        (b"HTTP/1.1 200 O", "reset"),
    ] {
        let (url, _) = server(vec![Answer(answer, true)]).await;
        let tally = attack(url, 1).await;
        assert_eq!(tally.errors.get(kind), Some(&1), "{:?}: {:?}", String::from_utf8_lossy(answer), tally.errors);
    }
}
