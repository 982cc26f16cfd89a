//! Standard output: buffered, and flushed at exit, before anything goes to stderr, before
//! sleeping, when 20 ms passed since the last flush, and after every line when stdout is a
//! terminal.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn is_terminal() -> bool {
    use std::sync::OnceLock;
    static TTY: OnceLock<bool> = OnceLock::new();
    // SAFETY: isatty has no preconditions.
    *TTY.get_or_init(|| unsafe { libc::isatty(1) == 1 })
}

static LAST_FLUSH: Mutex<Option<Instant>> = Mutex::new(None);

pub fn write_stdout(bytes: &[u8]) {
    let mut buffer = OUT.lock().unwrap_or_else(|e| e.into_inner());
    buffer.extend_from_slice(bytes);
    let mut last = LAST_FLUSH.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let stale = last.is_none_or(|t| now.duration_since(t) >= Duration::from_millis(20));
    if buffer.len() >= 1 << 16 || stale || is_terminal() {
        flush_locked(&mut buffer);
        *last = Some(now);
    }
}

fn flush_locked(buffer: &mut Vec<u8>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(buffer);
    let _ = out.flush();
    buffer.clear();
}

pub fn flush() {
    flush_locked(&mut OUT.lock().unwrap_or_else(|e| e.into_inner()));
}

/// From the fault signal handler: writes what is buffered with plain `write`, unless
/// the interrupted code holds the buffer.
pub fn flush_from_signal() {
    if let Ok(buffer) = OUT.try_lock() {
        // SAFETY: `write` is async-signal-safe; the buffer is not being changed.
        unsafe { libc::write(1, buffer.as_ptr().cast(), buffer.len()) };
    }
}
