//! Channels and tasks against Go-like baselines written in Rust (issue 14's figures), in
//! one run: the programs of `benchmarks/channels/` (each prints its milliseconds) against
//! the same work with `crossbeam-channel` and `std::thread`:
//!
//! - ping-pong: 100,000 round trips between two threads over two rendezvous channels;
//! - buffered: 1,000,000 numbers through a channel of capacity 1024, summed;
//! - spawn: 10,000 tasks each returning a number, all waited for (the baseline spawns and
//!   joins 10,000 OS threads, as Pluto's pool starts threads when none is idle).
//!
//! Median of 3 runs each. Run with `cargo bench -p pluto_cli --bench channels`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const ROUND_TRIPS: i64 = 100_000;
const ITEMS: i64 = 1_000_000;
const TASKS: i64 = 10_000;

fn ping_pong() -> f64 {
    let (ping, ping_rx) = crossbeam_channel::bounded::<i64>(0);
    let (pong_tx, pong) = crossbeam_channel::bounded::<i64>(0);
    let echo = std::thread::spawn(move || {
        for v in ping_rx {
            if pong_tx.send(v + 1).is_err() {
                return;
            }
        }
    });
    let start = Instant::now();
    let mut last = 0;
    for i in 0..ROUND_TRIPS {
        ping.send(i).unwrap();
        last = pong.recv().unwrap();
    }
    let elapsed = start.elapsed();
    drop(ping);
    echo.join().unwrap();
    assert_eq!(last, ROUND_TRIPS);
    elapsed.as_secs_f64() * 1e3
}

fn buffered() -> f64 {
    let (tx, rx) = crossbeam_channel::bounded::<i64>(1024);
    let start = Instant::now();
    let producer = std::thread::spawn(move || {
        for i in 0..ITEMS {
            tx.send(i).unwrap();
        }
    });
    let sum: i64 = rx.iter().sum();
    producer.join().unwrap();
    let elapsed = start.elapsed();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    elapsed.as_secs_f64() * 1e3
}

fn spawn() -> f64 {
    let start = Instant::now();
    let handles: Vec<_> = (0..TASKS).map(|i| std::thread::spawn(move || i * i)).collect();
    let sum: i64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(sum > 0);
    start.elapsed().as_secs_f64() * 1e3
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/channels");
    let work = std::env::temp_dir().join(format!("pluto-channels-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    println!("channels and tasks, milliseconds (median of 3), Pluto against crossbeam-channel / std::thread:");
    println!("{:<34} {:>10} {:>10} {:>8}", "", "rust", "pluto", "ratio");
    let cases: [(&str, &str, fn() -> f64, i64); 3] = [
        ("pingpong", "ping-pong, 100,000 round trips", ping_pong, ROUND_TRIPS),
        ("buffered", "buffered (1024), 1,000,000 items", buffered, ITEMS),
        ("spawn", "10,000 spawned tasks", spawn, TASKS),
    ];
    for (name, title, baseline, n) in cases {
        let exe = work.join(name);
        let out = Command::new(env!("CARGO_BIN_EXE_pluto"))
            .args(["build", &format!("{name}.pluto"), "-o", exe.to_str().unwrap()])
            .current_dir(&root)
            .output()
            .expect("run pluto");
        assert!(out.status.success(), "pluto build {name}: {}", String::from_utf8_lossy(&out.stderr));
        let pluto = median(
            (0..3)
                .map(|_| {
                    let out = Command::new(&exe).env("N", n.to_string()).output().expect("run the benchmark");
                    let text = String::from_utf8_lossy(&out.stdout);
                    assert!(out.status.success(), "{name}: {text}{}", String::from_utf8_lossy(&out.stderr));
                    text.trim().parse::<f64>().unwrap_or_else(|_| panic!("{name} printed {text:?}"))
                })
                .collect(),
        );
        let rust = median((0..3).map(|_| baseline()).collect());
        println!("{title:<34} {rust:>10.1} {pluto:>10.1} {:>7.2}x", pluto / rust);
    }
    let _ = std::fs::remove_dir_all(&work);
}
