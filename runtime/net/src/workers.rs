//! The Pluto worker threads that run served requests (gRPC calls and HTTP requests).
//! Tokio threads never hold Pluto values: a request's bytes are handed here, a registered
//! thread (with its alternate signal stack) decodes them, runs the function and encodes
//! the answer, and only bytes go back.
//!
//! The pool keeps a few *awake* workers per core (running a job or looking for one), as
//! Go's scheduler keeps a running thread per `P`: a queued job is taken by an awake
//! worker when it finishes its job, rather than each job waking a thread through the
//! kernel. A worker that blocks (a call to another process, a channel, a sleep: the
//! runtime's `while_blocked`) stops counting as awake, so another takes its place; and
//! because a job may block in ways the runtime does not see (a lock, a long loop), a
//! monitor adds a worker whenever jobs wait and none has been taken for a millisecond —
//! no request waits forever behind busy workers (nested calls that come back into this
//! unit cannot deadlock). At most [`MAX_WORKERS`] threads.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send>;

const MAX_WORKERS: usize = 1024;

/// How long a worker that finished a job looks for the next one before it sleeps: a
/// request that arrives meanwhile starts without a wake-up through the kernel, which
/// costs as much as a small request. One worker at a time spins, and it yields the core
/// at each look (other runnable threads — the network side, a client in the same
/// machine — go first; spinning without yielding measured 2x slower end to end on two
/// cores). Under concurrent load requests come in bursts (one read of the connection
/// holds several): the spinner takes the next burst's first job without a wake-up
/// (64 callers on two cores: 0.88x tonic's throughput against 0.81x when it spun only
/// while requests came one at a time).
const SPIN: Duration = Duration::from_micros(100);

/// How long jobs may wait with none taken before the monitor adds a worker; while
/// workers keep taking jobs the monitor looks less and less often, down to once per
/// `STALL_MAX` (as Go's `sysmon` backs off), so a busy unit does not pay a wake-up of the
/// monitor every millisecond. A stall is noticed within `STALL` after a quiet spell and
/// within `2 * STALL_MAX` in the middle of a busy one.
const STALL: Duration = Duration::from_millis(1);
const STALL_MAX: Duration = Duration::from_millis(8);

struct Pool {
    queue: VecDeque<Job>,
    /// Jobs taken from the queue so far (the monitor's sign of progress).
    taken: u64,
    /// Workers not asleep and not blocked: running a job, spinning, or woken.
    awake: usize,
    /// Workers asleep on `READY`, and wake-ups given to them but not yet taken.
    asleep: usize,
    wakeups: usize,
    /// Whether a worker is spinning (looking at `QUEUED` without the lock).
    spinning: bool,
    total: usize,
    /// Whether the monitor sleeps until jobs wait (`submit` then wakes it).
    monitor_asleep: bool,
    monitor_started: bool,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    queue: VecDeque::new(),
    taken: 0,
    awake: 0,
    asleep: 0,
    wakeups: 0,
    spinning: false,
    total: 0,
    monitor_asleep: false,
    monitor_started: false,
});
static READY: Condvar = Condvar::new();
static MONITOR: Condvar = Condvar::new();
/// `POOL.queue.len()`, readable without the lock by the spinning worker.
static QUEUED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread is one of the pool's workers.
    static IS_WORKER: Cell<bool> = const { Cell::new(false) };
}

