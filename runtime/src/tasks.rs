//! Channels and tasks (SPEC §8). A channel is a collector-managed object whose ring of
//! slots holds the values in flight (so the collector sees them); closing it may leave
//! an error (a broken stream from another unit) that receivers get once it is drained.
//! The network runtime feeds and drains channels through the [`stream`] functions. A
//! task is an object
//! that a registered thread of the task pool fills with the spawned call's result and
//! error word. An error no `get` observed is reported when the program ends.
//!
//! A thread that must wait (for room, for a value, for a task) first watches a change
//! counter for a few microseconds without the lock, as crossbeam's channels spin before
//! they park: the other end, on another core, usually answers sooner than a wake-up
//! through the kernel would take. Only then does it sleep on the condition variable, which
//! is signalled only when someone sleeps on it. A channel announces a change only when a
//! thread waits on it (a receiver for a value, a sender for room): a stream of values
//! through a buffer that is neither empty nor full announces nothing. Blocking waits
//! use one lock shared by all channels and tasks, and one of [`BUCKETS`] condition
//! variables chosen by the object's address: a change wakes only the threads waiting on
//! objects of its bucket, not every waiting thread (64 tasks each waiting on its own
//! channel: a send wakes one, not 64). A thread waiting there holds no Pluto lock the
//! collector needs.

use std::sync::{Condvar, Mutex, MutexGuard};

use crate::value::{Outcome, Word};

static LOCK: Mutex<()> = Mutex::new(());

/// Condition variables waited on, by the bucket of the object waited for.
const BUCKETS: usize = 64;
static CHANGED: [Condvar; BUCKETS] = [const { Condvar::new() }; BUCKETS];

/// Threads asleep on each of `CHANGED` (changed under `LOCK`).
static SLEEPING: [std::sync::atomic::AtomicUsize; BUCKETS] =
    [const { std::sync::atomic::AtomicUsize::new(0) }; BUCKETS];

