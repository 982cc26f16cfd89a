//! Standard output: buffered, and flushed at exit, before anything goes to stderr, before
//! sleeping, when 20 ms passed since the last flush, and after every line when stdout is a
//! terminal.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What is waiting to be written, and when it was last written out.
struct Out {
    buffer: Vec<u8>,
    flushed_at: Option<Instant>,
}

static OUT: Mutex<Out> = Mutex::new(Out { buffer: Vec::new(), flushed_at: None });

fn is_terminal() -> bool {
    use std::sync::OnceLock;
    static TTY: OnceLock<bool> = OnceLock::new();
    // SAFETY: isatty has no preconditions.
    *TTY.get_or_init(|| unsafe { libc::isatty(1) == 1 })
}

pub fn write_stdout(bytes: &[u8]) {
    let mut out = OUT.lock().unwrap_or_else(|e| e.into_inner());
    out.buffer.extend_from_slice(bytes);
    let stale = out.flushed_at.is_none_or(|t| t.elapsed() >= Duration::from_millis(20));
    if out.buffer.len() >= 1 << 16 || stale || is_terminal() {
        out.flush();
    }
}

impl Out {
    fn flush(&mut self) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(&self.buffer);
        let _ = stdout.flush();
        self.buffer.clear();
        self.flushed_at = Some(Instant::now());
    }
}

pub fn flush() {
    OUT.lock().unwrap_or_else(|e| e.into_inner()).flush();
}

/// From the fault signal handler: writes what is buffered with plain `write`, unless
/// the interrupted code holds the buffer.
pub fn flush_from_signal() {
    if let Ok(out) = OUT.try_lock() {
        // SAFETY: `write` is async-signal-safe; the buffer is not being changed.
        unsafe { libc::write(1, out.buffer.as_ptr().cast(), out.buffer.len()) };
    }
}