fn pool() -> MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Awake workers wanted: two per core. Unlike Go's threads, the workers share the cores
/// with the network side's threads (one per core) and other processes: an awake worker
/// may be waiting for the kernel to run it (woken but not yet running, or set aside for
/// a tokio thread), and with one per core queued jobs then wait although a core is free
/// (64 callers on two cores: 0.85x tonic's throughput with one awake worker per core,
/// 1.0x with two; three and more measured the same as two).
fn target() -> usize {
    static WANTED: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| 2 * std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Runs `job` on a worker thread.
pub fn submit(job: Job) {
    let mut pool = pool();
    pool.queue.push_back(job);
    QUEUED.store(pool.queue.len(), Ordering::Release);
    if !pool.monitor_started {
        pool.monitor_started = true;
        pluto_runtime::locks::on_blocking(blocking);
        start_thread("pluto-monitor", monitor);
    }
    if pool.spinning && pool.queue.len() == 1 {
        // The spinning worker takes it.
        return;
    }
    if pool.awake < target() {
        add_worker(pool);
    } else if pool.monitor_asleep {
        pool.monitor_asleep = false;
        drop(pool);
        MONITOR.notify_one();
    }
}

/// One more awake worker: a sleeping one woken, or a new thread.
fn add_worker(mut pool: MutexGuard<'static, Pool>) {
    pool.awake += 1;
    if pool.asleep > pool.wakeups {
        pool.wakeups += 1;
        drop(pool);
        READY.notify_one();
    } else if pool.total < MAX_WORKERS {
        pool.total += 1;
        drop(pool);
        if !start_thread("pluto-worker", work) {
            let mut pool = self::pool();
            pool.total -= 1;
            pool.awake -= 1;
        }
    } else {
        pool.awake -= 1;
    }
}

fn start_thread(name: &str, body: fn()) -> bool {
    // Creating threads takes locks of the C library: not while a collection may stop us.
    pluto_runtime::threads::enter_critical();
    let started = std::thread::Builder::new().name(name.into()).stack_size(8 << 20).spawn(body).is_ok();
    pluto_runtime::threads::leave_critical();
    started
}

/// The next job: one already queued, or one that arrives while this worker spins (when
/// no other does), or after it slept.
fn next_job() -> Job {
    let mut pool = pool();
    if !pool.spinning && pool.queue.is_empty() {
        pool.spinning = true;
        drop(pool);
        let started = Instant::now();
        while QUEUED.load(Ordering::Acquire) == 0 && started.elapsed() < SPIN {
            std::thread::yield_now();
        }
        pool = self::pool();
        // `submit` left jobs to the spinner under the lock; it stops spinning under the
        // lock and looks at the queue again, so no job is left without a worker.
        pool.spinning = false;
    }
    loop {
        if let Some(job) = pool.queue.pop_front() {
            QUEUED.store(pool.queue.len(), Ordering::Release);
            pool.taken += 1;
            return job;
        }
        pool.awake -= 1;
        pool.asleep += 1;
        while pool.wakeups == 0 {
            pool = READY.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
        pool.wakeups -= 1;
        pool.asleep -= 1;
        // The waker counted this worker awake.
    }
}

fn work() {
    pluto_runtime::threads::attach();
    pluto_runtime::fault::install_alternate_stack();
    IS_WORKER.with(|w| w.set(true));
    loop {
        next_job()();
    }
}

/// Told by the runtime when a thread starts and stops blocking (`while_blocked`): a
/// worker that blocks gives its place to another.
fn blocking(blocked: bool) {
    if !IS_WORKER.with(|w| w.get()) {
        return;
    }
    let mut pool = pool();
    if !blocked {
        pool.awake += 1;
        return;
    }
    pool.awake -= 1;
    if !pool.queue.is_empty() && !pool.spinning && pool.awake < target() {
        add_worker(pool);
    }
}

/// Adds a worker whenever jobs wait and none was taken for a while (see [`STALL`]);
/// sleeps while none wait.
fn monitor() {
    let mut pool = pool();
    let mut seen = pool.taken;
    let mut pause = STALL;
    loop {
        if pool.queue.is_empty() {
            pool.monitor_asleep = true;
            while pool.monitor_asleep {
                pool = MONITOR.wait(pool).unwrap_or_else(|e| e.into_inner());
            }
            seen = pool.taken;
            pause = STALL;
        }
        drop(pool);
        std::thread::sleep(pause);
        pool = self::pool();
        if !pool.queue.is_empty() && pool.taken == seen {
            add_worker(pool);
            pool = self::pool();
            pause = STALL;
        } else {
            pause = (pause * 2).min(STALL_MAX);
        }
        seen = pool.taken;
    }
}

/// How long a request's task watches for its answer before it parks.
const WATCH: Duration = Duration::from_micros(30);

/// Requests being run (to watch for answers only when the process is otherwise idle).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts a request out of `IN_FLIGHT` however its task ends.
struct InFlight;

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `job` on a worker and waits (in a tokio task) for what it returns; `None` if the
/// worker ended without answering. Most requests finish within microseconds: when this is
/// the only one in flight (nothing else needs this tokio thread), the task watches for the
/// answer briefly before it parks (yielding the core at each look) — a wake-up through
/// the kernel costs as much as the request.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    submit(Box::new(move || {
        let _ = reply.send(job());
    }));
    let alone = IN_FLIGHT.fetch_add(1, Ordering::Relaxed) == 0;
    let _in_flight = InFlight;
    let watched = Instant::now();
    while alone && watched.elapsed() < WATCH {
        match answer.try_recv() {
            Ok(result) => return Some(result),
            Err(tokio::sync::oneshot::error::TryRecvError::Closed) => return None,
            Err(tokio::sync::oneshot::error::TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
    answer.await.ok()
}
