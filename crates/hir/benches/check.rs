//! `pluto check` performance on a generated program of about 100k lines: many
//! deployment units in separate files calling each other across stages.
//!
//! Reports the cold check (fresh database: parse, resolve, infer, error sets, all
//! diagnostics) with the process's peak memory, then 1,000 re-checks in the same
//! database after a one-line edit inside one function body, with latency percentiles
//! and resident memory before and after. Run with `cargo bench -p pluto_hir --bench check`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pluto_db::{FilePath, MemoryLoader, RootDatabase};

const UNITS: usize = 100;

fn memory_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let files = pluto_bench_gen::program("bench", UNITS, 1000);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let loader = MemoryLoader::new(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let mut db = RootDatabase::new(Arc::new(loader));

    let start = Instant::now();
    let program = db.program(&FilePath::disk("bench/main.pluto"));
    let diagnostics = pluto_hir::diagnostics::program_diagnostics(&db, program);
    let cold = start.elapsed();
    assert!(
        diagnostics.is_empty(),
        "the generated program must be clean, got {} diagnostics: {:#?}",
        diagnostics.len(),
        &diagnostics[..diagnostics.len().min(3)]
    );
    let peak_mb = memory_kb("VmHWM:") as f64 / 1024.0;
    let functions = pluto_hir::lower::all_functions(&db, program).len();

    println!("program: {lines} lines in {} files, {UNITS} units, {functions} functions", files.len());
    println!("cold check: {:.0} ms, peak RSS {peak_mb:.0} MB", cold.as_secs_f64() * 1e3);

    // One-line edits inside one function body, alternating between two versions.
    let path = FilePath::disk("bench/unit50.pluto");
    db.open_file(&path);
    let original = files.iter().find(|(p, _)| p == "bench/unit50.pluto").unwrap().1.clone();
    let edited = original.replacen("                total += x * 3\n", "                total += x * 4\n", 1);
    assert_ne!(original, edited);
    let rss_before = memory_kb("VmRSS:") as f64 / 1024.0;
    let mut times: Vec<Duration> = Vec::new();
    for n in 0..1000 {
        let text = if n % 2 == 0 { edited.clone() } else { original.clone() };
        db.set_file_text(&path, text);
        let start = Instant::now();
        let diagnostics = pluto_hir::diagnostics::program_diagnostics(&db, program);
        times.push(start.elapsed());
        assert!(diagnostics.is_empty());
    }
    let rss_after = memory_kb("VmRSS:") as f64 / 1024.0;
    if std::env::var_os("PLUTO_BENCH_BREAKDOWN").is_some() {
        // The same edit in the 10-line entry file: what re-validating costs by itself.
        let main = FilePath::disk("bench/main.pluto");
        db.open_file(&main);
        let original = files.iter().find(|(p, _)| p == "bench/main.pluto").unwrap().1.clone();
        let edited = original.replace("print(v)", "print(v + 1)");
        let mut small = Vec::new();
        for n in 0..50 {
            db.set_file_text(&main, if n % 2 == 0 { edited.clone() } else { original.clone() });
            let start = Instant::now();
            let _ = pluto_hir::diagnostics::program_diagnostics(&db, program);
            small.push(start.elapsed());
        }
        small.sort();
        println!("breakdown: edit in the 10-line entry file, p50 {:.2} ms", small[25].as_secs_f64() * 1e3);
        let unit = files.iter().find(|(p, _)| p == "bench/unit50.pluto").unwrap().1.clone();
        let start = Instant::now();
        for _ in 0..20 {
            let parse = pluto_syntax::parse(&unit);
            let root = parse.syntax();
            for node in root.children() {
                std::hint::black_box(pluto_hir::item_tree::strip_trivia(node.green()));
            }
        }
        println!(
            "breakdown: parse + strip of the 1000-line unit file: {:.2} ms",
            start.elapsed().as_secs_f64() * 1e3 / 20.0
        );
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "re-check after a one-line body edit (1000 edits): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    println!("RSS before the edits {rss_before:.0} MB, after {rss_after:.0} MB");
}