/// The bucket of a channel or task object (objects never move).
fn bucket(object: Word) -> usize {
    // Fibonacci hashing of the address without its alignment bits.
    ((object as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % BUCKETS
}

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Changes announced (under `LOCK`) by [`changed`].
static VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long a waiter watches for a change before it sleeps: a channel's other end on
/// another core usually answers sooner than a wake-up through the kernel would take.
const WATCH: std::time::Duration = std::time::Duration::from_micros(20);

/// Threads watching for a change, and how many may.
static WATCHING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const MAX_WATCHING: usize = 2;

/// Announces a change of `object` (the caller holds `LOCK`): watching waiters see it
/// without a wake-up, and the threads asleep on its bucket are woken.
fn changed(object: Word) {
    use std::sync::atomic::Ordering;
    VERSION.fetch_add(1, Ordering::SeqCst);
    let b = bucket(object);
    if SLEEPING[b].load(Ordering::SeqCst) > 0 {
        CHANGED[b].notify_all();
    }
}

/// Waits for the next change of `object`: watches briefly without the lock (for any
/// change), then sleeps until a change in its bucket.
fn wait(object: Word, guard: MutexGuard<'static, ()>) -> MutexGuard<'static, ()> {
    use std::sync::atomic::Ordering;
    let seen = VERSION.load(Ordering::SeqCst);
    drop(guard);
    // A few watchers at most: with many threads waiting, the others sleep at once.
    if WATCHING.fetch_add(1, Ordering::SeqCst) < MAX_WATCHING {
        let start = std::time::Instant::now();
        while VERSION.load(Ordering::SeqCst) == seen && start.elapsed() < WATCH {
            std::hint::spin_loop();
        }
    }
    WATCHING.fetch_sub(1, Ordering::SeqCst);
    let guard = lock();
    if VERSION.load(Ordering::SeqCst) != seen {
        return guard;
    }
    let b = bucket(object);
    SLEEPING[b].fetch_add(1, Ordering::SeqCst);
    let guard = CHANGED[b].wait(guard).unwrap_or_else(|e| e.into_inner());
    SLEEPING[b].fetch_sub(1, Ordering::SeqCst);
    guard
}

/// The status words channel operations return (generated code raises the errors).
const OK: i64 = 0;
const CLOSED: i64 = 1;
/// `ChannelFull` for `try_send`, `ChannelEmpty` for `try_recv`.
const WOULD_BLOCK: i64 = 2;
/// Closed with an error (written to `out`): the stream feeding the channel broke.
const FAILED: i64 = 3;

#[repr(C)]
struct Chan {
    /// 0 for a rendezvous.
    capacity: i64,
    len: i64,
    head: i64,
    closed: i64,
    /// Values ever pushed and taken: a rendezvous sender waits for its value to be taken.
    pushed: i64,
    taken: i64,
    /// Receivers blocked in `recv`.
    waiting: i64,
    /// Senders blocked in `send` (for room, or for a rendezvous value to be taken).
    senders: i64,
    /// An object of `slots()` words.
    slots: *mut Word,
    /// The error receivers get once the channel is closed and drained (0: `ChannelClosed`).
    failure: Word,
}

impl Chan {
    fn get<'a>(ch: Word) -> &'a mut Chan {
        // SAFETY: `ch` is a channel object; it is only changed under `LOCK`.
        unsafe { &mut *(ch as *mut Chan) }
    }

    fn slots(&self) -> i64 {
        self.capacity.max(1)
    }

    /// Adds a value; announces it only to receivers waiting on this channel (one that
    /// comes later finds the value without waiting).
    fn push(&mut self, value: Word) {
        self.put(value);
        if self.waiting > 0 {
            changed(self as *const Chan as Word);
        }
    }

    /// Adds a value without announcing it (the ring has room).
    fn put(&mut self, value: Word) {
        let at = (self.head + self.len) % self.slots();
        // SAFETY: `at` is below the number of slots.
        unsafe { *self.slots.add(at as usize) = value };
        self.len += 1;
        self.pushed += 1;
    }

    /// The status of a receive from this closed, drained channel.
    fn ended(&self, out: *mut Word) -> i64 {
        if self.failure == 0 {
            return CLOSED;
        }
        // SAFETY: the receive's contract.
        unsafe { *out = self.failure };
        FAILED
    }

    /// Takes the oldest value; announces the room (or a rendezvous value taken) only to
    /// senders waiting on this channel.
    fn pop(&mut self) -> Word {
        let value = self.take();
        if self.senders > 0 {
            changed(self as *const Chan as Word);
        }
        value
    }

    /// Takes the oldest value without announcing it.
    fn take(&mut self) -> Word {
        // SAFETY: `head` is below the number of slots and the ring is not empty.
        let value = unsafe { std::mem::replace(&mut *self.slots.add(self.head as usize), 0) };
        self.head = (self.head + 1) % self.slots();
        self.len -= 1;
        self.taken += 1;
        value
    }
}

/// `chan<T>(capacity)`: both ends are this one object.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_chan_new(capacity: i64) -> Word {
    let capacity = capacity.max(0);
    let slots = crate::gc::pluto_alloc(capacity.max(1) * 8) as *mut Word;
    // Not atomic: it points at the slots, whose values the collector must see.
    let ch = crate::gc::pluto_alloc(std::mem::size_of::<Chan>() as i64) as *mut Chan;
    // SAFETY: a fresh object of the channel's size.
    unsafe {
        ch.write(Chan {
            capacity,
            len: 0,
            head: 0,
            closed: 0,
            pushed: 0,
            taken: 0,
            waiting: 0,
            senders: 0,
            slots,
            failure: 0,
        });
    }
    ch as Word
}

/// `tx.send(v)`: waits for room (for a rendezvous, until a receiver took the value).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_chan_send(ch: Word, value: Word) -> i64 {
    crate::locks::while_blocked(|| send(ch, value))
}

fn send(ch: Word, value: Word) -> i64 {
    // The channel is read again after every wait (`Chan::get`): other threads change it.
    // A sender counts itself in `senders` while it waits, so receivers announce to it.
    let mut guard = lock();
    loop {
        let c = Chan::get(ch);
        if c.closed != 0 {
            return CLOSED;
        }
        if c.len < c.slots() {
            break;
        }
        guard = wait_as_sender(ch, guard);
    }
    let c = Chan::get(ch);
    c.push(value);
    let (ticket, rendezvous) = (c.pushed, c.capacity == 0);
    while rendezvous && Chan::get(ch).taken < ticket {
        guard = wait_as_sender(ch, guard);
    }
    drop(guard);
    OK
}

/// Sends `values` in order, as many at a time as there is room for (one lock and one
/// announcement each time), waiting for room; `CLOSED` if the channel closed first.
fn send_all(ch: Word, values: &[Word]) -> i64 {
    if Chan::get(ch).capacity == 0 {
        // A rendezvous hands over one value at a time.
        return values.iter().map(|&v| send(ch, v)).find(|&status| status != OK).unwrap_or(OK);
    }
    let mut sent = 0;
    let mut guard = lock();
    while sent < values.len() {
        let c = Chan::get(ch);
        if c.closed != 0 {
            return CLOSED;
        }
        if c.len == c.slots() {
            guard = wait_as_sender(ch, guard);
            continue;
        }
        let announce = c.waiting > 0;
        while sent < values.len() && c.len < c.slots() {
            c.put(values[sent]);
            sent += 1;
        }
        if announce {
            changed(ch);
        }
    }
    drop(guard);
    OK
}

/// Waits for the next change as a sender blocked on `ch`.
fn wait_as_sender(ch: Word, guard: MutexGuard<'static, ()>) -> MutexGuard<'static, ()> {
    Chan::get(ch).senders += 1;
    let guard = wait(ch, guard);
    Chan::get(ch).senders -= 1;
    guard
}

/// `tx.try_send(v)`: without waiting; a rendezvous succeeds only for a waiting receiver.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_chan_try_send(ch: Word, value: Word) -> i64 {
    let _guard = lock();
    let c = Chan::get(ch);
    if c.closed != 0 {
        return CLOSED;
    }
    let room = if c.capacity == 0 { c.len == 0 && c.waiting > 0 } else { c.len < c.capacity };
    if !room {
        return WOULD_BLOCK;
    }
    c.push(value);
    OK
}

/// `rx.recv()`: the next value, waiting for one; `CLOSED` once closed and drained.
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_chan_recv(ch: Word, out: *mut Word) -> i64 {
    crate::locks::while_blocked(|| recv(ch, out))
}

fn recv(ch: Word, out: *mut Word) -> i64 {
    let mut guard = lock();
    // Counted as waiting (for a rendezvous `try_send`) only once it has to wait; nothing
    // waits for that count to change, so it announces no change.
    let mut waiting = false;
    let status = loop {
        let c = Chan::get(ch);
        if c.len > 0 {
            // SAFETY: per the contract.
            unsafe { *out = c.pop() };
            break OK;
        }
        if c.closed != 0 {
            break c.ended(out);
        }
        if !waiting {
            c.waiting += 1;
            waiting = true;
        }
        guard = wait(ch, guard);
    };
    if waiting {
        Chan::get(ch).waiting -= 1;
    }
    drop(guard);
    status
}

/// `rx.try_recv()`: a value if one is there.
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_chan_try_recv(ch: Word, out: *mut Word) -> i64 {
    let _guard = lock();
    let c = Chan::get(ch);
    if c.len > 0 {
        // SAFETY: per the contract.
        unsafe { *out = c.pop() };
        return OK;
    }
    if c.closed != 0 { c.ended(out) } else { WOULD_BLOCK }
}

/// `tx.close()`: receivers drain what is buffered, then see the channel closed.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_chan_close(ch: Word) {
    let _guard = lock();
    Chan::get(ch).closed = 1;
    changed(ch);
}

