//! `pluto check` performance on two generated programs: about 100k lines in many
//! deployment units in separate files calling each other across stages, and one unit in
//! one 50k-line file.
//!
//! Reports for each the cold check (fresh database: parse, resolve, infer, error sets,
//! all diagnostics) with the process's peak memory, then 1,000 re-checks in the same
//! database after a one-line edit inside one function body, with latency percentiles
//! and resident memory before and after. Run with `cargo bench -p pluto_hir --bench check`
//! (`PLUTO_BENCH_CASE=many|one` for one case, `PLUTO_BENCH_EDITS=N` for fewer edits).

use std::sync::Arc;
use std::time::{Duration, Instant};

use pluto_db::{FilePath, MemoryLoader, RootDatabase};

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
    let edits: usize = std::env::var("PLUTO_BENCH_EDITS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let only = std::env::var("PLUTO_BENCH_CASE").unwrap_or_default();
    if only.is_empty() || only == "many" {
        measure("many files", 100, 1000, "unit50", edits);
    }
    if only.is_empty() || only == "one" {
        measure("one file", 1, 50_000, "unit0", edits);
    }
}

fn measure(case: &str, units: usize, lines_per_unit: usize, edited_unit: &str, edit_count: usize) {
    let files = pluto_bench_gen::program("bench", units, lines_per_unit);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let loader = MemoryLoader::new(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let mut db = RootDatabase::new(Arc::new(loader));

    let start = Instant::now();
    let program = db.program(&FilePath::disk("bench/main.pluto"));
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    let cold = start.elapsed();
    assert!(
        diagnostics.is_empty(),
        "the generated program must be clean, got {} diagnostics: {:#?}",
        diagnostics.len(),
        &diagnostics[..diagnostics.len().min(3)]
    );
    let peak_mb = memory_kb("VmHWM:") as f64 / 1024.0;
    let functions = pluto_hir::queries::all_functions(&db, program).len();

    println!("## {case}: {lines} lines in {} files, {units} units, {functions} functions", files.len());
    println!("cold check: {:.0} ms, peak RSS {peak_mb:.0} MB", cold.as_secs_f64() * 1e3);

    // One-line edits inside one function body, alternating between two versions.
    let edited_path = format!("bench/{edited_unit}.pluto");
    let path = FilePath::disk(&edited_path);
    db.open_file(&path);
    let original = files.iter().find(|(p, _)| *p == edited_path).unwrap().1.clone();
    // The edited line is in the middle of the file.
    let middle = original.len() / 2 + original[original.len() / 2..].find("                total += x * 3\n").unwrap();
    let edited = format!("{}{}", &original[..middle], original[middle..].replacen("x * 3", "x * 4", 1));
    assert_ne!(original, edited);
    let rss_before = memory_kb("VmRSS:") as f64 / 1024.0;
    let mut times: Vec<Duration> = Vec::new();
    let breakdown = std::env::var_os("PLUTO_BENCH_BREAKDOWN").is_some();
    let mut phases: [Vec<Duration>; 6] = Default::default();
    for n in 0..edit_count {
        let text = if n % 2 == 0 { edited.clone() } else { original.clone() };
        db.set_file_text(&path, text);
        let start = Instant::now();
        if breakdown {
            // The queries in the order the re-check meets them, each timed on its own.
            let file = pluto_db::Db::file(&db, &path);
            let steps: [&dyn Fn(); 6] = [
                &|| { std::hint::black_box(pluto_db::modules::parse(&db, file)); },
                &|| { std::hint::black_box(pluto_hir::queries::ast_id_map(&db, file)); },
                &|| { std::hint::black_box(pluto_hir::queries::item_tree(&db, file)); },
                &|| { std::hint::black_box(pluto_hir::queries::def_map(&db, program)); },
                &|| { std::hint::black_box(pluto_hir::queries::file_error_summaries(&db, program, file)); },
                &|| { std::hint::black_box(pluto_hir::queries::file_semantic_diagnostics(&db, program, file)); },
            ];
            for (step, time) in steps.iter().zip(phases.iter_mut()) {
                let start = Instant::now();
                step();
                time.push(start.elapsed());
            }
        }
        let diagnostics = pluto_hir::program_diagnostics(&db, program);
        times.push(start.elapsed());
        assert!(diagnostics.is_empty());
    }
    let rss_after = memory_kb("VmRSS:") as f64 / 1024.0;
    if breakdown {
        let names = ["parse", "declaration walk", "item tree", "def map", "error summaries", "file diagnostics"];
        let medians: Vec<String> = names
            .iter()
            .zip(phases.iter_mut())
            .map(|(name, times)| {
                times.sort();
                format!("{name} {:.2} ms", times[times.len() / 2].as_secs_f64() * 1e3)
            })
            .collect();
        println!("breakdown of the re-check (p50 per step): {}", medians.join(", "));
        // The same edit in the 10-line entry file: what re-validating costs by itself.
        let main = FilePath::disk("bench/main.pluto");
        db.open_file(&main);
        let main_text = files.iter().find(|(p, _)| p == "bench/main.pluto").unwrap().1.clone();
        let main_edited = main_text.replace("print(v)", "print(v + 1)");
        let mut small = Vec::new();
        for n in 0..50 {
            db.set_file_text(&main, if n % 2 == 0 { main_edited.clone() } else { main_text.clone() });
            let start = Instant::now();
            let _ = pluto_hir::program_diagnostics(&db, program);
            small.push(start.elapsed());
        }
        small.sort();
        println!("breakdown: edit in the 10-line entry file, p50 {:.2} ms", small[25].as_secs_f64() * 1e3);
        let start = Instant::now();
        for _ in 0..20 {
            let parse = pluto_syntax::parse(&original);
            let root = parse.syntax();
            for node in root.children() {
                std::hint::black_box(pluto_hir::queries::strip_trivia(node.green()));
            }
        }
        println!(
            "breakdown: parse + strip of the edited file: {:.2} ms",
            start.elapsed().as_secs_f64() * 1e3 / 20.0
        );
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "re-check after a one-line body edit ({edit_count} edits): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    println!("RSS before the edits {rss_before:.0} MB, after {rss_after:.0} MB");
}
