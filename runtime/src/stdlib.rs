//! The functions of the standard library that have no Pluto body (`std.time`, `std.env`,
//! `std.cli`, `std.signal`). The compiler calls `pluto_std_<module>_<name>`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::value::{Array, Outcome, Str, Word};

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
    Array::of_strings(args.iter().map(|a| a.as_bytes()))
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
        Ok(value) => Str::from_bytes(value.as_bytes()),
        Err(_) => 0,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_time_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_time_sleep_ms(ms: i64) {
    crate::io::flush();
    std::thread::sleep(std::time::Duration::from_millis(ms.max(0) as u64));
}

/// The closure `signal.on_sigterm` registered (a collector root), or 0.
static SHUTDOWN: AtomicU64 = AtomicU64::new(0);

/// `signal.on_sigterm(f)`: SIGTERM and SIGINT are blocked in the program's threads and
/// a watcher thread waits for them with `sigwait`, then calls `f` (the latest one
/// registered). The watcher is a registered thread: collections stop and scan it too.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_signal_on_sigterm(closure: Word) {
    static STARTED: std::sync::Once = std::sync::Once::new();
    SHUTDOWN.store(closure, Ordering::SeqCst);
    STARTED.call_once(|| {
        crate::gc::pluto_gc_root(SHUTDOWN.as_ptr());
        // SAFETY: plain signal-mask calls on a local set.
        let set = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            set
        };
        std::thread::spawn(move || {
            crate::threads::attach();
            loop {
                let mut signal = 0;
                // SAFETY: waits for one of the blocked signals.
                match unsafe { libc::sigwait(&set, &mut signal) } {
                    0 => {}
                    libc::EINTR => continue,
                    _ => return,
                }
                let closure = SHUTDOWN.load(Ordering::SeqCst);
                // SAFETY: a closure object starts with its code, which takes the closure
                // and returns a value word and an error word.
                let outcome = unsafe {
                    let code: extern "C" fn(Word) -> Outcome = std::mem::transmute(*(closure as *const usize));
                    code(closure)
                };
                let _ = outcome.value;
                if outcome.error != 0 {
                    crate::fault::pluto_unhandled(outcome.error);
                }
            }
        });
    });
}
