//! When to inline: Cranelift inlines a call when told to and given the callee's body
//! (`Context::inline`); this module decides. Small functions (a few dozen instructions,
//! such as accessors, arithmetic helpers and one level of a small recursive function)
//! are inlined at their direct call sites, a few per function.

use std::borrow::Cow;
use std::collections::HashMap;

use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName};
use cranelift_module::FuncId;

/// Callees larger than this many instructions stay calls.
const MAX_INSTRUCTIONS: usize = 40;

/// The bodies of the program's functions as built, before any inlining.
pub(crate) struct Bodies<'a> {
    small: HashMap<FuncId, &'a ir::Function>,
}

fn size(func: &ir::Function) -> usize {
    func.layout.blocks().map(|b| func.layout.block_insts(b).count()).sum()
}

/// Cranelift 0.135 copies a callee's data symbols into the caller without translating
/// their names, so a callee that refers to data (strings, descriptors, fault sites)
/// would point at the wrong symbol once inlined: such callees stay calls.
fn refers_to_data(func: &ir::Function) -> bool {
    func.global_values.values().any(|gv| matches!(gv, ir::GlobalValueData::Symbol { .. }))
}

impl<'a> Bodies<'a> {
    pub fn new(built: &'a [(FuncId, ir::Function)]) -> Self {
        let small = built
            .iter()
            .filter(|(_, f)| size(f) <= MAX_INSTRUCTIONS && !refers_to_data(f))
            .map(|(id, f)| (*id, f))
            .collect();
        Bodies { small }
    }

    pub fn inliner(&self) -> Inliner<'_, 'a> {
        Inliner { bodies: self, budget: MAX_INLINED_CALLS }
    }
}

/// Call sites inlined into one function at most (calls inside inlined bodies are
/// considered too, so a small recursive function unrolls a few levels).
const MAX_INLINED_CALLS: usize = 6;

pub(crate) struct Inliner<'b, 'a> {
    bodies: &'b Bodies<'a>,
    budget: usize,
}

impl Inline for Inliner<'_, '_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _call: ir::Inst,
        _opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> InlineCommand<'_> {
        // cranelift-module names a function `FuncId` as user name (namespace 0, its index).
        let ExternalName::User(name) = &caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[*name];
        if name.namespace != 0 {
            return InlineCommand::KeepCall;
        }
        match self.bodies.small.get(&FuncId::from_u32(name.index)) {
            Some(body) if self.budget > 0 => {
                self.budget -= 1;
                InlineCommand::Inline { callee: Cow::Borrowed(*body), visit_callee: true }
            }
            _ => InlineCommand::KeepCall,
        }
    }
}
