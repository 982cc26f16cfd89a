//! Runtime faults (SPEC §2): index out of bounds, division by zero, missing map keys and
//! the like print what failed and where, then exit with status 101. An error that escapes
//! `main` prints `error: unhandled ...` and exits with 1. A stack overflow is caught on an
//! alternate signal stack, so no program dies by a signal. Inside a fault boundary
//! (`boundary.rs`) a fault ends only the call that crossed it.

use crate::value::{Word, cstr, field};

pub enum Fault {
    DivisionByZero,
    RemainderByZero,
    Index { index: i64, len: i64 },
    Slice { from: i64, to: i64, len: i64 },
    MissingKey { key: String },
    CharBoundary { at: i64 },
    /// A fault the runtime describes itself (`json.encode: ...`).
    Other(String),
    Unknown,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::DivisionByZero => write!(f, "division by zero"),
            Fault::RemainderByZero => write!(f, "remainder by zero"),
            Fault::Index { index, len } => write!(f, "index {index} is out of bounds for length {len}"),
            Fault::Slice { from, to, len } => write!(f, "range {from}..{to} is out of bounds for length {len}"),
            Fault::MissingKey { key } => write!(f, "key {key} is not in the map"),
            Fault::CharBoundary { at } => {
                write!(f, "byte {at} is inside a character (strings are sliced at UTF-8 character boundaries)")
            }
            Fault::Other(what) => write!(f, "{what}"),
            Fault::Unknown => write!(f, "runtime fault"),
        }
    }
}

/// Prints `message` and exits with 101 (for conditions the runtime itself cannot go on from).
pub fn fatal(message: &str) -> ! {
    crate::io::flush();
    eprintln!("fault: {message}");
    std::process::exit(101)
}

/// Reports `what` at `site` (a NUL-terminated `file:line`) and exits with 101 — or, inside
/// a fault boundary (a served request, a colocated cross-unit call), ends that call only.
pub fn fault(what: Fault, site: *const u8) -> ! {
    if crate::boundary::active() {
        crate::boundary::escape(format!("{what} at {}", cstr(site)));
    }
    crate::io::flush();
    eprintln!("fault: {what}\n  --> {}", cstr(site));
    std::process::exit(101)
}

/// A fault detected by generated code: `kind` says which, `a` and `b` are its numbers.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_fault(kind: i64, a: i64, b: i64, site: *const u8) -> ! {
    use pluto_abi::fault::*;
    let what = match kind {
        DIVISION_BY_ZERO => Fault::DivisionByZero,
        REMAINDER_BY_ZERO => Fault::RemainderByZero,
        INDEX => Fault::Index { index: a, len: b },
        _ => Fault::Unknown,
    };
    fault(what, site)
}

/// An error escaped `main`: `error: unhandled Name { fields }` and where it was raised.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_unhandled(error: Word) -> ! {
    crate::io::flush();
    eprintln!("error: {}", describe_unhandled(error));
    std::process::exit(1)
}

/// `unhandled Name { fields }` and, on the next line, where it was raised.
pub fn describe_unhandled(error: Word) -> String {
    let mut text = String::new();
    crate::format::write_object(error, &mut text);
    format!("unhandled {text}\n  --> raised at {}", cstr(field(error, 1) as *const u8))
}

/// Turns a stack overflow (or any invalid memory access) into a fault that exits with
/// status 101, instead of the process dying by a signal. The handler runs on its own
/// stack, since the overflowed one has no room left.
pub fn install_handlers() {
    if !install_alternate_stack() {
        return;
    }
    // SAFETY: plain POSIX calls; the handler only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as extern "C" fn(i32, *mut libc::siginfo_t, *mut libc::c_void) as usize;
        action.sa_flags = libc::SA_ONSTACK | libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

/// Gives the calling thread its own alternate signal stack (each thread that runs Pluto
/// code needs one for a stack overflow to be reported); `false` if that failed.
pub fn install_alternate_stack() -> bool {
    const SIZE: usize = 64 * 1024;
    // SAFETY: plain POSIX calls; the stack is leaked on purpose (it lives as long as the
    // thread may run).
    unsafe {
        let stack = libc::mmap(
            std::ptr::null_mut(),
            SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if stack == libc::MAP_FAILED {
            return false;
        }
        let alternate = libc::stack_t { ss_sp: stack, ss_flags: 0, ss_size: SIZE };
        libc::sigaltstack(&alternate, std::ptr::null_mut()) == 0
    }
}

extern "C" fn on_fault(signal: i32, _info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    crate::boundary::escape_from_signal(signal);
    const MESSAGE: &[u8] = b"fault: stack overflow (recursion too deep)\n";
    crate::io::flush_from_signal();
    // SAFETY: `write` and `_exit` are async-signal-safe.
    unsafe {
        libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
        libc::_exit(101);
    }
}
