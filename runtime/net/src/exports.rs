//! The network runtime's exports as generated code sees them, checked at compile time
//! against `pluto_abi::symbols::NET` (as the core runtime's are against `ALL`).

use pluto_abi::symbols::{self, Symbol};
use pluto_runtime::value::Word;

use crate::desc::{NetDesc, RemoteFn};
use crate::*;

const EXPORTS: &[Symbol] = pluto_runtime::exports!(@list []
    pluto_net_call(*const RemoteFn, *const Word) -> Outcome;
    pluto_net_finish();
    pluto_net_serve(*const Word, i64);
    pluto_net_start(*const NetDesc, i64);
    pluto_net_wait();
);

/// If this fails to evaluate, its message names the first export whose signature differs
/// from `pluto_abi::symbols::NET`.
const _: () = symbols::check(EXPORTS, symbols::NET);