/// `for v in rx`: the next value (`OK`) or `CLOSED`; a broken stream faults at `site`
/// (a loop has no handler to raise its error to).
///
/// # Safety
/// `out` must be writable; `site` a NUL-terminated `file:line`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_chan_next(ch: Word, out: *mut Word, site: *const u8) -> i64 {
    let status = crate::locks::while_blocked(|| recv(ch, out));
    if status == FAILED {
        // SAFETY: `recv` wrote the error.
        let mut text = String::new();
        crate::format::write_object(unsafe { *out }, &mut text);
        crate::fault::fault(crate::fault::Fault::Other(format!("the stream being received from broke: {text}")), site);
    }
    status
}

/// Channels as the network runtime uses them for streams between units: a served
/// stream drains the receiver a `pub fn` returned; a caller's receiver is fed from the
/// network. Called on registered (Pluto) threads only.
pub mod stream {
    use super::*;

    pub fn channel(capacity: i64) -> Word {
        pluto_chan_new(capacity)
    }

    /// Sends `values` in order, waiting for room (taking it as it comes, many values
    /// at a time); `false` if the channel was closed. `values` must be on the stack of
    /// this registered thread, where the collector sees them.
    pub fn send_all(ch: Word, values: &[Word]) -> bool {
        crate::locks::while_blocked(|| super::send_all(ch, values)) == OK
    }

    pub enum Received {
        Value(Word),
        Closed,
        /// Closed with this error (a broken stream upstream).
        Failed(Word),
    }

    /// The next value, waiting for one.
    pub fn receive(ch: Word) -> Received {
        let mut out: Word = 0;
        match crate::locks::while_blocked(|| recv(ch, &mut out)) {
            OK => Received::Value(out),
            FAILED => Received::Failed(out),
            _ => Received::Closed,
        }
    }

