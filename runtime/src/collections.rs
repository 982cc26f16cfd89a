//! Arrays, maps and sets. Maps and sets keep insertion order (entries in arrays, found
//! through an open-addressing index), so printing and `keys()` are deterministic. All
//! their storage is in the collected heap, so the collector sees every element.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::fault::{Fault, fault};
use crate::format::{equal, hash};
use crate::gc::{pluto_alloc, pluto_alloc_atomic};
use crate::value::*;

// ---- arrays ------------------------------------------------------------------------------

/// Arrays and maps shared between threads (tasks) must not corrupt memory (SPEC §4.5).
/// Every runtime operation on one holds the lock of its *stripe* (one of 64 spin locks,
/// chosen by the object's address), so two threads never change (or read while the
/// other changes) the same array's or map's storage at once. Generated code reads
/// elements and pushes into spare room inline, without the lock: that is memory-safe
/// because the runtime never shrinks storage in place and publishes a larger block
/// before its capacity and length (x86-64 keeps stores in order). A thread may take its
/// own stripe again (nested operations); a fault that ends a call releases the stripes
/// taken inside it (`release_stripes_to`).
static STRIPES: [AtomicBool; 64] = [const { AtomicBool::new(false) }; 64];

thread_local! {
    /// The stripes this thread holds, one bit each.
    static HELD_STRIPES: Cell<u64> = const { Cell::new(0) };
}

struct StripeGuard(Option<usize>);

fn guard(object: Word) -> StripeGuard {
    let stripe = ((object >> 4) ^ (object >> 10)) as usize % STRIPES.len();
    let bit = 1u64 << stripe;
    if HELD_STRIPES.with(|h| h.get()) & bit != 0 {
        return StripeGuard(None);
    }
    while STRIPES[stripe].compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        std::thread::yield_now();
    }
    HELD_STRIPES.with(|h| h.set(h.get() | bit));
    StripeGuard(Some(stripe))
}

impl Drop for StripeGuard {
    fn drop(&mut self) {
        if let Some(stripe) = self.0 {
            HELD_STRIPES.with(|h| h.set(h.get() & !(1u64 << stripe)));
            STRIPES[stripe].store(false, Ordering::Release);
        }
    }
}

/// The stripes this thread holds (for a fault boundary to restore).
pub fn stripes_held() -> u64 {
    HELD_STRIPES.with(|h| h.get())
}

/// Releases the stripes this thread took since it held `held` (a fault ended the
/// operation that took them).
pub fn release_stripes_to(held: u64) {
    let now = HELD_STRIPES.with(|h| h.get());
    for stripe in 0..STRIPES.len() {
        if now & !held & (1u64 << stripe) != 0 {
            STRIPES[stripe].store(false, Ordering::Release);
        }
    }
    HELD_STRIPES.with(|h| h.set(held));
}

fn reserve(a: &mut Array, want: usize) {
    if (a.cap as usize) >= want {
        return;
    }
    let cap = want.max(4).max(a.cap as usize * 2);
    let data = Array::allocate_data(a.kind, cap);
    if a.len > 0 {
        // SAFETY: both blocks hold at least `len` elements.
        unsafe { std::ptr::copy_nonoverlapping(a.data, data, a.len as usize * a.element_size()) };
    }
    a.data = data;
    a.cap = cap as i64;
}

/// A new array; `kind` is one of the `ARRAY_*` layouts.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_new(cap: i64, kind: i64) -> Word {
    Array::with_capacity(kind, cap.max(0) as usize)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_push(array: Word, value: Word) {
    let _guard = guard(array);
    let a = Array::get(array);
    reserve(a, a.len as usize + 1);
    a.put(a.len as usize, value);
    a.len += 1;
}

/// The array at `array`, after checking that `index` is one of its elements (or, with
/// `end_ok`, just past the last).
fn checked<'a>(array: Word, index: i64, end_ok: bool, site: *const u8) -> &'a mut Array {
    let a = Array::get(array);
    let limit = if end_ok { a.len + 1 } else { a.len };
    if index < 0 || index >= limit {
        fault(Fault::Index { index, len: a.len }, site);
    }
    a
}

/// Element `index` as a word (generic code, which does not know the layout).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_get(array: Word, index: i64, site: *const u8) -> Word {
    let _guard = guard(array);
    checked(array, index, false, site).at(index as usize)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_set(array: Word, index: i64, value: Word, site: *const u8) {
    let _guard = guard(array);
    checked(array, index, false, site).put(index as usize, value)
}

