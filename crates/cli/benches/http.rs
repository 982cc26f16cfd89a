//! A Pluto `http_server` against a minimal hand-written hyper server doing the same work
//! (issue 13's figure), in one run so the ratio compares like with like on a shared
//! machine: `GET /items/:id` answers `{"id":..,"name":"item ..","price":42}`, the Pluto
//! server from `benchmarks/http/server.pluto`, the hyper one below (route match, serde
//! JSON). The same Rust load generator (hyper's HTTP/1.1 client, keep-alive connections,
//! each sending its requests one after another) drives both; requests per second and
//! p50/p99 latency with 1 and 32 connections.
//!
//! Run with `cargo bench -p pluto_cli --bench http`.

#[path = "support/load.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use support::{Load, free_port, wait_for};

#[derive(serde::Serialize)]
struct Item<'a> {
    id: &'a str,
    name: String,
    price: i64,
}

async fn answer(request: hyper::Request<hyper::body::Incoming>) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let segments: Vec<&str> = request.uri().path().split('/').filter(|s| !s.is_empty()).collect();
    let response = match (request.method() == hyper::Method::GET, segments.as_slice()) {
        (true, ["items", id]) => {
            let body = serde_json::to_string(&Item { id, name: format!("item {id}"), price: 42 }).unwrap();
            let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
            r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
            r
        }
        _ => {
            let mut r = hyper::Response::new(Full::new(Bytes::from_static(b"not found\n")));
            *r.status_mut() = hyper::StatusCode::NOT_FOUND;
            r
        }
    };
    Ok(response)
}

/// `--serve-hyper PORT`: this binary as the hand-written server, in a process of its own
/// like the Pluto server.
fn serve_hyper(port: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(answer))
                    .await;
            });
        }
    });
}

/// `connections` keep-alive connections to 127.0.0.1:`port`, `requests` each.
async fn load(port: u16, connections: usize, requests: usize) -> Load {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream)).await.expect("handshake");
            tokio::spawn(connection);
            let mut latencies = Vec::with_capacity(requests);
            for n in 0..requests {
                let t = Instant::now();
                let id = format!("{c}-{n}");
                let request = hyper::Request::get(format!("/items/{id}"))
                    .header("host", "127.0.0.1")
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                let response = sender.send_request(request).await.expect("request");
                assert_eq!(response.status(), 200);
                let body = response.into_body().collect().await.expect("body").to_bytes();
                assert!(body.starts_with(format!("{{\"id\":\"{id}\"").as_bytes()), "{body:?}");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    support::gather(start, tasks).await
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-hyper") {
        serve_hyper(args[i + 1].parse().unwrap());
        return;
    }
    // `--load PORT CONNECTIONS REQUESTS`: only the load, against a server started by hand
    // (to profile it).
    if let Some(i) = args.iter().position(|a| a == "--load") {
        let n = |j: usize| args[i + j].parse::<usize>().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let l = runtime.block_on(load(n(1) as u16, n(2), n(3)));
        println!("{:.0} r/s, p50 {:?}, p99 {:?}", l.per_second, l.p50, l.p99);
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/http");
    let work = std::env::temp_dir().join(format!("pluto-http-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let server = work.join("server");
    let out = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(["build", "server.pluto", "-o", server.to_str().unwrap()])
        .current_dir(&root)
        .output()
        .expect("run pluto");
    assert!(out.status.success(), "pluto build: {}", String::from_utf8_lossy(&out.stderr));

    let hyper_port = free_port();
    let mut hyper_server = Command::new(std::env::current_exe().unwrap())
        .args(["--serve-hyper", &hyper_port.to_string()])
        .spawn()
        .expect("start the hyper server");
    let pluto_port = free_port();
    // Per-request log lines off: the hand-written server does not log either.
    let mut pluto_server = Command::new(&server)
        .env("PLUTO_LOG", "off")
        .env("PLUTO_HTTP_LISTEN", format!("127.0.0.1:{pluto_port}"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start the Pluto server");
    wait_for(hyper_port);
    wait_for(pluto_port);

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!("GET /items/:id answered with JSON, same Rust hyper client (keep-alive), Pluto's request logs off:");
    support::header("connections", "requests", "hyper", "r/s");
    for (connections, requests) in [(1usize, 5000usize), (32, 400)] {
        // Warm both up, then measure them alternately.
        runtime.block_on(load(hyper_port, connections, 50));
        runtime.block_on(load(pluto_port, connections, 50));
        let h = runtime.block_on(load(hyper_port, connections, requests));
        let p = runtime.block_on(load(pluto_port, connections, requests));
        support::row(connections, connections * requests, &h, &p);
    }
    for child in [&mut pluto_server, &mut hyper_server] {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_dir_all(&work);
}
