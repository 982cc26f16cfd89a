//! The Pluto worker threads that run served requests (gRPC calls and HTTP requests).
//! Tokio threads never hold Pluto values: a request's bytes are handed here, a registered
//! thread (with its alternate signal stack) decodes them, runs the function and encodes
//! the answer, and only bytes go back. The pool grows when every worker is busy (a worker
//! may wait on a nested cross-stage call that comes back into this unit, so a fixed pool
//! could deadlock) up to [`MAX_WORKERS`]; idle workers wait for the next request.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

type Job = Box<dyn FnOnce() + Send>;

const MAX_WORKERS: usize = 1024;

struct Pool {
    queue: VecDeque<Job>,
    idle: usize,
    total: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { queue: VecDeque::new(), idle: 0, total: 0 });
static READY: Condvar = Condvar::new();

/// Runs `job` on a worker thread.
pub fn submit(job: Job) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    pool.queue.push_back(job);
    if pool.idle < pool.queue.len() && pool.total < MAX_WORKERS {
        pool.total += 1;
        drop(pool);
        let spawned = std::thread::Builder::new().name("pluto-worker".into()).stack_size(8 << 20).spawn(work);
        if spawned.is_err() {
            POOL.lock().unwrap_or_else(|e| e.into_inner()).total -= 1;
        }
    } else {
        drop(pool);
    }
    READY.notify_one();
}

fn work() {
    pluto_runtime::threads::attach();
    pluto_runtime::fault::install_alternate_stack();
    loop {
        let job = {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(job) = pool.queue.pop_front() {
                    break job;
                }
                pool.idle += 1;
                pool = READY.wait(pool).unwrap_or_else(|e| e.into_inner());
                pool.idle -= 1;
            }
        };
        job();
    }
}

/// How long a request's task watches for its answer before it parks.
const WATCH: std::time::Duration = std::time::Duration::from_micros(30);

/// Requests being run (to watch for answers only when the process is otherwise idle).
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts a request out of `IN_FLIGHT` however its task ends.
struct InFlight;

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Runs `job` on a worker and waits (in a tokio task) for what it returns; `None` if the
/// worker ended without answering. Most requests finish within microseconds: when this is
/// the only one in flight (nothing else needs this tokio thread), the task watches for the
/// answer briefly before it parks — a wake-up through the kernel costs as much as the
/// request.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    submit(Box::new(move || {
        let _ = reply.send(job());
    }));
    let alone = IN_FLIGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
    let _in_flight = InFlight;
    let watched = std::time::Instant::now();
    while alone && watched.elapsed() < WATCH {
        match answer.try_recv() {
            Ok(result) => return Some(result),
            Err(tokio::sync::oneshot::error::TryRecvError::Closed) => return None,
            Err(tokio::sync::oneshot::error::TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
    answer.await.ok()
}
