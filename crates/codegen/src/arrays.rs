//! Array elements. Arrays of `bool` and `byte` hold one byte per element, others one
//! word (`[len][cap][data][kind]`, runtime/src/value.rs). Code that knows the element
//! type reads and writes inline after a bounds check; a `[bool]` or `[byte]` made by code
//! that did not know its element type holds words, so those elements are addressed in a
//! way that serves both layouts.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use pluto_abi::array::{BYTES, PLAIN_WORDS, WORDS};
use pluto_hir::Ty;
use pluto_syntax::TextRange;

use crate::function::{Lowerer, Result};
use crate::layout::machine_type;

/// How an array of `element` created here stores it.
fn kind_for(element: &Ty) -> i64 {
    match element {
        Ty::Bool | Ty::Byte => BYTES,
        Ty::Int | Ty::Float => PLAIN_WORDS,
        _ => WORDS,
    }
}

/// Elements of a generic type may be stored either way.
fn is_generic(element: &Ty) -> bool {
    matches!(element, Ty::Param(_) | Ty::Var(_) | Ty::Unknown)
}

impl Lowerer<'_, '_> {
    pub fn array_new(&mut self, capacity: Value, element: &Ty) -> Value {
        let kind = self.b.ins().iconst(types::I64, kind_for(element));
        self.rt("pluto_array_new", &[capacity, kind])
    }

    /// Word `word` of an array's header (0 len, 1 cap, 2 data, 3 kind), from before the
    /// loop when it was hoisted.
    pub fn header(&mut self, array: Value, word: i32) -> Value {
        match (self.headers.get(&array), word) {
            (Some(h), 0) => h[0],
            (Some(h), 2) => h[1],
            (Some(h), 3) => h[2],
            _ => self.b.ins().load(types::I64, self.header_flags, array, word * 8),
        }
    }

    /// Faults unless `0 <= index < len`.
    fn bounds_check(&mut self, array: Value, index: Value, node: TextRange) -> Result<()> {
        let len = self.header(array, 0);
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        let good = self.b.create_block();
        let bad = self.b.create_block();
        self.b.ins().brif(ok, good, &[], bad, &[]);
        self.b.seal_block(good);
        self.b.seal_block(bad);
        self.b.set_cold_block(bad);
        self.switch_to(bad);
        self.fault(pluto_abi::fault::INDEX, index, len, node)?;
        self.switch_to(good);
        Ok(())
    }

    /// The address of element `index` in `data` when elements are words.
    fn word_slot(&mut self, data: Value, index: Value) -> Value {
        let offset = self.b.ins().ishl_imm_u(index, 3);
        self.b.ins().iadd(data, offset)
    }

    /// The address of element `index` of an array of bools or bytes, whichever layout it
    /// has (an array made by generic code holds words): in both the value is the byte at
    /// that address, since words are little-endian and such a word never exceeds 255. No
    /// branch, so the layout test moves out of loops with the header.
    fn small_slot(&mut self, array: Value, data: Value, index: Value) -> Value {
        let kind = self.header(array, 3);
        let is_bytes = self.b.ins().icmp_imm_s(IntCC::Equal, kind, BYTES);
        let zero = self.b.ins().iconst(types::I64, 0);
        let three = self.b.ins().iconst(types::I64, 3);
        let shift = self.b.ins().select(is_bytes, zero, three);
        let offset = self.b.ins().ishl(index, shift);
        self.b.ins().iadd(data, offset)
    }

    /// Element `index` of an array of `element`, in its machine type.
    pub fn array_get(&mut self, array: Value, index: Value, element: &Ty, node: TextRange) -> Result<Value> {
        let machine = machine_type(element).unwrap_or(types::I64);
        if is_generic(element) {
            let site = self.site(node)?;
            let w = self.rt("pluto_array_get", &[array, index, site]);
            return Ok(self.coerce(w, machine));
        }
        self.bounds_check(array, index, node)?;
        let data = self.header(array, 2);
        if kind_for(element) != BYTES {
            let addr = self.word_slot(data, index);
            return Ok(self.b.ins().load(machine, self.element_flags, addr, 0));
        }
        let addr = self.small_slot(array, data, index);
        let w = self.b.ins().uload8(types::I64, self.element_flags, addr, 0);
        Ok(self.coerce(w, machine))
    }

    /// Stores `value` (already of the element's type) as element `index`.
    pub fn array_set(&mut self, array: Value, index: Value, value: Value, element: &Ty, node: TextRange) -> Result<()> {
        let w = self.word(value);
        if is_generic(element) {
            let site = self.site(node)?;
            self.rt_void("pluto_array_set", &[array, index, w, site]);
            return Ok(());
        }
        self.bounds_check(array, index, node)?;
        let data = self.header(array, 2);
        if kind_for(element) != BYTES {
            let addr = self.word_slot(data, index);
            self.b.ins().store(self.element_flags, w, addr, 0);
        } else {
            // The other bytes of a word element are zero already: only the low one changes.
            let addr = self.small_slot(array, data, index);
            self.b.ins().istore8(self.element_flags, w, addr, 0);
        }
        Ok(())
    }

    /// `array.push(value)`: inline while there is room, else the runtime.
    pub fn array_push(&mut self, array: Value, value: Value, element: &Ty) {
        let w = self.word(value);
        if is_generic(element) {
            self.rt_void("pluto_array_push", &[array, w]);
            return;
        }
        let bytes = kind_for(element) == BYTES;
        let len = self.header(array, 0);
        let cap = self.header(array, 1);
        let mut room = self.b.ins().icmp(IntCC::SignedLessThan, len, cap);
        if bytes {
            // Only a byte array made here takes bytes inline.
            let kind = self.header(array, 3);
            let is_bytes = self.b.ins().icmp_imm_s(IntCC::Equal, kind, BYTES);
            room = self.b.ins().band(room, is_bytes);
        }
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(room, fast, &[], slow, &[]);
        self.b.seal_block(fast);
        self.b.seal_block(slow);
        self.switch_to(fast);
        let data = self.header(array, 2);
        if bytes {
            let addr = self.b.ins().iadd(data, len);
            self.b.ins().istore8(self.element_flags, w, addr, 0);
        } else {
            let addr = self.word_slot(data, len);
            self.b.ins().store(self.element_flags, w, addr, 0);
        }
        let next = self.b.ins().iadd_imm_s(len, 1);
        self.b.ins().store(self.header_flags, next, array, 0);
        self.b.ins().jump(done, &[]);
        self.b.set_cold_block(slow);
        self.switch_to(slow);
        self.rt_void("pluto_array_push", &[array, w]);
        self.b.ins().jump(done, &[]);
        self.b.seal_block(done);
        self.switch_to(done);
    }
}
