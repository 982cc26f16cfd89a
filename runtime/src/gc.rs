//! The garbage collector: a conservative, non-moving mark-and-sweep collector over one
//! reserved address range. Why this design is in docs/runtime.md.
//!
//! The range is cut into 64 KiB blocks. A small object (up to 8 KiB) lives in a block of
//! one size class; a large one takes a run of whole blocks. Every block has a side table
//! entry with allocation and mark bits, so deciding whether a word points into a live
//! object is a subtraction, a shift and a bit test. Roots are the words of the calling
//! thread's stack (after its callee-saved registers are spilled onto it); objects are
//! scanned word by word unless allocated as *atomic* (strings: bytes, never pointers).
//!
//! One lock guards the heap, so allocation is safe from several threads; each thread
//! takes free slots in batches and allocates from its batch without the lock. A
//! collection stops every other thread that runs Pluto code (`threads.rs`) and scans all
//! their stacks.

use std::cell::UnsafeCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const BLOCK_SHIFT: usize = 16;
const BLOCK: usize = 1 << BLOCK_SHIFT;
const GRANULE: usize = 16;
const SLOTS: usize = BLOCK / GRANULE;
const BITWORDS: usize = SLOTS / 64;
const SIZE_CLASSES: [usize; 18] =
    [16, 32, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024, 2048, 4096, 8192];
const MAX_SMALL: usize = 8192;
/// `BlockMeta::class` of a free block whose pages were given back to the system.
const RELEASED: u8 = u8::MAX;
/// A collection starts once this much was allocated since the last one, or twice what
/// survived it, whichever is more.
const MIN_THRESHOLD: usize = 8 << 20;
/// With `PLUTO_GC_STRESS` set, collections come after every 64 KiB instead, and the
/// heap is not allowed to grow: tests run whole programs so to shake out missed roots.
const STRESS_THRESHOLD: usize = 64 << 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Free,
    Small,
    LargeHead,
    LargeTail,
}

struct BlockMeta {
    kind: Kind,
    class: u8,
    atomic: bool,
    /// For a large head: the number of blocks; for a tail: the index of its head.
    span: u32,
    alloc: [u64; BITWORDS],
    mark: [u64; BITWORDS],
}

impl BlockMeta {
    fn new() -> BlockMeta {
        BlockMeta { kind: Kind::Free, class: 0, atomic: false, span: 0, alloc: [0; BITWORDS], mark: [0; BITWORDS] }
    }
}