    /// The values waiting, up to `into.len()`, without waiting for more: how many were
    /// taken. One lock and one announcement of the room for all of them (a stream's
    /// producer refills the channel while they are encoded, instead of meeting the
    /// consumer at the lock for every value). `into` must be on the stack of this
    /// registered thread, where the collector sees the values.
    pub fn drain(ch: Word, into: &mut [Word]) -> usize {
        let _guard = lock();
        let c = Chan::get(ch);
        let mut taken = 0;
        while taken < into.len() && c.len > 0 {
            into[taken] = c.take();
            taken += 1;
        }
        if taken > 0 && c.senders > 0 {
            changed(ch);
        }
        taken
    }

    /// Closes the channel: senders get `ChannelClosed`, receivers drain it.
    pub fn close(ch: Word) {
        pluto_chan_close(ch);
    }

    /// Closes the channel with `error`, which receivers get once it is drained.
    pub fn fail(ch: Word, error: Word) {
        let _guard = lock();
        let c = Chan::get(ch);
        c.failure = error;
        c.closed = 1;
        changed(ch);
    }
}

#[repr(C)]
struct Task {
    done: i64,
    result: Word,
    error: Word,
    /// `[function value][argument count][arguments...]`.
    call: Word,
    /// Unique for the process (addresses are reused after collections).
    id: u64,
}

/// `spawn f(args)`: runs the function value `function` with `count` argument words on a
/// registered thread of the task pool; returns the task. It returns once that thread
/// holds the task on its own stack, so the collector always sees it.
///
/// # Safety
/// `args` must hold `count` words; `function` must be a function value taking them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_spawn(function: Word, args: *const Word, count: i64) -> Word {
    if !(0..=MAX_ARGS as i64).contains(&count) {
        crate::fault::fatal("a spawned call takes at most 8 arguments");
    }
    let call = crate::gc::pluto_alloc((2 + count.max(0)) * 8) as *mut Word;
    // SAFETY: a fresh object of 2 + count words; `args` holds `count` words.
    unsafe {
        *call = function;
        *call.add(1) = count as Word;
        std::ptr::copy_nonoverlapping(args, call.add(2), count as usize);
    }
    let task = crate::gc::pluto_alloc(std::mem::size_of::<Task>() as i64) as *mut Task;
    let id = NEXT_TASK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // SAFETY: a fresh object of the task's size.
    unsafe { task.write(Task { done: 0, result: 0, error: 0, call: call as Word, id }) };
    hand_over(task as Word);
    std::hint::black_box(task as Word)
}

/// The task pool: threads that ran a task wait here for the next (at most [`MAX_IDLE`] of
/// them; the others end). A task goes to an idle thread, or to a new one when none is
/// idle, so a task that blocks never holds up another.
struct Pool {
    /// Tasks handed over but not yet taken; their spawner waits (holding the task on its
    /// stack) until they are.
    pending: std::collections::VecDeque<Word>,
    idle: usize,
    handed: u64,
    taken: u64,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { pending: std::collections::VecDeque::new(), idle: 0, handed: 0, taken: 0 });
static WORK: Condvar = Condvar::new();
static TAKEN: Condvar = Condvar::new();
const MAX_IDLE: usize = 256;
static NEXT_TASK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn hand_over(task: Word) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.idle > pool.pending.len() {
        pool.pending.push_back(task);
        pool.handed += 1;
        let ticket = pool.handed;
        WORK.notify_one();
        while pool.taken < ticket {
            pool = TAKEN.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
        return;
    }
    drop(pool);
    let (started, ready) = std::sync::mpsc::channel();
    // Creating a thread takes locks of the C library (some of its memory is allocated
    // below Rust's allocator): the thread must not be stopped for a collection meanwhile.
    crate::threads::enter_critical();
    let spawned = std::thread::Builder::new().name("pluto-task".into()).stack_size(8 * 1024 * 1024).spawn(move || {
        crate::threads::attach();
        crate::fault::install_alternate_stack();
        let first = std::hint::black_box(task);
        let _ = started.send(());
        run(first);
        while let Some(task) = next_task() {
            run(std::hint::black_box(task));
        }
    });
    crate::threads::leave_critical();
    if spawned.is_err() {
        crate::fault::fatal("cannot start a thread for `spawn`");
    }
    let _ = ready.recv();
}

/// The next task for this pool thread, or `None` when enough threads are idle already.
fn next_task() -> Option<Word> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(task) = pool.pending.pop_front() {
            pool.taken += 1;
            TAKEN.notify_all();
            return Some(task);
        }
        if pool.idle >= MAX_IDLE {
            return None;
        }
        pool.idle += 1;
        pool = WORK.wait(pool).unwrap_or_else(|e| e.into_inner());
        pool.idle -= 1;
    }
}

