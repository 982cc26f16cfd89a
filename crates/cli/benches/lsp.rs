//! Language server latency over real JSON-RPC to the `pluto lsp` process, on two generated
//! programs of about 50k lines: 50 units in 50 files, and one unit in one 50k-line file.
//! For each: the time from `didChange` (a one-line edit inside a function body that adds
//! or removes a type error) to the `publishDiagnostics` that reflects it; completion after
//! `self.`; hover on a call; semantic tokens of the edited file; and the server's memory
//! over the edits. Run with `cargo bench -p pluto_cli --bench lsp` (`PLUTO_BENCH_EDITS=N`
//! for fewer edits, `PLUTO_BENCH_CASE=many|one` for one case, `PLUTO_BENCH_TOKENS=N` for N
//! semantic-token requests).

#[path = "../tests/support/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::{Server, uri};
use serde_json::json;

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1));
    kb.and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1e3
}

fn main() {
    let edits: u32 = std::env::var("PLUTO_BENCH_EDITS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let only = std::env::var("PLUTO_BENCH_CASE").unwrap_or_default();
    if only.is_empty() || only == "many" {
        measure("many files", 50, 1000, "unit25.pluto", edits);
    }
    if only.is_empty() || only == "one" {
        measure("one file", 1, 50_000, "unit0.pluto", edits);
    }
}

fn measure(case: &str, units: usize, lines_per_unit: usize, edited: &str, edit_count: u32) {
    let dir = std::env::temp_dir().join(format!("pluto-lsp-bench-{}-{units}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let files = pluto_bench_gen::program(dir.to_str().unwrap(), units, lines_per_unit);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    for (path, text) in &files {
        std::fs::write(path, text).unwrap();
    }
    let edited = dir.join(edited);
    let original = std::fs::read_to_string(&edited).unwrap();
    // The edited line (in the middle of the file), and its two versions: clean, and with
    // a type error.
    let middle = original.lines().count() / 2;
    let line =
        (middle + original.lines().skip(middle).position(|l| l == "                total += x * 3").unwrap()) as u32;
    let (clean, broken) = ("                total += x * 3", "                total += x * \"3\"");

    let mut server = Server::start(&dir);
    let pid = server.child.id();
    let start = Instant::now();
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&edited), "languageId": "pluto", "version": 0, "text": original } }),
    );
    server.diagnostics_for(&edited, |d| d.is_empty());
    let cold = start.elapsed();
    let rss_before = rss_mb(pid);

    let mut edits = Vec::new();
    for n in 1..=edit_count {
        let (from, to) = if n % 2 == 1 { (clean, broken) } else { (broken, clean) };
        let started = Instant::now();
        server.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri(&edited), "version": n },
                "contentChanges": [{
                    "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": from.len() } },
                    "text": to
                }]
            }),
        );
        let expect_error = n % 2 == 1;
        server.diagnostics_for(&edited, |d| d.is_empty() != expect_error);
        edits.push(started.elapsed());
    }
    let rss_after = rss_mb(pid);

    // Completion after `self.`, and hover on a call, in a function body.
    let body_line =
        original.lines().position(|l| l.starts_with("        let local = self.store.get(key)")).unwrap() as u32;
    let mut completions = Vec::new();
    let mut hovers = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let items = server.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri(&edited) }, "position": { "line": body_line, "character": 25 } }),
        );
        completions.push(started.elapsed());
        assert!(!items.as_array().unwrap().is_empty());
        let started = Instant::now();
        let hover = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri(&edited) }, "position": { "line": body_line, "character": 34 } }),
        );
        hovers.push(started.elapsed());
        assert!(!hover.is_null());
    }
    // Semantic highlighting of the whole edited file, as an editor asks after each change.
    let mut tokens = Vec::new();
    for _ in 0..std::env::var("PLUTO_BENCH_TOKENS").ok().and_then(|n| n.parse().ok()).unwrap_or(20) {
        let started = Instant::now();
        let answer =
            server.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri(&edited) } }));
        tokens.push(started.elapsed());
        assert!(!answer["data"].as_array().unwrap().is_empty());
    }
    server.shutdown();
    let _ = std::fs::remove_dir_all(&dir);

    println!("## {case}: {lines} lines in {} files; server: `pluto lsp` over stdio", files.len());
    println!("open the first file (cold analysis + first diagnostics): {:.0} ms", cold.as_secs_f64() * 1e3);
    println!(
        "didChange -> publishDiagnostics ({edit_count} one-line body edits): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&mut edits, 0.5),
        percentile(&mut edits, 0.95),
        percentile(&mut edits, 1.0)
    );
    println!(
        "completion after `self.` (200): p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut completions, 0.5),
        percentile(&mut completions, 0.95)
    );
    println!(
        "hover on a call (200): p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut hovers, 0.5),
        percentile(&mut hovers, 0.95)
    );
    println!(
        "semantic tokens of the edited file (20): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut tokens, 0.5),
        percentile(&mut tokens, 0.95)
    );
    println!("server RSS: {rss_before:.0} MB after opening, {rss_after:.0} MB after {edit_count} edits");
}
