//! Pluto against C: builds each `benchmarks/NAME.pluto` with `pluto build` and
//! `benchmarks/NAME.c` with `cc -O2`, checks they print the same thing, runs them
//! alternately five times and prints the medians and the Pluto/C ratio.
//! Run with `cargo bench -p pluto_cli --bench native`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `executable`: its wall time, its output and its peak resident set in MB.
fn run(executable: &Path) -> (Duration, String, f64) {
    let start = Instant::now();
    // Waited for with `wait4` below, which also gives the peak resident set.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(executable).stdout(std::process::Stdio::piped()).spawn().expect("run the benchmark");
    let pid = child.id() as libc::pid_t;
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.expect("piped"), &mut stdout).expect("read the output");
    let mut status = 0;
    // SAFETY: `rusage` is plain data filled by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert!(
        waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{} failed",
        executable.display()
    );
    (elapsed, stdout, usage.ru_maxrss as f64 / 1024.0)
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks");
    let out = std::env::temp_dir().join(format!("pluto-native-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok()?.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|n| root.join(format!("{n}.pluto")).exists() && root.join(format!("{n}.c")).exists())
        .collect();
    names.sort();
    names.dedup();
    println!(
        "{:<16} {:>10} {:>10} {:>8} {:>14} {:>10} {:>12}",
        "benchmark", "Pluto ms", "C ms", "Pluto/C", "Pluto RSS MB", "C RSS MB", "compile ms"
    );
    for name in names {
        let pluto_exe = out.join(format!("{name}-pluto"));
        let c_exe = out.join(format!("{name}-c"));
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_pluto"))
            .args(["build", "-o"])
            .arg(&pluto_exe)
            .arg(root.join(format!("{name}.pluto")))
            .status()
            .unwrap();
        let compile = start.elapsed();
        assert!(status.success(), "pluto build {name} failed");
        let status = Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&c_exe)
            .arg(root.join(format!("{name}.c")))
            .arg("-lm")
            .status()
            .unwrap();
        assert!(status.success(), "cc {name}.c failed");
        let (mut pluto, mut c) = (Vec::new(), Vec::new());
        let (mut pluto_rss, mut c_rss) = (0.0f64, 0.0f64);
        for _ in 0..5 {
            let (t, p_out, rss) = run(&pluto_exe);
            pluto.push(t);
            pluto_rss = pluto_rss.max(rss);
            let (t, c_out, rss) = run(&c_exe);
            c.push(t);
            c_rss = c_rss.max(rss);
            assert_eq!(p_out, c_out, "{name}: Pluto and C print different results");
        }
        let (p, c) = (median(pluto), median(c));
        println!(
            "{name:<16} {p:>10.1} {c:>10.1} {:>8.2} {pluto_rss:>14.1} {c_rss:>10.1} {:>12.0}",
            p / c,
            compile.as_secs_f64() * 1e3
        );
    }
    compile_large_program(&out);
    let _ = std::fs::remove_dir_all(&out);
}

/// `pluto build` of a generated program of about 10,000 lines (10 units), every function
/// compiled: the median of three cold builds (nothing cached).
fn compile_large_program(out: &Path) {
    let dir = out.join("large");
    let files = pluto_bench_gen::program(dir.to_str().unwrap(), 10, 1000);
    let lines: usize = files.iter().map(|(_, text)| text.lines().count()).sum();
    for (path, text) in &files {
        std::fs::create_dir_all(Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_pluto"))
            .args(["build", "-o"])
            .arg(out.join("large-exe"))
            .arg(dir.join("main.pluto"))
            .status()
            .unwrap();
        times.push(start.elapsed());
        assert!(status.success(), "pluto build of the generated program failed");
    }
    println!("\ncompile {lines} lines to an executable: {:.0} ms (median of 3)", median(times));
}