/// Errors of tasks that ended with one, by task id, until `get` observes them: what is
/// left when the program ends is reported (SPEC §8: an error is never lost).
static UNOBSERVED: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());

/// Reports the errors of tasks nobody called `get` on; whether there were any.
pub fn report_unobserved() -> bool {
    let lost = std::mem::take(&mut *UNOBSERVED.lock().unwrap_or_else(|e| e.into_inner()));
    for (_, error) in &lost {
        eprintln!("error: a task ended with an error nobody observed (call `.get()` on its task to handle it)\n  {error}");
    }
    !lost.is_empty()
}

const MAX_ARGS: usize = 8;

fn run(task: Word) {
    // Each task is a call chain of its own (a pool thread ran others before).
    crate::locks::enter_chain(0);
    // SAFETY: `task` is a task object this thread keeps alive on its stack.
    let call = unsafe { (*(task as *const Task)).call } as *const Word;
    // SAFETY: the call object is `[function][count][args...]`.
    let (function, count) = unsafe { (*call, *call.add(1) as usize) };
    // SAFETY: as above, `count` arguments follow.
    let a = |i: usize| unsafe { *call.add(2 + i) };
    // SAFETY: a function value starts with closure-convention code taking the value and
    // `count` words, returning two words.
    let outcome =
        unsafe {
            let code = *(function as *const usize);
            match count {
                0 => std::mem::transmute::<usize, extern "C" fn(Word) -> Outcome>(code)(function),
                1 => std::mem::transmute::<usize, extern "C" fn(Word, Word) -> Outcome>(code)(function, a(0)),
                2 => {
                    std::mem::transmute::<usize, extern "C" fn(Word, Word, Word) -> Outcome>(code)(function, a(0), a(1))
                }
                3 => std::mem::transmute::<usize, extern "C" fn(Word, Word, Word, Word) -> Outcome>(code)(
                    function,
                    a(0),
                    a(1),
                    a(2),
                ),
                4 => std::mem::transmute::<usize, extern "C" fn(Word, Word, Word, Word, Word) -> Outcome>(code)(
                    function,
                    a(0),
                    a(1),
                    a(2),
                    a(3),
                ),
                5 => std::mem::transmute::<usize, extern "C" fn(Word, Word, Word, Word, Word, Word) -> Outcome>(code)(
                    function,
                    a(0),
                    a(1),
                    a(2),
                    a(3),
                    a(4),
                ),
                6 => std::mem::transmute::<usize, extern "C" fn(Word, Word, Word, Word, Word, Word, Word) -> Outcome>(
                    code,
                )(function, a(0), a(1), a(2), a(3), a(4), a(5)),
                7 => std::mem::transmute::<
                    usize,
                    extern "C" fn(Word, Word, Word, Word, Word, Word, Word, Word) -> Outcome,
                >(code)(function, a(0), a(1), a(2), a(3), a(4), a(5), a(6)),
                _ => std::mem::transmute::<
                    usize,
                    extern "C" fn(Word, Word, Word, Word, Word, Word, Word, Word, Word) -> Outcome,
                >(code)(function, a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7)),
            }
        };
    crate::io::flush();
    if outcome.error != 0 {
        // SAFETY: as above.
        let id = unsafe { (*(task as *const Task)).id };
        let error = crate::fault::describe_unhandled(outcome.error);
        UNOBSERVED.lock().unwrap_or_else(|e| e.into_inner()).push((id, error));
    }
    let _guard = lock();
    let t = task as *mut Task;
    // SAFETY: the task object is only written here, under `LOCK`.
    unsafe {
        (*t).result = outcome.value;
        (*t).error = outcome.error;
        (*t).done = 1;
    }
    changed(task);
}

/// `task.get()`: waits for the task; its result in `out`, and its error word (0 if none).
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_task_get(task: Word, out: *mut Word) -> Word {
    crate::locks::while_blocked(|| get(task, out))
}

fn get(task: Word, out: *mut Word) -> Word {
    let t = task as *const Task;
    let mut guard = lock();
    // SAFETY: `task` is a task object, written only under `LOCK`.
    while unsafe { std::ptr::read_volatile(&(*t).done) } == 0 {
        guard = wait(task, guard);
    }
    drop(guard);
    // SAFETY: as above; `out` per the contract.
    let (result, error, id) = unsafe { ((*t).result, (*t).error, (*t).id) };
    if error != 0 {
        UNOBSERVED.lock().unwrap_or_else(|e| e.into_inner()).retain(|(task, _)| *task != id);
    }
    // SAFETY: per the contract.
    unsafe { *out = result };
    error
}
