//! Stages over the network against hand-written tonic (issue 11's figures), in one run so
//! the ratios compare like with like on a shared machine:
//!
//! - unary calls per second and p50/p99 latency of the `bench` unit of
//!   `benchmarks/stages/bench.pluto` against a hand-written tonic server doing the same
//!   work (`n + 1`), driven by the same Rust client with 1 and 64 concurrent callers;
//! - calls per second end to end: Pluto's generated client (the `driver` unit) calling the
//!   Pluto unit, against the Rust tonic client calling the tonic server;
//! - streamed items per second: the Rust client reading `bench.count(n)` (a `pub fn`
//!   returning `Receiver<int>`) from the Pluto unit and from a hand-written tonic
//!   streaming server, and Pluto's generated client (the driver's `for i in
//!   bench.count(n)!`) reading it;
//! - a colocated cross-stage call against a plain call (`benchmarks/stages/colocated.pluto`).
//!
//! Run with `cargo bench -p pluto_cli --bench stages`. To study one side, run the bench
//! binary (`target/release/deps/stages-*`) with `--serve-tonic PORT` (the tonic server
//! alone), `--load PORT CALLERS CALLS` (one load against a running server), `--stream
//! PORT N` (one stream of N items read from a running server) or `--compare
//! CALLERS CALLS ROUNDS PORT...` (alternating loads against several running servers, for
//! instance a Pluto unit under two settings: one line of calls per second per round).

#[path = "support/load.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use support::{Load, free_port, wait_for};
use tonic::codegen::http::uri::PathAndQuery;
use tonic_prost::ProstCodec;

#[derive(Clone, PartialEq, prost::Message)]
struct WorkRequest {
    #[prost(int64, tag = "1")]
    n: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct WorkResponse {
    #[prost(oneof = "Outcome", tags = "1")]
    outcome: Option<Outcome>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum Outcome {
    #[prost(int64, tag = "1")]
    Ok(i64),
}

/// Rounds of each unary measurement; the table shows the median round.
const ROUNDS: usize = 7;

const PATH: &str = "/pluto.bench.Bench/Work";
const STREAM_PATH: &str = "/pluto.bench.Bench/Count";

/// The hand-written server: what tonic-build would generate for `Bench.Work`.
#[derive(Clone)]
struct TonicBench;

impl tonic::server::NamedService for TonicBench {
    const NAME: &'static str = "pluto.bench.Bench";
}

struct Work;

impl tonic::server::UnaryService<WorkRequest> for Work {
    type Response = WorkResponse;
    type Future = std::future::Ready<Result<tonic::Response<WorkResponse>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<WorkRequest>) -> Self::Future {
        let n = request.into_inner().n;
        std::future::ready(Ok(tonic::Response::new(WorkResponse { outcome: Some(Outcome::Ok(n + 1)) })))
    }
}

/// `Count(n)`: the items 0..n, each its own message.
struct Count;

impl tonic::server::ServerStreamingService<WorkRequest> for Count {
    type Response = WorkResponse;
    type ResponseStream =
        tokio_stream::Iter<std::iter::Map<std::ops::Range<i64>, fn(i64) -> Result<WorkResponse, tonic::Status>>>;
    type Future = std::future::Ready<Result<tonic::Response<Self::ResponseStream>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<WorkRequest>) -> Self::Future {
        let n = request.into_inner().n;
        let item: fn(i64) -> Result<WorkResponse, tonic::Status> =
            |i| Ok(WorkResponse { outcome: Some(Outcome::Ok(i)) });
        std::future::ready(Ok(tonic::Response::new(tokio_stream::iter((0..n).map(item)))))
    }
}

impl tonic::codegen::Service<tonic::codegen::http::Request<tonic::body::Body>> for TonicBench {
    type Response = tonic::codegen::http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = tonic::codegen::BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: tonic::codegen::http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(ProstCodec::<WorkResponse, WorkRequest>::default());
            match request.uri().path() {
                PATH => Ok(grpc.unary(Work, request).await),
                STREAM_PATH => Ok(grpc.server_streaming(Count, request).await),
                _ => Ok(tonic::Status::unimplemented("").into_http()),
            }
        })
    }
}

/// One connection to 127.0.0.1:`port`.
async fn connect(port: u16) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .tcp_nodelay(true)
        .connect()
        .await
        .expect("connect")
}

