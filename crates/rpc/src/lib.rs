//! The wire of Pluto stages. `proto` turns each deployment unit's remote interface (the
//! `unit_interface` query of `pluto_hir`) into a protobuf schema, as SPEC §5 maps types:
//! one service per unit, a request message per `pub fn` (its parameters as fields 1..n)
//! and a response message whose `oneof outcome` holds the result (`ok = 1`) or one of the
//! function's errors (at the tag derived from the error's name). The runtime's codec
//! encodes values by the same mapping.

pub mod proto;

pub use proto::{unit_proto, unit_protos};