fn test(bits: &[u64; BITWORDS], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

fn set(bits: &mut [u64; BITWORDS], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

/// The size class of every small size, by size in granules.
static CLASS_OF: [u8; MAX_SMALL / GRANULE + 1] = {
    let mut table = [0u8; MAX_SMALL / GRANULE + 1];
    let mut granules = 0;
    let mut class = 0;
    while granules <= MAX_SMALL / GRANULE {
        while SIZE_CLASSES[class] < granules * GRANULE {
            class += 1;
        }
        table[granules] = class as u8;
        granules += 1;
    }
    table
};

fn class_of(size: usize) -> usize {
    CLASS_OF[size.div_ceil(GRANULE)] as usize
}

/// `x / SIZE_CLASSES[class]` for `x` < BLOCK, by multiplication: exact because
/// `x * size < 2^32`.
static DIVIDE: [u64; SIZE_CLASSES.len()] = {
    let mut table = [0u64; SIZE_CLASSES.len()];
    let mut i = 0;
    while i < SIZE_CLASSES.len() {
        table[i] = (1u64 << 32) / SIZE_CLASSES[i] as u64 + 1;
        i += 1;
    }
    table
};

fn divide(x: usize, class: usize) -> usize {
    ((x as u64 * DIVIDE[class]) >> 32) as usize
}

struct Heap {
    base: usize,
    /// Bytes reserved from `base`.
    reserved: usize,
    /// Blocks handed out so far (the rest of the range is untouched).
    top: usize,
    meta: Vec<BlockMeta>,
    /// Free slots per size class, atomic and not: singly linked through their first word.
    free: [[usize; 2]; SIZE_CLASSES.len()],
    free_blocks: Vec<usize>,
    /// Freed runs of blocks: (first block, count).
    free_spans: Vec<(usize, usize)>,
    allocated_since: usize,
    threshold: usize,
    /// Static slots holding objects (the instances of deployment units).
    roots: Vec<usize>,
    stress: bool,
    stats: Stats,
}

#[derive(Default, Clone, Copy)]
pub struct Stats {
    pub collections: u64,
    pub allocated_total: u64,
    pub live_after_last: u64,
}

static HEAP: Mutex<Option<Heap>> = Mutex::new(None);

fn reserve() -> (usize, usize) {
    // Address space only: pages are backed when first touched.
    for gib in [64usize, 16, 4, 1] {
        let size = gib << 30;
        // SAFETY: an anonymous private mapping; failure is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size + BLOCK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            let aligned = (p as usize + BLOCK - 1) & !(BLOCK - 1);
            return (aligned, size);
        }
    }
    crate::fault::fatal("out of memory: cannot reserve address space for the heap")
}

impl Heap {
    fn new() -> Heap {
        let (base, reserved) = reserve();
        let stress = std::env::var_os("PLUTO_GC_STRESS").is_some();
        Heap {
            base,
            reserved,
            top: 0,
            meta: Vec::new(),
            free: [[0; 2]; SIZE_CLASSES.len()],
            free_blocks: Vec::new(),
            free_spans: Vec::new(),
            allocated_since: 0,
            threshold: if stress { STRESS_THRESHOLD } else { MIN_THRESHOLD },
            roots: Vec::new(),
            stress,
            stats: Stats::default(),
        }
    }

    fn block_addr(&self, block: usize) -> usize {
        self.base + (block << BLOCK_SHIFT)
    }

    fn fresh_blocks(&mut self, count: usize) -> usize {
        if (self.top + count) << BLOCK_SHIFT > self.reserved {
            crate::fault::fatal("out of memory: the heap is full");
        }
        let first = self.top;
        self.top += count;
        self.meta.resize_with(self.top, BlockMeta::new);
        first
    }

    /// Up to a batch of free slots of `class`, linked through their first words and
    /// marked allocated: a thread allocates from them without the lock.
    fn batch(&mut self, class: usize, atomic: bool) -> usize {
        let size = SIZE_CLASSES[class];
        if self.free[class][atomic as usize] == 0 {
            let block = self.free_blocks.pop().unwrap_or_else(|| self.fresh_blocks(1));
            let meta = &mut self.meta[block];
            meta.kind = Kind::Small;
            meta.class = class as u8;
            meta.atomic = atomic;
            meta.alloc = [0; BITWORDS];
            let start = self.block_addr(block);
            let count = BLOCK / size;
            let mut head = 0usize;
            for i in (0..count).rev() {
                let slot = start + i * size;
                // SAFETY: the slot is inside a block of the reserved range.
                unsafe { *(slot as *mut usize) = head };
                head = slot;
            }
            self.free[class][atomic as usize] = head;
        }
        let head = self.free[class][atomic as usize];
        let mut slot = head;
        let mut taken = 0;
        loop {
            let block = (slot - self.base) >> BLOCK_SHIFT;
            let index = (slot - self.block_addr(block)) / GRANULE;
            set(&mut self.meta[block].alloc, index);
            taken += 1;
            // SAFETY: free slots hold the address of the next free slot in their first word.
            let next = unsafe { *(slot as *const usize) };
            if next == 0 || taken * size >= BATCH_BYTES {
                // SAFETY: as above; the batch ends here.
                unsafe { *(slot as *mut usize) = 0 };
                self.free[class][atomic as usize] = next;
                break;
            }
            slot = next;
        }
        self.allocated_since += taken * size;
        self.stats.allocated_total += (taken * size) as u64;
        head
    }

    fn alloc_large(&mut self, size: usize, atomic: bool) -> *mut u8 {
        self.allocated_since += size;
        self.stats.allocated_total += size as u64;
        let count = size.div_ceil(BLOCK);
        let first = match self.free_spans.iter().position(|&(_, n)| n >= count) {
            Some(i) => {
                let (first, n) = self.free_spans[i];
                if n == count {
                    self.free_spans.swap_remove(i);
                } else {
                    self.free_spans[i] = (first + count, n - count);
                }
                first
            }
            None => self.fresh_blocks(count),
        };
        for b in first..first + count {
            let meta = &mut self.meta[b];
            meta.kind = if b == first { Kind::LargeHead } else { Kind::LargeTail };
            meta.span = if b == first { count as u32 } else { first as u32 };
            meta.atomic = atomic;
            meta.alloc = [0; BITWORDS];
        }
        set(&mut self.meta[first].alloc, 0);
        let start = self.block_addr(first);
        // SAFETY: the span belongs to this object alone; reused spans were released
        // with MADV_DONTNEED (zero pages) but may also hold old data.
        unsafe { std::ptr::write_bytes(start as *mut u8, 0, size) };
        start as *mut u8
    }

    /// The object `word` points into, if it is an allocated one: (start, size, atomic).
    fn find(&self, word: usize) -> Option<(usize, usize, usize, usize)> {
        let offset = word.wrapping_sub(self.base);
        if offset >= self.top << BLOCK_SHIFT {
            return None;
        }
        let mut block = offset >> BLOCK_SHIFT;
        let meta = &self.meta[block];
        match meta.kind {
            Kind::Free => None,
            Kind::Small => {
                let size = SIZE_CLASSES[meta.class as usize];
                let within = offset & (BLOCK - 1);
                let slot = divide(within, meta.class as usize);
                if (slot + 1) * size > BLOCK {
                    return None;
                }
                let index = slot * size / GRANULE;
                test(&meta.alloc, index).then(|| (self.block_addr(block) + slot * size, size, block, index))
            }
            Kind::LargeHead | Kind::LargeTail => {
                if meta.kind == Kind::LargeTail {
                    block = meta.span as usize;
                }
                let head = &self.meta[block];
                test(&head.alloc, 0).then(|| (self.block_addr(block), (head.span as usize) << BLOCK_SHIFT, block, 0))
            }
        }
    }

    fn mark_range(&mut self, from: usize, to: usize, gray: &mut Vec<(usize, usize)>) {
        let mut p = (from + 7) & !7;
        while p + 8 <= to {
            // SAFETY: callers pass readable ranges (a stack, or an object of the heap).
            let word = unsafe { *(p as *const usize) };
            if let Some((start, size, block, index)) = self.find(word) {
                let meta = &mut self.meta[block];
                if !test(&meta.mark, index) {
                    set(&mut meta.mark, index);
                    if !meta.atomic {
                        gray.push((start, size));
                    }
                }
            }
            p += 8;
        }
    }

    fn collect(&mut self, stacks: &[(usize, usize)]) {
        for meta in &mut self.meta {
            meta.mark = [0; BITWORDS];
        }
        let mut gray = Vec::new();
        for &(from, to) in stacks {
            self.mark_range(from, to, &mut gray);
        }
        for root in self.roots.clone() {
            self.mark_range(root, root + 8, &mut gray);
        }
        while let Some((start, size)) = gray.pop() {
            self.mark_range(start, start + size, &mut gray);
        }
        self.sweep();
        self.stats.collections += 1;
        // Slots threads had cached were swept like any unreachable slot.
        EPOCH.fetch_add(1, Ordering::Relaxed);
    }

    fn sweep(&mut self) {
        self.free = [[0; 2]; SIZE_CLASSES.len()];
        self.free_blocks.clear();
        let mut live = 0usize;
        let mut block = 0;
        while block < self.top {
            let start = self.block_addr(block);
            let meta = &mut self.meta[block];
            match meta.kind {
                Kind::Free => {
                    self.free_blocks.push(block);
                    block += 1;
                }
                Kind::Small => {
                    let size = SIZE_CLASSES[meta.class as usize];
                    let count = BLOCK / size;
                    meta.alloc = meta.mark;
                    let survivors: u32 = meta.alloc.iter().map(|w| w.count_ones()).sum();
                    if survivors == 0 {
                        meta.kind = Kind::Free;
                        self.free_blocks.push(block);
                    } else {
                        live += survivors as usize * size;
                        let list = &mut self.free[meta.class as usize][meta.atomic as usize];
                        for i in (0..count).rev() {
                            if !test(&meta.alloc, i * size / GRANULE) {
                                let slot = start + i * size;
                                // SAFETY: an unmarked slot of this block: garbage, ours to reuse.
                                unsafe { *(slot as *mut usize) = *list };
                                *list = slot;
                            }
                        }
                    }
                    block += 1;
                }
                Kind::LargeHead => {
                    let count = meta.span as usize;
                    if test(&meta.mark, 0) {
                        live += count << BLOCK_SHIFT;
                    } else {
                        for b in block..block + count {
                            self.meta[b].kind = Kind::Free;
                            self.meta[b].alloc = [0; BITWORDS];
                        }
                        // SAFETY: the span is garbage; its pages go back to the system.
                        unsafe { libc::madvise(start as *mut libc::c_void, count << BLOCK_SHIFT, libc::MADV_DONTNEED) };
                        self.free_spans.push((block, count));
                    }
                    block += count;
                }
                Kind::LargeTail => block += 1,
            }
        }
        // Free single blocks that belong to a freed span are handed out as spans only.
        let spans = &self.free_spans;
        self.free_blocks.retain(|b| !spans.iter().any(|&(first, n)| (first..first + n).contains(b)));
        self.allocated_since = 0;
        // The heap may grow to three times what survived before the next collection.
        self.threshold = if self.stress { STRESS_THRESHOLD } else { MIN_THRESHOLD.max(2 * live) };
        // Empty blocks are reused last-in first-out: the last ones, as many as the next
        // cycle will allocate into, stay resident; the pages of the others go back to the
        // system until they are reused.
        let keep = self.threshold / BLOCK + 1;
        let release = self.free_blocks.len().saturating_sub(keep);
        for &b in &self.free_blocks[..release] {
            if self.meta[b].class != RELEASED {
                let addr = self.base + (b << BLOCK_SHIFT);
                // SAFETY: an empty block; its pages go back to the system until reused.
                unsafe { libc::madvise(addr as *mut libc::c_void, BLOCK, libc::MADV_DONTNEED) };
                self.meta[b].class = RELEASED;
            }
        }
        self.stats.live_after_last = live as u64;
    }
}

/// The callee-saved registers, stored in the caller's frame so that a scan of the
/// stack from there up sees the pointers they hold.
#[inline(always)]
pub fn spill_registers() -> [usize; 12] {
    let mut registers = [0usize; 12];
    // SAFETY: stores of registers into a local array.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!(
            "mov [{0}], rbx", "mov [{0} + 8], rbp", "mov [{0} + 16], r12",
            "mov [{0} + 24], r13", "mov [{0} + 32], r14", "mov [{0} + 40], r15",
            in(reg) registers.as_mut_ptr(), options(nostack, preserves_flags)
        );
    }
    #[cfg(target_arch = "aarch64")]
    unsafe {
        std::arch::asm!(
            "stp x19, x20, [{0}]", "stp x21, x22, [{0}, #16]", "stp x23, x24, [{0}, #32]",
            "stp x25, x26, [{0}, #48]", "stp x27, x28, [{0}, #64]", "str x29, [{0}, #80]",
            in(reg) registers.as_mut_ptr(), options(nostack, preserves_flags)
        );
    }
    registers
}