/// `callers` tasks, `calls` each, over one connection, against 127.0.0.1:`port`.
async fn load(port: u16, callers: usize, calls: usize) -> Load {
    let channel = connect(port).await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..callers {
        let channel = channel.clone();
        tasks.push(tokio::spawn(async move {
            let mut grpc = tonic::client::Grpc::new(channel);
            let mut latencies = Vec::with_capacity(calls);
            for n in 0..calls as i64 {
                let t = Instant::now();
                grpc.ready().await.expect("ready");
                let answer = grpc
                    .unary(
                        tonic::Request::new(WorkRequest { n }),
                        PathAndQuery::from_static(PATH),
                        ProstCodec::<WorkRequest, WorkResponse>::default(),
                    )
                    .await
                    .expect("call");
                assert_eq!(answer.into_inner().outcome, Some(Outcome::Ok(n + 1)));
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    support::gather(start, tasks).await
}

/// Reads a stream of `n` items from 127.0.0.1:`port`: items per second.
async fn stream(port: u16, n: i64) -> f64 {
    let channel = connect(port).await;
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let start = Instant::now();
    let mut items = grpc
        .server_streaming(
            tonic::Request::new(WorkRequest { n }),
            PathAndQuery::from_static(STREAM_PATH),
            ProstCodec::<WorkRequest, WorkResponse>::default(),
        )
        .await
        .expect("call")
        .into_inner();
    let mut expected = 0;
    while let Some(item) = items.message().await.expect("an item") {
        assert_eq!(item.outcome, Some(Outcome::Ok(expected)));
        expected += 1;
    }
    assert_eq!(expected, n);
    n as f64 / start.elapsed().as_secs_f64()
}

fn pluto(args: &[&str], dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_pluto")).args(args).current_dir(dir).output().expect("run pluto");
    assert!(out.status.success(), "pluto {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Runs the `driver` unit against `port`: the milliseconds it reports.
fn drive(build: &Path, port: u16, callers: usize, calls: usize) -> f64 {
    drive_with(build, port, &[("CALLERS", callers), ("CALLS", calls)])
}

fn drive_with(build: &Path, port: u16, settings: &[(&str, usize)]) -> f64 {
    let out = Command::new(build.join("driver/driver"))
        .env("PLUTO_LOG", "off")
        .env("PLUTO_STAGE_BENCH_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .envs(settings.iter().map(|(k, v)| (*k, v.to_string())))
        .output()
        .expect("run the driver");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !text.contains("failed"), "driver: {text}{}", String::from_utf8_lossy(&out.stderr));
    text.trim().parse().expect("milliseconds")
}

/// `--serve-tonic PORT`: this binary as the hand-written tonic server, in a process of
/// its own like the Pluto unit (so neither shares the load generator's threads).
fn serve_tonic(port: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let incoming = tokio_stream::StreamExt::map(incoming, |s| {
            if let Ok(stream) = &s {
                let _ = stream.set_nodelay(true);
            }
            s
        });
        tonic::transport::Server::builder().add_service(TonicBench).serve_with_incoming(incoming).await.unwrap();
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-tonic") {
        serve_tonic(args[i + 1].parse().unwrap());
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--load") {
        // `--load PORT CALLERS CALLS`: only the unary load against a running server (to
        // profile one side, e.g. under `perf record -p`).
        let n = |k: usize| args[i + k].parse::<usize>().expect("--load PORT CALLERS CALLS");
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let l = runtime.block_on(load(n(1) as u16, n(2), n(3)));
        println!("{:.0} calls/s, p50 {:?}, p99 {:?}", l.per_second, l.p50, l.p99);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--stream") {
        // `--stream PORT N`: read one stream of N items from a running server.
        let n = |k: usize| args[i + k].parse::<usize>().expect("--stream PORT N");
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        println!("{:.0} items/s", runtime.block_on(stream(n(1) as u16, n(2) as i64)));
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--compare") {
        // `--compare CALLERS CALLS ROUNDS PORT...`: the unary load against running servers,
        // alternately from one client runtime (as the table's rows are measured); prints
        // each round's calls per second, a line per round.
        let n = |k: usize| args[i + k].parse::<usize>().expect("--compare CALLERS CALLS ROUNDS PORT...");
        let ports: Vec<u16> = args[i + 4..].iter().map(|p| p.parse().expect("a port")).collect();
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        for &port in &ports {
            runtime.block_on(load(port, n(1), 50));
        }
        for _ in 0..n(3) {
            let round: Vec<String> = ports
                .iter()
                .map(|&port| format!("{:.0}", runtime.block_on(load(port, n(1), n(2))).per_second))
                .collect();
            println!("{}", round.join(" "));
        }
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/stages");
    let work = std::env::temp_dir().join(format!("pluto-stages-bench-{}", std::process::id()));
    let build = work.join("build");
    std::fs::create_dir_all(&work).unwrap();
    pluto(&["compile-stages", "bench.pluto", "--output-dir", build.to_str().unwrap()], &root);

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let tonic_port = free_port();
    let mut tonic_server = Command::new(std::env::current_exe().unwrap())
        .args(["--serve-tonic", &tonic_port.to_string()])
        .spawn()
        .expect("start the tonic server");
    wait_for(tonic_port);
    let pluto_port = free_port();
    // Per-call log lines off: the hand-written server does not log either.
    let mut unit = Command::new(build.join("bench/bench"))
        .env("PLUTO_LOG", "off")
        .env("PLUTO_STAGE_BENCH_LISTEN", format!("127.0.0.1:{pluto_port}"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start the unit");
    wait_for(pluto_port);

    println!(
        "unary calls, same Rust tonic client (one connection), server doing n + 1 (Pluto's per-call logs off), median of {ROUNDS} alternating rounds:"
    );
    support::header("callers", "calls", "tonic", "c/s");
    for (callers, calls) in [(1usize, 4000usize), (64, 1000)] {
        // Warm both up, then measure them alternately, ROUNDS times each.
        runtime.block_on(load(tonic_port, callers, 50));
        runtime.block_on(load(pluto_port, callers, 50));
        let (mut t, mut p) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            t.push(runtime.block_on(load(tonic_port, callers, calls)));
            p.push(runtime.block_on(load(pluto_port, callers, calls)));
        }
        support::row(callers, callers * calls, &support::median(t), &support::median(p));
    }

    println!();
    println!("end to end: Pluto's generated client -> Pluto unit, against Rust tonic client -> tonic server:");
    println!("{:<10} {:>8} {:>14} {:>14} {:>8}", "callers", "calls", "tonic c/s", "pluto c/s", "ratio");
    for (callers, calls) in [(1usize, 4000usize), (64, 300)] {
        drive(&build, pluto_port, callers, 50);
        let t = runtime.block_on(load(tonic_port, callers, calls));
        let ms = drive(&build, pluto_port, callers, calls);
        let p = (callers * calls) as f64 / (ms.max(1.0) / 1e3);
        println!(
            "{:<10} {:>8} {:>14.0} {:>14.0} {:>7.2}x",
            callers,
            callers * calls,
            t.per_second,
            p,
            p / t.per_second
        );
    }

    println!();
    println!("server streaming, items per second (one stream of n int64 items):");
    println!("{:<44} {:>10} {:>14} {:>14} {:>8}", "", "items", "tonic i/s", "pluto i/s", "ratio");
    let n = 200_000usize;
    runtime.block_on(stream(tonic_port, 1000));
    runtime.block_on(stream(pluto_port, 1000));
    let t = runtime.block_on(stream(tonic_port, n as i64));
    let p = runtime.block_on(stream(pluto_port, n as i64));
    println!("{:<44} {:>10} {:>14.0} {:>14.0} {:>7.2}x", "Rust tonic client reading the server", n, t, p, p / t);
    drive_with(&build, pluto_port, &[("STREAM", 1000)]);
    let ms = drive_with(&build, pluto_port, &[("STREAM", n)]);
    let p = n as f64 / (ms.max(1.0) / 1e3);
    println!(
        "{:<44} {:>10} {:>14.0} {:>14.0} {:>7.2}x",
        "Pluto's `for i in bench.count(n)!` (vs Rust)",
        n,
        t,
        p,
        p / t
    );
    for child in [&mut unit, &mut tonic_server] {
        let _ = child.kill();
        let _ = child.wait();
    }

    println!();
    let colocated = work.join("colocated");
    pluto(&["build", "colocated.pluto", "-o", colocated.to_str().unwrap()], &root);
    let mut plain = Vec::new();
    let mut cross = Vec::new();
    for _ in 0..3 {
        let out = Command::new(&colocated).output().expect("run colocated");
        let lines: Vec<f64> = String::from_utf8_lossy(&out.stdout).lines().map(|l| l.parse().unwrap()).collect();
        plain.push(lines[0]);
        cross.push(lines[1]);
    }
    plain.sort_by(f64::total_cmp);
    cross.sort_by(f64::total_cmp);
    let (plain, cross) = (plain[1], cross[1]);
    let calls = 300_000.0;
    println!("colocated cross-stage call vs plain call, callee ~1.7 µs of work, 300,000 calls (median of 3):");
    println!(
        "plain {plain:.0} ms, cross-stage {cross:.0} ms: {:.3}x, {:.0} ns fixed overhead per call",
        cross / plain,
        (cross - plain) / calls * 1e6
    );
    let _ = std::fs::remove_dir_all(&work);
}
