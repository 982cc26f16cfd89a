//! The functions of the standard library that have no Pluto body (`std.time`, `std.env`,
//! `std.cli`). The compiler calls `pluto_std_<module>_<name>`.

use std::sync::OnceLock;

use crate::value::{Array, Str, Word};

static ARGS: OnceLock<Vec<String>> = OnceLock::new();

pub fn set_args(argc: i32, argv: *const *const u8) {
    let args = (0..argc as usize)
        .map(|i| {
            // SAFETY: the C runtime passes argc NUL-terminated strings.
            let arg = unsafe { std::ffi::CStr::from_ptr((*argv.add(i)).cast()) };
            arg.to_string_lossy().into_owned()
        })
        .collect();
    let _ = ARGS.set(args);
}

/// The command-line arguments after the program name.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_cli_raw_args() -> Word {
    let args = ARGS.get().map(|a| &a[1.min(a.len())..]).unwrap_or(&[]);
    let array = Array::with_capacity(crate::value::ARRAY_WORDS, args.len());
    for arg in args {
        let word = Str::new(arg.as_bytes());
        crate::collections::pluto_array_push(array, word);
    }
    array
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_cli_exit(status: i64) -> ! {
    crate::io::flush();
    std::process::exit(status as i32)
}

/// The variable's value, or 0 (`none`).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_env_get(name: Word) -> Word {
    match std::env::var(Str::text(name)) {
        Ok(value) => Str::new(value.as_bytes()),
        Err(_) => 0,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_time_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_time_sleep_ms(ms: i64) {
    std::thread::sleep(std::time::Duration::from_millis(ms.max(0) as u64));
}
