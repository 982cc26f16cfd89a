//! The locks of singletons (SPEC §4.5): a call into a deployment unit — a request it
//! serves, or a colocated cross-unit call — holds the unit's lock, so concurrent requests
//! never interleave inside one unit's singletons. A lock is re-entrant along a *call
//! chain*: every chain has an id, carried by the thread that runs it and, across units,
//! in the metadata of the gRPC call, so a chain that comes back into a unit (A→B→A)
//! finds the lock already its own instead of deadlocking.
//!
//! A thread blocked here holds no runtime lock the collector needs, so it stops for
//! collections like any other.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use crate::value::Word;

struct Owner {
    chain: u64,
    depth: u32,
}

static LOCKS: Mutex<Option<HashMap<Word, Owner>>> = Mutex::new(None);
static RELEASED: Condvar = Condvar::new();
static NEXT_CHAIN: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The chain this thread runs (0: none yet).
    static CHAIN: Cell<u64> = const { Cell::new(0) };
    /// The locks this thread took, in order (to release them when a fault ends a call).
    static HELD: RefCell<Vec<Word>> = const { RefCell::new(Vec::new()) };
}

/// The id of the chain this thread runs, starting one if it runs none. Ids are unique
/// across processes (the process id is in the high bits).
pub fn chain() -> u64 {
    CHAIN.with(|c| {
        if c.get() == 0 {
            let local = NEXT_CHAIN.fetch_add(1, Ordering::Relaxed);
            c.set((u64::from(std::process::id()) << 32) | (local & 0xffff_ffff));
        }
        c.get()
    })
}

/// Makes this thread run `chain` (a request's), returning the chain it ran before.
pub fn enter_chain(chain: u64) -> u64 {
    CHAIN.with(|c| c.replace(chain))
}

/// Takes the lock of `object` for this thread's chain, waiting while another chain has it.
pub fn lock(object: Word) {
    let me = chain();
    let mut locks = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let table = locks.get_or_insert_with(HashMap::new);
        match table.get_mut(&object) {
            None => {
                table.insert(object, Owner { chain: me, depth: 1 });
                break;
            }
            Some(owner) if owner.chain == me => {
                owner.depth += 1;
                break;
            }
            Some(_) => locks = RELEASED.wait(locks).unwrap_or_else(|e| e.into_inner()),
        }
    }
    drop(locks);
    HELD.with(|h| h.borrow_mut().push(object));
}

/// Gives back one level of the lock of `object`.
pub fn unlock(object: Word) {
    HELD.with(|h| {
        let mut held = h.borrow_mut();
        if let Some(i) = held.iter().rposition(|o| *o == object) {
            held.remove(i);
        }
    });
    let mut locks = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(table) = locks.as_mut()
        && let Some(owner) = table.get_mut(&object)
    {
        owner.depth -= 1;
        if owner.depth == 0 {
            table.remove(&object);
            RELEASED.notify_all();
        }
    }
}

/// How many locks this thread holds.
pub fn depth() -> usize {
    HELD.with(|h| h.borrow().len())
}

/// Releases the locks this thread took after it held `depth` (a fault ended their calls).
pub fn release_to(depth: usize) {
    let extra: Vec<Word> = HELD.with(|h| h.borrow()[depth.min(h.borrow().len())..].to_vec());
    for object in extra.into_iter().rev() {
        unlock(object);
    }
}