/// Collects with every word of every registered thread's stack as roots: this thread's
/// from here up (registers spilled first), the others' from where they stopped.
#[inline(never)]
fn collect_from_here(heap: &mut Heap) {
    let registers = spill_registers();
    let registers = std::hint::black_box(&registers);
    let others = crate::threads::stop_others();
    let mut stacks = vec![(registers.as_ptr() as usize, crate::threads::stack_top())];
    stacks.extend(others);
    if std::env::var_os("PLUTO_GC_DEBUG").is_some() {
        for (lo, hi) in &stacks {
            if *lo == 0 || lo > hi || hi - lo > 64 << 20 {
                eprintln!("gc: bad stack range {lo:#x}..{hi:#x}");
            }
        }
    }
    heap.collect(&stacks);
    crate::threads::resume();
    std::hint::black_box(registers);
}

fn with_heap<T>(f: impl FnOnce(&mut Heap) -> T) -> T {
    let mut guard = HEAP.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Heap::new))
}

/// Bytes of small slots a thread takes from the heap at once.
const BATCH_BYTES: usize = 16 * 1024;

/// Increases at every collection, which frees the slots threads had cached.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// A thread's free slots per size class, valid for one collection epoch.
struct Cache {
    epoch: u64,
    heads: [[usize; 2]; SIZE_CLASSES.len()],
}

