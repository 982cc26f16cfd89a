//! Errors through function values (SPEC §2), as a property: a function value that raises
//! (a closure, a function reference, a bound method) flows through parameters, fields,
//! collections, locals, returns and a generic function before it is called (directly,
//! through a parameter, or through an element of a local array). Whenever
//! `pluto check` accepts such a program, running it never ends with an unhandled error;
//! and a call left unhandled is always rejected by `check`.

#[path = "support/pluto.rs"]
mod pluto_cmd;

use pluto_cmd::{pluto, workdir};
use proptest::prelude::*;

const PRELUDE: &str = r#"error Boom { n: int }

fn boom(x: int) int {
    if x > 0 { raise Boom { n: x } }
    return x
}

class Holder {
    f: fn(int) int
}

class Thrower {
    fn call(self, x: int) int {
        return boom(x)!
    }
}

fn id<T>(v: T) T {
    return v
}

fn pass(f: fn(int) int) fn(int) int {
    return f
}

fn invoke(f: fn(int) int, x: int) int {
    return f(x)!
}
"#;

/// Where the raising function value comes from.
const SOURCES: &[&str] = &["(x: int) => boom(x)!", "boom", "Thrower {}.call"];

/// One step the value takes from `v{i}` to `v{i + 1}`.
const STEPS: &[&str] = &[
    "let v{n} = pass(v{p})",
    "let v{n} = Holder {{ f: v{p} }}.f",
    "let v{n} = [v{p}][0]",
    "let v{n} = id(v{p})",
    "let v{n} = v{p}",
    "let h{n} = Holder {{ f: v{p} }}\n    let v{n} = h{n}.f",
];

/// How the value is finally called (the result in `r`; `{h}` is where the handling goes).
const CALLS: &[&str] = &[
    "let r = v{last}(1){h}",
    "let r = invoke(v{last}, 1){h}",
    "let fs = [v{last}]\n    let r = fs[0](1){h}",
    "let fs = [v{last}]\n    let mut r = 0\n    for f in fs {\n        r = f(1){h}\n    }",
];

fn program(source: usize, steps: &[usize], call: usize, handled: bool) -> String {
    let mut body = format!("    let v0 = {}\n", SOURCES[source]);
    for (i, step) in steps.iter().enumerate() {
        let line = STEPS[*step].replace("{n}", &(i + 1).to_string()).replace("{p}", &i.to_string());
        body.push_str(&format!("    {}\n", line.replace("{{", "{").replace("}}", "}")));
    }
    let handling = if handled { " catch -1" } else { "" };
    let call = CALLS[call].replace("{last}", &steps.len().to_string()).replace("{h}", handling);
    body.push_str(&format!("    {call}\n    print(r)\n"));
    format!("{PRELUDE}\nfn main() {{\n{body}}}\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn raising_function_values_are_never_lost(
        source in 0..SOURCES.len(),
        steps in prop::collection::vec(0..STEPS.len(), 0..4),
        call in 0..CALLS.len(),
        handled in any::<bool>(),
    ) {
        let dir = workdir("error-flow");
        let text = program(source, &steps, call, handled);
        std::fs::write(dir.join("main.pluto"), &text).unwrap();
        let check = pluto(&dir, &["check", "main.pluto"]);
        if !handled {
            prop_assert_eq!(check.status.code(), Some(1), "an unhandled call was accepted:\n{}", text);
            prop_assert!(String::from_utf8_lossy(&check.stderr).contains("E0301"), "{}", text);
            return Ok(());
        }
        prop_assert!(check.status.success(), "check rejected a handled program:\n{}\n{}", text,
            String::from_utf8_lossy(&check.stderr));
        let run = pluto(&dir, &["run", "main.pluto"]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        prop_assert!(!stderr.contains("unhandled"), "an error escaped at run time:\n{}\n{}", text, stderr);
        prop_assert_eq!(run.status.code(), Some(0), "{}\n{}", text, stderr);
        prop_assert_eq!(String::from_utf8_lossy(&run.stdout), "-1\n", "{}", text);
    }
}
