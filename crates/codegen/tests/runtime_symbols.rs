//! Code generation and the runtime agree on every function between them: each runtime
//! function code generation names is in `pluto_abi::symbols` (the runtime checks its
//! exports against that table at compile time, signatures included), and each symbol of
//! the table is in the runtime archive embedded in `pluto`.

use std::path::Path;

/// Every string literal `"pluto_..."` in code generation's sources (not format strings
/// such as `"pluto_str{}"`, and not the names code generation defines itself).
fn called_by_name() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let defined_here = ["pluto_main", "pluto_program", "pluto_net", "pluto_net_units", "pluto_descriptor_set"];
    let mut names = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (at, _) in text.match_indices("\"pluto_") {
            let rest = &text[at + 1..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let literal = rest[name.len()..].starts_with('"');
            if literal && !defined_here.contains(&name.as_str()) && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[test]
fn every_runtime_function_codegen_calls_is_in_the_table() {
    let names = called_by_name();
    assert!(names.len() > 40, "found only {names:?}");
    for name in names.into_iter().chain(pluto_codegen::runtime_intrinsics()) {
        if name.starts_with("pluto_std_math_") {
            continue; // instructions
        }
        assert!(pluto_abi::symbols::find(&name).is_some(), "`{name}` is not in pluto_abi::symbols");
    }
}

fn assert_exported(archive: &[u8], table: &[pluto_abi::symbols::Symbol], which: &str) {
    for symbol in table {
        let needle = format!("{}\0", symbol.name);
        assert!(
            archive.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "`{}` is not in the {which} archive",
            symbol.name
        );
    }
}

#[test]
fn every_symbol_of_the_table_is_in_the_runtime_archive() {
    assert_exported(pluto_codegen::RUNTIME_ARCHIVE.bytes, pluto_abi::symbols::ALL, "runtime");
    // The network runtime contains the core runtime.
    assert_exported(pluto_codegen::RUNTIME_NET_ARCHIVE.bytes, pluto_abi::symbols::ALL, "network runtime");
    assert_exported(pluto_codegen::RUNTIME_NET_ARCHIVE.bytes, pluto_abi::symbols::NET, "network runtime");
}

#[test]
fn the_tables_are_sorted_for_lookup() {
    for table in [pluto_abi::symbols::ALL, pluto_abi::symbols::NET] {
        let names: Vec<&str> = table.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
