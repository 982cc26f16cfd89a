//! Pluto against C: builds each `benchmarks/NAME.pluto` with `pluto build` and
//! `benchmarks/NAME.c` with `cc -O2`, checks they print the same thing, runs them
//! alternately five times and prints the medians and the Pluto/C ratio.
//! Run with `cargo bench -p pluto_cli --bench native`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(executable: &Path) -> (Duration, String) {
    let start = Instant::now();
    let output = Command::new(executable).output().expect("run the benchmark");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "{} failed: {}", executable.display(), String::from_utf8_lossy(&output.stderr));
    (elapsed, String::from_utf8_lossy(&output.stdout).into_owned())
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
    println!("{:<12} {:>10} {:>10} {:>8} {:>12}", "benchmark", "Pluto ms", "C ms", "Pluto/C", "compile ms");
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
        let status =
            Command::new("cc").args(["-O2", "-o"]).arg(&c_exe).arg(root.join(format!("{name}.c"))).status().unwrap();
        assert!(status.success(), "cc {name}.c failed");
        let (mut pluto, mut c) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let (t, p_out) = run(&pluto_exe);
            pluto.push(t);
            let (t, c_out) = run(&c_exe);
            c.push(t);
            assert_eq!(p_out, c_out, "{name}: Pluto and C print different results");
        }
        let (p, c) = (median(pluto), median(c));
        println!("{name:<12} {p:>10.1} {c:>10.1} {:>8.2} {:>12.0}", p / c, compile.as_secs_f64() * 1e3);
    }
    let _ = std::fs::remove_dir_all(&out);
}
