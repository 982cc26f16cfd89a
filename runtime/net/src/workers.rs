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
