//! Parse throughput: lexes and parses a generated Pluto program of about 100k lines
//! several times and prints the median in lines per second (and MB/s).
//! Run with `cargo bench -p pluto_syntax --bench parse`.

use std::fmt::Write;
use std::time::{Duration, Instant};

/// A program of roughly `target_lines` lines that uses most of the grammar: stages with
/// cross-stage calls, classes with deps, enums, matches, catches, interpolation.
fn generate(target_lines: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.lines().count() < target_lines {
        write!(
            out,
            r#"// Module part {i}
error NotFound{i} {{ key: string, code: int }}

enum Status{i} {{
    Active
    Suspended {{ reason: string }}
}}

class Repo{i}[clock: Clock] {{
    hits: int = 0
    entries: Map<string, int> = Map<string, int> {{}}

    fn get(mut self, key: string) int {{
        self.hits += 1
        if !self.entries.contains(key) {{
            raise NotFound{i} {{ key: key, code: {i} }}
        }}
        return self.entries[key]
    }}
}}

stage unit{i}[repo: Repo{i}] {{
    pub fn lookup(key: string) int {{
        let value = self.repo.get(key) catch e: NotFound{i} {{
            print("missing {{e.key}} ({{e.code}})")
            -1
        }}
        return value * 2 + {i} % 7
    }}

    pub fn describe(s: Status{i}) string {{
        return match s {{
            Status{i}.Active => "active"
            Status{i}.Suspended {{ reason }} => "suspended: {{reason}}"
        }}
    }}
}}

fn helper{i}(xs: [int], f: fn(int) int) int {{
    let mut total = 0
    for x in xs {{
        total += f(x)
    }}
    let doubled = xs.len() as float * 2.5
    let r = unit{i}.lookup("k{{total}}")!
    while total > 100 && r != 0 {{
        total = total / 2
    }}
    return total + (x: int) => x + 1
}}

"#
        )
        .unwrap();
        i += 1;
    }
    out
}

fn main() {
    let text = generate(100_000);
    let lines = text.lines().count();
    // Warm up, and make sure the benchmark input is valid Pluto.
    let parse = pluto_syntax::parse(&text);
    assert!(parse.errors().is_empty(), "generated program has errors: {:?}", &parse.errors()[..1]);

    let runs = 9;
    let mut lex_times = Vec::new();
    let mut parse_times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let lexed = pluto_syntax::lex(&text);
        lex_times.push(start.elapsed());
        std::hint::black_box(lexed);
        let start = Instant::now();
        let parse = pluto_syntax::parse(&text);
        parse_times.push(start.elapsed());
        std::hint::black_box(parse);
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (lex, full) = (median(&mut lex_times), median(&mut parse_times));
    let mb = text.len() as f64 / 1e6;
    println!("input: {lines} lines, {mb:.1} MB, {runs} runs, medians");
    println!("{:<22} {:>10} {:>14} {:>10}", "phase", "time", "lines/s", "MB/s");
    for (name, t) in [("lex only", lex), ("lex + parse (tree)", full)] {
        let s = t.as_secs_f64();
        println!("{name:<22} {:>8.1}ms {:>14.0} {:>10.1}", s * 1e3, lines as f64 / s, mb / s);
    }
}
