//! Long flat code, as generators write it (tables, big dispatchers), must not overflow
//! any stack: a 20,000-term sum, a 5,000-branch `else if` chain, a 5,000-call method chain
//! and a 5,000-piece string `+`, each through `pluto check`, `pluto run` and the language
//! server (whose analysis threads are not the main thread).

#[path = "support/lsp_client.rs"]
mod lsp_client;
#[path = "support/pluto.rs"]
mod pluto_cmd;

use pluto_cmd::{pluto, workdir};
use serde_json::json;

/// Each program, what it prints, and the line of its long expression with a piece of
/// text deep inside it to hover.
fn programs() -> Vec<(&'static str, String, &'static str, u32, &'static str)> {
    let sum = format!("fn main() {{\n    let x = {}\n    print(x)\n}}\n", vec!["1"; 20_000].join(" + "));
    let branches: String = (1..5_000).map(|i| format!(" else if x == {i} {{ return {i} }}")).collect();
    let else_if = format!(
        "fn f(x: int) int {{\n    if x == 0 {{ return 0 }}{branches} else {{ return -1 }}\n}}\n\nfn main() {{\n    print(f(4999))\n}}\n"
    );
    let chain = format!(
        "class C {{\n    n: int\n    fn inc(self) C {{\n        return C {{ n: self.n + 1 }}\n    }}\n}}\n\nfn main() {{\n    let c = C {{ n: 0 }}{}\n    print(c.n)\n}}\n",
        ".inc()".repeat(5_000)
    );
    let concat = format!("fn main() {{\n    let s = {}\n    print(s.len())\n}}\n", vec!["\"ab\""; 5_000].join(" + "));
    vec![
        ("sum", sum, "20000\n", 1, "1 + 1"),
        ("else_if", else_if, "4999\n", 1, "x == 4998"),
        ("chain", chain, "5000\n", 8, "inc"),
        ("concat", concat, "10000\n", 1, "\"ab\""),
    ]
}

#[test]
fn deep_programs_check_and_run() {
    let dir = workdir("deep-run");
    for (name, text, printed, _, _) in programs() {
        let file = format!("{name}.pluto");
        std::fs::write(dir.join(&file), text).unwrap();
        let check = pluto(&dir, &["check", &file]);
        assert!(check.status.success(), "check {name}: {check:?}");
        let run = pluto(&dir, &["run", &file]);
        assert_eq!(run.status.code(), Some(0), "run {name}: {}", String::from_utf8_lossy(&run.stderr));
        assert_eq!(String::from_utf8_lossy(&run.stdout), printed, "run {name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deep_programs_in_the_language_server() {
    let dir = workdir("deep-lsp");
    let mut server = lsp_client::Server::start(&dir);
    for (name, text, _, line, needle) in programs() {
        let file = dir.join(format!("{name}.pluto"));
        std::fs::write(&file, &text).unwrap();
        server.open(&file, &text);
        assert!(server.diagnostics_for(&file, |_| true).is_empty(), "{name} has diagnostics");
        // A hover deep inside the expression is answered too.
        let line_text = text.lines().nth(line as usize).unwrap();
        let character = line_text.rfind(needle).unwrap();
        let hover = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": lsp_client::uri(&file) }, "position": { "line": line, "character": character } }),
        );
        assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("```pluto")), "{name}: {hover}");
    }
    server.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
