//! The `bootstrap` binary against a stand-in for the Lambda Runtime API: the handler name picks the
//! activity, and an activity's error name arrives as the invocation's error type, which is what Step
//! Functions matches in Retry and Catch.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// One HTTP request: method, path, body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

fn respond(stream: &mut TcpStream, headers: &[(&str, &str)], body: &str) {
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/json\r\n", body.len());
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(body);
    stream.write_all(response.as_bytes()).unwrap();
}

/// Serves one invocation of `event` to a bootstrap running `handler`; returns what it reported.
fn invoke_once(handler: &str, event: Value) -> (String, Value) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let api = listener.local_addr().unwrap().to_string();
    let mut bootstrap = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("_HANDLER", handler)
        .env("AWS_LAMBDA_FUNCTION_NAME", handler)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut served = false;
    let reported = loop {
        let (method, path, body) = read_request(&mut reader).expect("the bootstrap keeps talking");
        if method == "GET" && path.ends_with("/invocation/next") && !served {
            served = true;
            let deadline = (std::time::SystemTime::now() + Duration::from_secs(60))
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                .to_string();
            let headers = [
                ("Lambda-Runtime-Aws-Request-Id", "request-1"),
                ("Lambda-Runtime-Deadline-Ms", deadline.as_str()),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test"),
            ];
            respond(&mut writer, &headers, &event.to_string());
        } else if method == "POST" && path.contains("/invocation/request-1/") {
            respond(&mut writer, &[], "{}");
            let outcome = path.rsplit('/').next().unwrap().to_owned();
            break (outcome, serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
    };
    let _ = bootstrap.kill();
    let _ = bootstrap.wait();
    reported
}

#[test]
fn an_activity_error_reaches_the_runtime_as_its_error_type() {
    let (outcome, body) = invoke_once("DescribeImage", json!({ "imageId": "ami-1", "extra": true }));
    assert_eq!(outcome, "error");
    assert_eq!(body["errorType"], "Tuesday.InvalidInput");
    assert!(body["errorMessage"].as_str().unwrap().contains("extra"), "{body}");
}

#[test]
fn an_unreachable_aws_is_reported_as_retryable() {
    let (outcome, body) = invoke_once("DescribeImage", json!({ "imageId": "ami-1" }));
    assert_eq!(outcome, "error");
    assert_eq!(body["errorType"], "Tuesday.Retryable", "{body}");
}
