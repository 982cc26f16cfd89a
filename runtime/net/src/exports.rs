//! The network runtime's exports as generated code sees them, checked at compile time
//! against `pluto_abi::symbols::NET` (as the core runtime's are against `ALL`).

use pluto_abi::symbols::{self, Symbol};
use pluto_runtime::value::{TypeDesc, Word};

use crate::http_server::pluto_std_http_listen;
use crate::json::{pluto_std_json_encode, pluto_std_json_parse};

use crate::desc::{NetDesc, RemoteFn};
use crate::*;

const EXPORTS: &[Symbol] = pluto_runtime::exports!(@list []
    pluto_net_call(*const RemoteFn, *const Word) -> Outcome;
    pluto_net_finish();
    pluto_net_serve(*const Word, i64);
    pluto_net_start(*const NetDesc, i64);
    pluto_net_wait();
    pluto_std_http_listen(i64, Word, *const TypeDesc);
    pluto_std_json_encode(Word, *const TypeDesc) -> Word;
    pluto_std_json_parse(Word, Word, *const TypeDesc) -> Word;
);

/// If this fails to evaluate, its message names the first export whose signature differs
/// from `pluto_abi::symbols::NET`.
const _: () = symbols::check(EXPORTS, symbols::NET);
