//! Threads that run Pluto code, and stopping them for a collection. Every such thread
//! is registered with the bounds of its stack. To collect, the collecting thread sends
//! each other registered thread `SIGPWR`; the handler records where the thread's stack
//! ends (the kernel saved its registers on that stack, below which nothing is live) and
//! waits until the collection is over. A thread inside an allocator critical section
//! (manipulating its cache of free slots) defers the stop to the end of the section.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Record {
    thread: libc::pthread_t,
    /// The highest address of the thread's stack.
    top: usize,
    /// Where its stack ends while it is stopped.
    sp: AtomicUsize,
}

static THREADS: Mutex<Vec<Arc<Record>>> = Mutex::new(Vec::new());
/// Collections started and finished: one runs while `STARTED > FINISHED`. Counting them
/// (rather than one flag) lets a thread still leaving its stop for the previous
/// collection tell it from the next one.
static STARTED: AtomicUsize = AtomicUsize::new(0);
static FINISHED: AtomicUsize = AtomicUsize::new(0);
/// Threads that have stopped for the current collection.
static STOPPED: AtomicUsize = AtomicUsize::new(0);

const STOP_SIGNAL: i32 = libc::SIGPWR;

thread_local! {
    static RECORD: Cell<Option<*const Record>> = const { Cell::new(None) };
    static CRITICAL: Cell<u32> = const { Cell::new(0) };
    static PENDING: Cell<bool> = const { Cell::new(false) };
    /// Set while the thread waits in `park` (a stop signal then has nothing to do).
    static PARKED: Cell<bool> = const { Cell::new(false) };
    /// The last collection this thread reported itself stopped for.
    static ACKNOWLEDGED: Cell<usize> = const { Cell::new(0) };
    static GUARD: Registration = const { Registration };
}

/// Deregisters the thread when it ends.
struct Registration;

impl Drop for Registration {
    /// A thread may leave only between collections: a collector counts on every thread it
    /// signalled to answer, so one that left after being listed would never answer. While
    /// a collection runs the leaving thread stays registered and stoppable.
    fn drop(&mut self) {
        let Some(record) = RECORD.with(|r| r.get()) else { return };
        loop {
            enter_critical();
            let mut threads = THREADS.lock().unwrap_or_else(|e| e.into_inner());
            let collecting = STARTED.load(Ordering::SeqCst) > FINISHED.load(Ordering::SeqCst);
            if !collecting {
                threads.retain(|r| !std::ptr::eq(Arc::as_ptr(r), record));
                RECORD.with(|r| r.set(None));
            }
            drop(threads);
            leave_critical();
            if !collecting {
                return;
            }
            // SAFETY: no preconditions.
            unsafe { libc::sched_yield() };
        }
    }
}

/// The highest address of the calling thread's stack.
pub fn stack_top() -> usize {
    // SAFETY: plain pthread queries about the current thread.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size = 0usize;
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0
            && libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0
        {
            libc::pthread_attr_destroy(&mut attr);
            addr as usize + size
        } else {
            crate::fault::fatal("cannot find the bounds of the stack for the garbage collector")
        }
    }
}

/// Installs the stop handler (once, at start-up).
pub fn init() {
    // SAFETY: installs a handler that only touches atomics and thread-locals.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_stop as extern "C" fn(i32) as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(STOP_SIGNAL, &action, std::ptr::null_mut());
    }
    attach();
}

/// Registers the calling thread (idempotent); it must be called before the thread
/// holds any Pluto object.
pub fn attach() {
    if RECORD.with(|r| r.get()).is_some() {
        return;
    }
    // SAFETY: pthread_self has no preconditions.
    let record =
        Arc::new(Record { thread: unsafe { libc::pthread_self() }, top: stack_top(), sp: AtomicUsize::new(0) });
    RECORD.with(|r| r.set(Some(Arc::as_ptr(&record))));
    GUARD.with(|_| {});
    enter_critical();
    THREADS.lock().unwrap_or_else(|e| e.into_inner()).push(record);
    leave_critical();
}

