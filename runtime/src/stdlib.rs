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
    crate::locks::while_blocked(|| std::thread::sleep(std::time::Duration::from_millis(ms.max(0) as u64)));
}

/// The closure `signal.on_sigterm` registered (a collector root), or 0.
static SHUTDOWN: AtomicU64 = AtomicU64::new(0);

/// What the runtime itself does on SIGTERM/SIGINT, after the program's closure: stop
/// serving (HTTP servers, units without `main`).
static STOP_HOOKS: std::sync::Mutex<Vec<Box<dyn Fn() + Send>>> = std::sync::Mutex::new(Vec::new());

/// `signal.on_sigterm(f)`: on SIGTERM or SIGINT, call `f` (the latest one registered).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_signal_on_sigterm(closure: Word) {
    SHUTDOWN.store(closure, Ordering::SeqCst);
    watch_stop_signals();
}

/// Runs `hook` when SIGTERM or SIGINT arrives (after the program's `on_sigterm` closure).
pub fn on_stop_signal(hook: Box<dyn Fn() + Send>) {
    STOP_HOOKS.lock().unwrap_or_else(|e| e.into_inner()).push(hook);
    watch_stop_signals();
}

/// SIGTERM and SIGINT, as a set.
pub fn stop_signals() -> libc::sigset_t {
    // SAFETY: plain calls on a local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        set
    }
}

/// Blocks SIGTERM and SIGINT in this thread (and so in the threads it creates later) and
/// starts, once, a watcher thread that waits for them with `sigwait`, then calls the
/// `on_sigterm` closure and the runtime's hooks. With neither, the signal ends the process
/// as it would without the watcher. The watcher is a registered thread: collections stop
/// and scan it too.
pub fn watch_stop_signals() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        crate::gc::pluto_gc_root(SHUTDOWN.as_ptr());
        let set = stop_signals();
        // SAFETY: a plain signal-mask call.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
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
                let hooks = STOP_HOOKS.lock().unwrap_or_else(|e| e.into_inner());
                if closure == 0 && hooks.is_empty() {
                    crate::io::flush();
                    // SAFETY: restores the default action and delivers the signal again.
                    unsafe {
                        libc::signal(signal, libc::SIG_DFL);
                        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                        libc::raise(signal);
                    }
                }
                if closure != 0 {
                    // SAFETY: a closure object starts with its code, which takes the
                    // closure and returns a value word and an error word.
                    let outcome = unsafe {
                        let code: extern "C" fn(Word) -> Outcome = std::mem::transmute(*(closure as *const usize));
                        code(closure)
                    };
                    if outcome.error != 0 {
                        crate::fault::pluto_unhandled(outcome.error);
                    }
                }
                for hook in hooks.iter() {
                    hook();
                }
            }
        });
    });
}