/// Removes the last element; the caller checked the array is not empty.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_pop(array: Word) -> Word {
    let _guard = guard(array);
    let a = Array::get(array);
    a.len -= 1;
    let value = a.at(a.len as usize);
    a.put(a.len as usize, 0);
    value
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_insert(array: Word, index: i64, value: Word, site: *const u8) {
    let _guard = guard(array);
    let a = checked(array, index, true, site);
    reserve(a, a.len as usize + 1);
    let size = a.element_size();
    // SAFETY: capacity for len + 1 elements; the tail moves up by one.
    unsafe {
        let p = a.data.add(index as usize * size);
        std::ptr::copy(p, p.add(size), (a.len - index) as usize * size);
    }
    a.put(index as usize, value);
    a.len += 1;
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_remove(array: Word, index: i64, site: *const u8) -> Word {
    let _guard = guard(array);
    let a = checked(array, index, false, site);
    let value = a.at(index as usize);
    let size = a.element_size();
    // SAFETY: index < len; the tail moves down by one.
    unsafe {
        let p = a.data.add(index as usize * size);
        std::ptr::copy(p.add(size), p, (a.len - index - 1) as usize * size);
    }
    a.len -= 1;
    a.put(a.len as usize, 0);
    value
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_clear(array: Word) {
    let _guard = guard(array);
    // The storage stays (zeroed, for the collector): code reading elements inline
    // elsewhere may still hold its address.
    let a = Array::get(array);
    let len = a.len as usize;
    a.len = 0;
    if !a.data.is_null() {
        // SAFETY: the block holds at least `len` elements.
        unsafe { std::ptr::write_bytes(a.data, 0, len * a.element_size()) };
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_index_of(array: Word, value: Word, ty: *const TypeDesc) -> i64 {
    let _guard = guard(array);
    Array::items(array).iter().position(|x| equal(*x, value, ty)).map_or(-1, |i| i as i64)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_slice(array: Word, from: i64, to: i64, site: *const u8) -> Word {
    let _guard = guard(array);
    let items = Array::items(array);
    if from < 0 || to < from || to as usize > items.len() {
        fault(Fault::Slice { from, to, len: items.len() as i64 }, site);
    }
    let slice = Array::from(Array::get(array).kind, &items[from as usize..to as usize]);
    keep_alive(array);
    slice
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_reverse(array: Word) -> Word {
    let _guard = guard(array);
    let mut items = Array::items(array);
    items.reverse();
    let reversed = Array::from(Array::get(array).kind, &items);
    keep_alive(array);
    reversed
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_array_join(array: Word, separator: Word) -> Word {
    let _guard = guard(array);
    let separator = Str::bytes(separator);
    let mut out = Vec::new();
    for (i, item) in Array::items(array).iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(separator);
        }
        out.extend_from_slice(Str::bytes(*item));
    }
    Str::from_bytes(&out)
}

// ---- maps and sets -----------------------------------------------------------------------

/// A map or set (a set has no `vals`).
#[repr(C)]
pub struct MapObj {
    pub count: i64,
    /// Entries used, dead ones included.
    used: i64,
    cap: i64,
    keys: *mut Word,
    vals: *mut Word,
    /// 1 for a live entry.
    alive: *mut u8,
    /// Slots holding entry index + 1, or 0.
    index: *mut i64,
    index_cap: i64,
    key_ty: *const TypeDesc,
    is_set: i64,
}

impl MapObj {
    pub fn get<'a>(p: Word) -> &'a mut MapObj {
        // SAFETY: `p` is a map or set object.
        unsafe { &mut *(p as *mut MapObj) }
    }

    pub fn live_entries(&self) -> impl Iterator<Item = usize> + '_ {
        // SAFETY: `alive` has `used` entries.
        (0..self.used as usize).filter(|i| unsafe { *self.alive.add(*i) } == 1)
    }

    pub fn key(&self, entry: usize) -> Word {
        // SAFETY: entry < used.
        unsafe { *self.keys.add(entry) }
    }

    pub fn value(&self, entry: usize) -> Word {
        // SAFETY: entry < used, and maps have values.
        unsafe { *self.vals.add(entry) }
    }

    fn find(&self, key: Word) -> Option<usize> {
        if self.index_cap == 0 {
            return None;
        }
        let mask = self.index_cap as usize - 1;
        let mut slot = hash(key, self.key_ty) as usize & mask;
        loop {
            // SAFETY: slot <= mask < index_cap.
            let e = unsafe { *self.index.add(slot) };
            if e == 0 {
                return None;
            }
            let entry = e as usize - 1;
            // SAFETY: entry < used.
            if unsafe { *self.alive.add(entry) } == 1 && equal(self.key(entry), key, self.key_ty) {
                return Some(entry);
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let live: Vec<usize> = self.live_entries().collect();
        let cap = (live.len() * 2).max(8);
        let keys: *mut Word = pluto_alloc(cap as i64 * 8).cast();
        let vals: *mut Word = if self.is_set == 1 { std::ptr::null_mut() } else { pluto_alloc(cap as i64 * 8).cast() };
        let alive = pluto_alloc_atomic(cap as i64);
        // SAFETY: the new arrays hold `cap` >= live.len() entries.
        unsafe {
            for (to, &from) in live.iter().enumerate() {
                *keys.add(to) = self.key(from);
                if !vals.is_null() {
                    *vals.add(to) = self.value(from);
                }
                *alive.add(to) = 1;
            }
        }
        self.keys = keys;
        self.vals = vals;
        self.alive = alive;
        self.cap = cap as i64;
        self.used = live.len() as i64;
        self.index_cap = (cap * 2) as i64;
        self.index = pluto_alloc_atomic(self.index_cap * 8).cast();
        // SAFETY: a fresh zeroed block of index_cap slots.
        unsafe { std::ptr::write_bytes(self.index, 0, self.index_cap as usize) };
        for entry in 0..live.len() {
            self.place(entry);
        }
    }

    fn place(&mut self, entry: usize) {
        let mask = self.index_cap as usize - 1;
        let mut slot = hash(self.key(entry), self.key_ty) as usize & mask;
        // SAFETY: the index is never full (index_cap = 2 * cap).
        unsafe {
            while *self.index.add(slot) != 0 {
                slot = (slot + 1) & mask;
            }
            *self.index.add(slot) = entry as i64 + 1;
        }
    }

    fn insert(&mut self, key: Word, value: Word) {
        if let Some(entry) = self.find(key) {
            if !self.vals.is_null() {
                // SAFETY: entry < used.
                unsafe { *self.vals.add(entry) = value };
            }
            return;
        }
        if self.used == self.cap {
            self.grow();
        }
        let entry = self.used as usize;
        // SAFETY: entry < cap.
        unsafe {
            *self.keys.add(entry) = key;
            if !self.vals.is_null() {
                *self.vals.add(entry) = value;
            }
            *self.alive.add(entry) = 1;
        }
        self.used += 1;
        self.count += 1;
        self.place(entry);
    }

    fn remove(&mut self, key: Word) -> Option<Word> {
        let entry = self.find(key)?;
        // SAFETY: entry < used.
        unsafe { *self.alive.add(entry) = 0 };
        self.count -= 1;
        Some(if self.vals.is_null() { 0 } else { self.value(entry) })
    }

    fn collect(&self, values: bool) -> Word {
        let items: Vec<Word> = self.live_entries().map(|e| if values { self.value(e) } else { self.key(e) }).collect();
        let array = Array::from(ARRAY_WORDS, &items);
        keep_alive(self as *const MapObj as Word);
        array
    }
}

fn new_map(key_ty: *const TypeDesc, is_set: bool) -> Word {
    let p = pluto_alloc(std::mem::size_of::<MapObj>() as i64) as Word;
    let m = MapObj::get(p);
    m.key_ty = key_ty;
    m.is_set = is_set as i64;
    p
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_new(key_ty: *const TypeDesc) -> Word {
    new_map(key_ty, false)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_set_new(key_ty: *const TypeDesc) -> Word {
    new_map(key_ty, true)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_insert(map: Word, key: Word, value: Word) {
    let _guard = guard(map);
    MapObj::get(map).insert(key, value)
}

/// The entry holding `key`, or -1.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_find(map: Word, key: Word) -> i64 {
    let _guard = guard(map);
    MapObj::get(map).find(key).map_or(-1, |e| e as i64)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_value_at(map: Word, entry: i64) -> Word {
    let _guard = guard(map);
    MapObj::get(map).value(entry as usize)
}

/// `map[key]`: the value, or a fault.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_index(map: Word, key: Word, site: *const u8) -> Word {
    let _guard = guard(map);
    let m = MapObj::get(map);
    match m.find(key) {
        Some(e) => m.value(e),
        None => {
            let mut text = String::new();
            crate::format::write_value(key, m.key_ty, true, &mut text);
            let key = text;
            fault(Fault::MissingKey { key }, site)
        }
    }
}

/// Removes `key`; returns 1 and the old value through `old` if it was there.
///
/// # Safety
/// `old` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_map_remove(map: Word, key: Word, old: *mut Word) -> i8 {
    let _guard = guard(map);
    match MapObj::get(map).remove(key) {
        Some(v) => {
            // SAFETY: the caller passes a writable slot.
            unsafe { *old = v };
            1
        }
        None => 0,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_keys(map: Word) -> Word {
    let _guard = guard(map);
    MapObj::get(map).collect(false)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_values(map: Word) -> Word {
    let _guard = guard(map);
    MapObj::get(map).collect(true)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_map_clear(map: Word) {
    let _guard = guard(map);
    let m = MapObj::get(map);
    let (key_ty, is_set) = (m.key_ty, m.is_set);
    // SAFETY: resetting the object to an empty map of the same key type.
    unsafe { std::ptr::write_bytes(m as *mut MapObj, 0, 1) };
    m.key_ty = key_ty;
    m.is_set = is_set;
}
