//! What the network benchmarks share: ports, waiting for a server, and a table row of
//! throughput and latency of a hand-written baseline against Pluto.

#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Throughput and latency of one load run.
pub struct Load {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Load {
    /// From every call's latency and the run's duration.
    pub fn of(mut latencies: Vec<Duration>, elapsed: Duration) -> Load {
        latencies.sort();
        Load {
            per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
            p50: latencies[latencies.len() / 2],
            p99: latencies[latencies.len() * 99 / 100],
        }
    }
}

/// The round with the median throughput (the machine is shared: single rounds vary).
pub fn median(mut rounds: Vec<Load>) -> Load {
    rounds.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    rounds.swap_remove(rounds.len() / 2)
}

/// The load of `tasks` (each returns its calls' latencies), started at `start`.
pub async fn gather(start: Instant, tasks: Vec<tokio::task::JoinHandle<Vec<Duration>>>) -> Load {
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Load::of(latencies, start.elapsed())
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits (at most 30 s) until something accepts connections on 127.0.0.1:`port`.
pub fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing serves port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The header of a table comparing `baseline` (`tonic`, `hyper`) with Pluto, per
/// `clients` (`callers`, `connections`) and `unit` (`c/s`, `r/s`).
pub fn header(clients: &str, calls: &str, baseline: &str, unit: &str) {
    println!(
        "{clients:<12} {calls:>9} {:>11} {:>8} {:>8} {:>11} {:>8} {:>8} {:>8} {:>8}",
        format!("{baseline} {unit}"),
        "p50 µs",
        "p99 µs",
        format!("pluto {unit}"),
        "p50 µs",
        "p99 µs",
        "thru",
        "p99"
    );
}

/// One row: Pluto's throughput and p99 as ratios of the baseline's.
pub fn row(clients: usize, calls: usize, baseline: &Load, pluto: &Load) {
    println!(
        "{:<12} {:>9} {:>11.0} {:>8.0} {:>8.0} {:>11.0} {:>8.0} {:>8.0} {:>7.2}x {:>7.2}x",
        clients,
        calls,
        baseline.per_second,
        baseline.p50.as_secs_f64() * 1e6,
        baseline.p99.as_secs_f64() * 1e6,
        pluto.per_second,
        pluto.p50.as_secs_f64() * 1e6,
        pluto.p99.as_secs_f64() * 1e6,
        pluto.per_second / baseline.per_second,
        pluto.p99.as_secs_f64() / baseline.p99.as_secs_f64(),
    );
}