impl Cache {
    /// Forgets the cached slots if a collection has run since they were taken.
    fn drop_if_stale(&mut self) {
        let epoch = EPOCH.load(Ordering::SeqCst);
        if self.epoch != epoch {
            self.heads = [[0; 2]; SIZE_CLASSES.len()];
            self.epoch = epoch;
        }
    }
}

thread_local! {
    static CACHE: UnsafeCell<Cache> = const { UnsafeCell::new(Cache { epoch: 0, heads: [[0; 2]; SIZE_CLASSES.len()] }) };
}

fn collect_if_due(heap: &mut Heap) {
    if heap.allocated_since >= heap.threshold {
        collect_from_here(heap);
    }
}

fn allocate(size: usize, atomic: bool) -> *mut u8 {
    let size = size.max(8);
    if size > MAX_SMALL {
        return with_heap(|heap| {
            collect_if_due(heap);
            heap.alloc_large(size, atomic)
        });
    }
    let class = class_of(size);
    CACHE.with(|cell| {
        // SAFETY: the cache belongs to this thread and no reference to it escapes.
        let cache = unsafe { &mut *cell.get() };
        loop {
            // No stop for a collection while the cache is read or changed: a collection
            // frees the cached slots, so a stale cache must never be used.
            crate::threads::enter_critical();
            cache.drop_if_stale();
            let slot = cache.heads[class][atomic as usize];
            if slot != 0 {
                // SAFETY: a cached slot: ours, `size` bytes, its first word links the next.
                unsafe {
                    cache.heads[class][atomic as usize] = *(slot as *const usize);
                    let words = slot as *mut usize;
                    for i in 0..SIZE_CLASSES[class] / 8 {
                        *words.add(i) = 0;
                    }
                }
                crate::threads::leave_critical();
                return slot as *mut u8;
            }
            crate::threads::leave_critical();
            // Waiting for the lock, the thread may be stopped; holding it, no other
            // thread can collect.
            let mut guard = HEAP.lock().unwrap_or_else(|e| e.into_inner());
            crate::threads::enter_critical();
            let heap = guard.get_or_insert_with(Heap::new);
            collect_if_due(heap);
            let batch = heap.batch(class, atomic);
            drop(guard);
            cache.drop_if_stale();
            cache.heads[class][atomic as usize] = batch;
            crate::threads::leave_critical();
        }
    })
}

/// Zeroed memory for an object that may hold pointers.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_alloc(size: i64) -> *mut u8 {
    allocate(size as usize, false)
}

/// Memory for an object that holds no pointers (its contents are never scanned).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_alloc_atomic(size: i64) -> *mut u8 {
    allocate(size as usize, true)
}

/// Makes the word at `slot` (static data) a root.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_gc_root(slot: *const u64) {
    with_heap(|heap| heap.roots.push(slot as usize));
}

pub fn stats() -> Stats {
    with_heap(|heap| heap.stats)
}
