//! Recursion on depths the user controls (a 20,000-term `1 + 1 + ...`, a 5,000-branch
//! `else if` chain, a long method chain) without overflowing the stack: every recursive
//! walk over syntax, inference or code generation enters through `ensure_stack`, which
//! continues on a fresh heap-allocated stack segment when little is left (the `stacker`
//! crate, as rustc does). This keeps the recursive code simple and the depth unlimited;
//! the memory used grows with the depth, as an explicit stack would.

/// Space that must be left on the stack before `f` runs on the current one.
const RED_ZONE: usize = 256 * 1024;
/// The size of each new stack segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, first switching to a new stack segment if the current one is nearly used up.
pub fn ensure_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
