//! The locks of deployment units (SPEC §4.5): a call into a unit — a request it serves,
//! or a colocated cross-unit call — holds the unit's lock, so concurrent requests never
//! interleave inside one unit's singletons. A lock is re-entrant along a *call chain*:
//! every chain has an id, carried by the thread that runs it and, across units, in the
//! metadata of the gRPC call, so a chain that comes back into a unit (A→B→A) finds the
//! lock already its own instead of deadlocking.
//!
//! A lock is two words of static data beside the unit's instance slot (the compiler
//! reserves them): the owning chain and the depth. Taking a free lock or re-entering is
//! one atomic operation; a waiter parks on a condition variable shared by all locks. A
//! thread blocked here holds no runtime lock the collector needs, so it stops for
//! collections like any other.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// A unit's lock (in the compiler's static data, zeroed: free).
#[repr(C)]
pub struct UnitLock {
    owner: AtomicU64,
    depth: AtomicU64,
}

static PARKING: Mutex<()> = Mutex::new(());
static RELEASED: Condvar = Condvar::new();
/// Threads parked (or about to park) on some lock.
static WAITERS: AtomicUsize = AtomicUsize::new(0);
static NEXT_CHAIN: AtomicU64 = AtomicU64::new(1);
/// Whether a thread watches a taken lock for its release, and for how long at most.
static WATCHING: AtomicUsize = AtomicUsize::new(0);
const WATCH: Duration = Duration::from_micros(20);
/// The lock of the unit whose `main` this executable runs (null: none).
static MAIN_UNIT: std::sync::atomic::AtomicPtr<UnitLock> = std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Called by the generated entry before it runs a unit's `main`: requests that reach that
/// unit by other ways than gRPC (HTTP) take this lock, as served calls take theirs.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_main_unit(lock: *const UnitLock) {
    MAIN_UNIT.store(lock.cast_mut(), Ordering::SeqCst);
}

/// The lock of the unit running `main`, if the program has units.
pub fn main_unit() -> Option<*const UnitLock> {
    let lock = MAIN_UNIT.load(Ordering::SeqCst);
    (!lock.is_null()).then_some(lock.cast_const())
}

thread_local! {
    /// The chain this thread runs (0: none yet).
    static CHAIN: Cell<u64> = const { Cell::new(0) };
    /// The locks this thread took, in order (to release them when a fault ends a call).
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// The id of the chain this thread runs, starting one if it runs none. Ids are unique
/// across processes (the process id is in the high bits).
pub fn chain() -> u64 {
    CHAIN.with(|c| {
        if c.get() == 0 {
            let local = NEXT_CHAIN.fetch_add(1, Ordering::Relaxed);
            c.set((u64::from(process_id()) << 32) | (local & 0xffff_ffff));
        }
        c.get()
    })
}

/// This process's id, asked of the kernel once (a served call without a caller's chain
/// starts one, and `getpid` is a system call every time).
fn process_id() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// Makes this thread run `chain` (a request's; 0 starts a new one on first use),
/// returning the chain it ran before.
pub fn enter_chain(chain: u64) -> u64 {
    CHAIN.with(|c| c.replace(chain))
}

/// Takes `lock` for this thread's chain, waiting while another chain has it.
pub fn lock(lock: *const UnitLock) {
    // SAFETY: the compiler's static data, alive for the whole process.
    let l = unsafe { &*lock };
    let me = chain();
    loop {
        match l.owner.compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => {
                l.depth.store(1, Ordering::Relaxed);
                break;
            }
            Err(owner) if owner == me => {
                l.depth.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Err(_) => {
                // Calls hold a unit's lock for microseconds: watch for its release before
                // parking (one watcher at a time; the others park at once).
                if WATCHING.compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    let start = std::time::Instant::now();
                    while l.owner.load(Ordering::Relaxed) != 0 && start.elapsed() < WATCH {
                        std::hint::spin_loop();
                    }
                    WATCHING.store(0, Ordering::SeqCst);
                    if l.owner.load(Ordering::SeqCst) == 0 {
                        continue;
                    }
                }
                let parking = PARKING.lock().unwrap_or_else(|e| e.into_inner());
                WAITERS.fetch_add(1, Ordering::SeqCst);
                // Re-checked after announcing the wait: an unlock either sees the waiter
                // or happened before this load.
                if l.owner.load(Ordering::SeqCst) != 0 {
                    let _ = RELEASED.wait_timeout(parking, Duration::from_millis(50));
                }
                WAITERS.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
    HELD.with(|h| h.borrow_mut().push(lock as usize));
}

/// Gives back one level of `lock`.
pub fn unlock(lock: *const UnitLock) {
    HELD.with(|h| {
        let mut held = h.borrow_mut();
        if let Some(i) = held.iter().rposition(|l| *l == lock as usize) {
            held.remove(i);
        }
    });
    // SAFETY: as in `lock`.
    let l = unsafe { &*lock };
    if l.depth.fetch_sub(1, Ordering::Relaxed) == 1 {
        l.owner.store(0, Ordering::SeqCst);
        if WAITERS.load(Ordering::SeqCst) > 0 {
            let _parking = PARKING.lock().unwrap_or_else(|e| e.into_inner());
            RELEASED.notify_all();
        }
    }
}

/// Runs `wait` (which blocks: a sleep, a call to a unit in another process, a channel
/// operation, waiting for a task) without the unit locks this thread holds, taking them
/// back afterwards. A unit's state is safe between its holder's blocking points, not
/// across them — as Swift's actors are reentrant at their suspension points — so a slow
/// request does not hold up the others, and a task that calls back into the unit its
/// spawner waits in does not deadlock. `wait` must not run Pluto code.
///
/// The hook set by [`on_blocking`] hears when the wait starts and ends.
pub fn while_blocked<R>(wait: impl FnOnce() -> R) -> R {
    let hook = BLOCKING_HOOK.get();
    let held: Vec<usize> = HELD.with(|h| h.borrow().clone());
    for l in held.iter().rev() {
        unlock(*l as *const UnitLock);
    }
    if let Some(hook) = hook {
        hook(true);
    }
    let result = wait();
    if let Some(hook) = hook {
        hook(false);
    }
    for l in &held {
        lock(*l as *const UnitLock);
    }
    result
}

static BLOCKING_HOOK: std::sync::OnceLock<fn(bool)> = std::sync::OnceLock::new();

/// Sets the function told when a thread starts (`true`) and stops (`false`) blocking in
/// [`while_blocked`] (the network runtime's worker pool: a blocked worker gives its
/// place to another). Once per process.
pub fn on_blocking(hook: fn(bool)) {
    let _ = BLOCKING_HOOK.set(hook);
}

/// How many locks this thread holds.
pub fn depth() -> usize {
    HELD.with(|h| h.borrow().len())
}

/// Releases the locks this thread took after it held `depth` (a fault ended their calls).
pub fn release_to(depth: usize) {
    let extra: Vec<usize> = HELD.with(|h| {
        let held = h.borrow();
        held[depth.min(held.len())..].to_vec()
    });
    for lock in extra.into_iter().rev() {
        unlock(lock as *const UnitLock);
    }
}
