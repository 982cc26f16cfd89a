//! Methods of the built-in types (strings, arrays, maps, sets, channels, tasks) and the
//! built-in errors some of them raise.

use crate::ty::Ty;

/// A built-in method: its parameter types, result, whether it changes the receiver, and
/// the names of the prelude errors it may raise.
pub struct BuiltinMethod {
    pub params: Vec<Ty>,
    pub ret: Ty,
    pub mutates: bool,
    pub raises: &'static [&'static str],
}

fn m(params: Vec<Ty>, ret: Ty) -> Option<BuiltinMethod> {
    Some(BuiltinMethod { params, ret, mutates: false, raises: &[] })
}

fn mutating(params: Vec<Ty>, ret: Ty) -> Option<BuiltinMethod> {
    Some(BuiltinMethod { params, ret, mutates: true, raises: &[] })
}

fn raising(params: Vec<Ty>, ret: Ty, raises: &'static [&'static str]) -> Option<BuiltinMethod> {
    Some(BuiltinMethod { params, ret, mutates: false, raises })
}

/// The method `name` of a built-in receiver type (already resolved), if there is one.
pub fn method(receiver: &Ty, name: &str) -> Option<BuiltinMethod> {
    use Ty::*;
    match receiver {
        Str => match name {
            "len" => m(vec![], Int),
            "is_empty" => m(vec![], Bool),
            "split" => m(vec![Str], Ty::array(Str)),
            "contains" | "starts_with" | "ends_with" => m(vec![Str], Bool),
            "trim" | "to_upper" | "to_lower" => m(vec![], Str),
            "replace" => m(vec![Str, Str], Str),
            "slice" => m(vec![Int, Int], Str),
            "repeat" => m(vec![Int], Str),
            "index_of" => m(vec![Str], Ty::nullable(Int)),
            "chars" => m(vec![], Ty::array(Str)),
            "bytes" => m(vec![], Bytes),
            "to_int" => raising(vec![], Int, &["ParseError"]),
            "to_float" => raising(vec![], Float, &["ParseError"]),
            _ => None,
        },
        Bytes => match name {
            "len" => m(vec![], Int),
            "is_empty" => m(vec![], Bool),
            "slice" => m(vec![Int, Int], Bytes),
            "to_string" => m(vec![], Str),
            _ => None,
        },
        Array(t) => {
            let t = (**t).clone();
            match name {
                "len" => m(vec![], Int),
                "is_empty" => m(vec![], Bool),
                "push" => mutating(vec![t], Void),
                "pop" => mutating(vec![], Ty::nullable(t)),
                "insert" => mutating(vec![Int, t], Void),
                "remove" => mutating(vec![Int], t),
                "clear" => mutating(vec![], Void),
                "contains" => m(vec![t], Bool),
                "index_of" => m(vec![t], Ty::nullable(Int)),
                "slice" => m(vec![Int, Int], Ty::array(t)),
                "reverse" => m(vec![], Ty::array(t)),
                "join" if t == Str || matches!(t, Unknown | Var(_)) => m(vec![Str], Str),
                _ => None,
            }
        }
        Map(k, v) => {
            let (k, v) = ((**k).clone(), (**v).clone());
            match name {
                "len" => m(vec![], Int),
                "is_empty" => m(vec![], Bool),
                "insert" => mutating(vec![k, v], Void),
                "remove" => mutating(vec![k], Ty::nullable(v)),
                "contains" => m(vec![k], Bool),
                "get" => m(vec![k], Ty::nullable(v)),
                "keys" => m(vec![], Ty::array(k)),
                "values" => m(vec![], Ty::array(v)),
                "clear" => mutating(vec![], Void),
                _ => None,
            }
        }
        Set(t) => {
            let t = (**t).clone();
            match name {
                "len" => m(vec![], Int),
                "is_empty" => m(vec![], Bool),
                "insert" => mutating(vec![t], Void),
                "remove" => mutating(vec![t], Bool),
                "contains" => m(vec![t], Bool),
                "values" => m(vec![], Ty::array(t)),
                _ => None,
            }
        }
        Sender(t) => match name {
            "send" => raising(vec![(**t).clone()], Void, &["ChannelClosed"]),
            "try_send" => raising(vec![(**t).clone()], Void, &["ChannelFull", "ChannelClosed"]),
            "close" => m(vec![], Void),
            _ => None,
        },
        Receiver(t) => match name {
            "recv" => raising(vec![], (**t).clone(), &["ChannelClosed"]),
            "try_recv" => raising(vec![], (**t).clone(), &["ChannelEmpty", "ChannelClosed"]),
            // The receiving end gives up: senders get `ChannelClosed` (a stream from
            // another unit stops its producer).
            "close" => m(vec![], Void),
            _ => None,
        },
        Task(t) => match name {
            "get" => m(vec![], (**t).clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Names of the built-in method table, for "did you mean" hints.
pub fn method_names(receiver: &Ty) -> &'static [&'static str] {
    match receiver {
        Ty::Str => &[
            "len",
            "is_empty",
            "split",
            "contains",
            "starts_with",
            "ends_with",
            "trim",
            "to_upper",
            "to_lower",
            "replace",
            "slice",
            "repeat",
            "index_of",
            "chars",
            "bytes",
            "to_int",
            "to_float",
        ],
        Ty::Array(_) => &[
            "len", "is_empty", "push", "pop", "insert", "remove", "clear", "contains", "index_of", "slice", "reverse",
            "join",
        ],
        Ty::Map(..) => &["len", "is_empty", "insert", "remove", "contains", "get", "keys", "values", "clear"],
        Ty::Set(_) => &["len", "is_empty", "insert", "remove", "contains", "values"],
        Ty::Bytes => &["len", "is_empty", "slice", "to_string"],
        Ty::Sender(_) => &["send", "try_send", "close"],
        Ty::Receiver(_) => &["recv", "try_recv", "close"],
        Ty::Task(_) => &["get"],
        _ => &[],
    }
}
