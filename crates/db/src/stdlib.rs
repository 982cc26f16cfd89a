//! The standard library, embedded in the binary from the repository's `stdlib/`
//! directory, so `import std.x` needs no path to configure.

/// `(path below stdlib/, source)` for every standard library module.
pub const FILES: &[(&str, &str)] = &[
    ("prelude.pluto", include_str!("../../../stdlib/prelude.pluto")),
    ("cli.pluto", include_str!("../../../stdlib/cli.pluto")),
    ("env.pluto", include_str!("../../../stdlib/env.pluto")),
    ("http.pluto", include_str!("../../../stdlib/http.pluto")),
    ("json.pluto", include_str!("../../../stdlib/json.pluto")),
    ("math.pluto", include_str!("../../../stdlib/math.pluto")),
    ("signal.pluto", include_str!("../../../stdlib/signal.pluto")),
    ("time.pluto", include_str!("../../../stdlib/time.pluto")),
];

/// The module every program sees without importing it.
pub const PRELUDE: &str = "prelude.pluto";

pub fn source(path: &str) -> Option<&'static str> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}
