//! Large generated Pluto programs for the benchmarks: many deployment units in separate
//! files, calling each other across stages, using most of the language.

use std::fmt::Write;

/// One unit's file: an error, an injected class, a unit whose `pub fn`s call the
/// previous unit across the stage boundary, and private helpers.
pub fn unit_file(i: usize, target_lines: usize) -> String {
    let mut out = String::new();
    writeln!(out, "import models\n").unwrap();
    if i > 0 {
        writeln!(out, "import unit{}\n", i - 1).unwrap();
    }
    writeln!(out, "error Rejected{i} {{ reason: string, code: int }}\n").unwrap();
    writeln!(
        out,
        "class Store{i} {{\n    hits: int = 0\n    entries: Map<string, int> = Map<string, int> {{}}\n\n    fn get(mut self, key: string) int {{\n        self.hits += 1\n        let found = self.entries.get(key)\n        if found == none {{\n            return 0\n        }}\n        return found\n    }}\n}}\n"
    )
    .unwrap();
    writeln!(out, "stage unit{i}[store: Store{i}] {{").unwrap();
    let mut f = 0;
    while out.lines().count() < target_lines {
        let call_previous = if i > 0 {
            format!(
                "        let remote = unit{}.lookup{}(key, n - 1) catch e {{\n            -1\n        }}\n",
                i - 1,
                f % 4
            )
        } else {
            "        let remote = n * 2\n".to_string()
        };
        writeln!(
            out,
            r#"    pub fn lookup{f}(key: string, n: int) int {{
        if n < 0 {{
            raise Rejected{i} {{ reason: "negative {{n}}", code: {f} }}
        }}
{call_previous}        let local = self.store.get(key)
        return self.combine{f}(local, remote)
    }}

    fn combine{f}(a: int, b: int) int {{
        let mut total = 0
        for x in [a, b, a + b] {{
            if x > 10 {{
                total += x / 2
            }} else {{
                total += x * 3
            }}
        }}
        let label = match total % 3 {{
            0 => "zero"
            1 => "one"
            _ => "many"
        }}
        let item = models.Item {{ sku: "s{{total}}", price: total, quantity: label.len() }}
        return item.price * item.quantity
    }}

    pub fn describe{f}(user: models.User) string {{
        let names = ["a", "b", user.name]
        return "{{user.id}}: {{names.join(", ")}} ({{self.combine{f}(user.id, 2)}})"
    }}
"#
        )
        .unwrap();
        f += 1;
    }
    writeln!(out, "}}").unwrap();
    out
}

/// A program of `units` deployment units of about `lines_per_unit` lines each, in
/// `dir/unitN.pluto`, with `dir/models.pluto` and an entry `dir/main.pluto` calling the
/// last unit. Every unit's `pub fn`s call the previous unit across the stage boundary.
pub fn program(dir: &str, units: usize, lines_per_unit: usize) -> Vec<(String, String)> {
    let mut files = vec![(
        format!("{dir}/models.pluto"),
        "pub class User { id: int, name: string }\npub class Item { sku: string, price: int, quantity: int }\n"
            .to_string(),
    )];
    for i in 0..units {
        files.push((format!("{dir}/unit{i}.pluto"), unit_file(i, lines_per_unit)));
    }
    let last = units - 1;
    files.push((
        format!("{dir}/main.pluto"),
        format!(
            "import unit{last}\n\nstage api {{\n    fn main(self) {{\n        let v = unit{last}.lookup0(\"k\", 10) catch e {{\n            0\n        }}\n        print(v)\n    }}\n}}\n"
        ),
    ));
    files
}