/// While in a critical section the thread is not stopped (the stop waits for its end).
pub fn enter_critical() {
    CRITICAL.with(|c| c.set(c.get() + 1));
}

/// How deep in critical sections this thread is (a fault boundary restores it).
pub fn critical_depth() -> u32 {
    CRITICAL.with(|c| c.get())
}

pub fn set_critical_depth(depth: u32) {
    CRITICAL.with(|c| c.set(depth));
}

pub fn leave_critical() {
    let depth = CRITICAL.with(|c| {
        c.set(c.get() - 1);
        c.get()
    });
    if depth == 0 && PENDING.with(|p| p.replace(false)) {
        park();
    }
}

extern "C" fn on_stop(_signal: i32) {
    if CRITICAL.with(|c| c.get()) > 0 {
        PENDING.with(|p| p.set(true));
        return;
    }
    park();
}

/// Records where this thread's stack ends (after spilling its registers onto it) and
/// waits until the collection is over.
#[inline(never)]
fn park() {
    if PARKED.with(|p| p.replace(true)) {
        return;
    }
    let registers = crate::gc::spill_registers();
    // A stop signal that arrives while parked is consumed there; so after each
    // collection, look whether the next one has started, and stop for it too. Each
    // collection is acknowledged once.
    loop {
        let collection = STARTED.load(Ordering::SeqCst);
        if FINISHED.load(Ordering::SeqCst) >= collection {
            break;
        }
        if ACKNOWLEDGED.with(|a| a.replace(collection)) != collection {
            // The collector clears `sp` before each collection: set it for this one.
            if let Some(record) = RECORD.with(|r| r.get()) {
                // SAFETY: the record lives while the thread is registered.
                unsafe { (*record).sp.store(registers.as_ptr() as usize, Ordering::SeqCst) };
            }
            STOPPED.fetch_add(1, Ordering::SeqCst);
        }
        while FINISHED.load(Ordering::SeqCst) < collection {
            // SAFETY: sched_yield is async-signal-safe.
            unsafe { libc::sched_yield() };
        }
    }
    std::hint::black_box(&registers);
    PARKED.with(|p| p.set(false));
}

/// Stops every other registered thread and returns their live stack ranges; the caller
/// collects, then calls [`resume`].
pub fn stop_others() -> Vec<(usize, usize)> {
    let me = RECORD.with(|r| r.get());
    // The list is taken and the collection started under one lock, so a thread that
    // leaves does so before (and is not listed) or after (and answers the signal).
    let threads = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let others: Vec<Arc<Record>> = threads.iter().filter(|r| Some(Arc::as_ptr(r)) != me).cloned().collect();
    if others.is_empty() {
        return Vec::new();
    }
    // Clear the recorded stack ends before the collection starts: a thread still leaving
    // its stop for the previous collection may see this one start and record its stack
    // end at once, which must not be cleared afterwards.
    for r in &others {
        r.sp.store(0, Ordering::SeqCst);
    }
    STOPPED.store(0, Ordering::SeqCst);
    STARTED.fetch_add(1, Ordering::SeqCst);
    drop(threads);
    for r in &others {
        // SAFETY: the thread is registered (it cannot leave during a collection), so it
        // is alive.
        unsafe { libc::pthread_kill(r.thread, STOP_SIGNAL) };
    }
    let start = std::time::Instant::now();
    while STOPPED.load(Ordering::SeqCst) < others.len() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            crate::fault::fatal("a thread did not stop for garbage collection");
        }
        // SAFETY: no preconditions.
        unsafe { libc::sched_yield() };
    }
    others.iter().map(|r| (r.sp.load(Ordering::SeqCst), r.top)).collect()
}

pub fn resume() {
    FINISHED.store(STARTED.load(Ordering::SeqCst), Ordering::SeqCst);
}
