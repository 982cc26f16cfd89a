//! Semantic types and their display.

use std::sync::Arc;

use pluto_db::Db;

use crate::def_map::ItemLoc;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Byte,
    Bytes,
    Void,
    /// The type of expressions that never produce a value (`return`, `raise`, ...).
    Never,
    /// After an error: compatible with everything, so one mistake reports once.
    Unknown,
    /// `a..b`, only iterable.
    Range,
    Array(Arc<Ty>),
    Map(Arc<Ty>, Arc<Ty>),
    Set(Arc<Ty>),
    Nullable(Arc<Ty>),
    Tuple(Arc<[Ty]>),
    Fn(Arc<[Ty]>, Arc<Ty>),
    /// A class, enum, error or stage, with its type arguments.
    Adt(ItemLoc, Arc<[Ty]>),
    /// A trait used as a type.
    Trait(ItemLoc),
    /// A generic parameter of the enclosing function or class.
    Param(Arc<str>),
    /// An inference variable (only inside one function's inference).
    Var(u32),
    Sender(Arc<Ty>),
    Receiver(Arc<Ty>),
    Task(Arc<Ty>),
    /// The binding of an untyped `catch e { ... }`: any of the caught errors.
    AnyError,
}

impl Ty {
    pub fn array(t: Ty) -> Ty {
        Ty::Array(Arc::new(t))
    }

    pub fn nullable(t: Ty) -> Ty {
        match t {
            Ty::Nullable(_) | Ty::Unknown => t,
            t => Ty::Nullable(Arc::new(t)),
        }
    }

    pub fn func(params: Vec<Ty>, ret: Ty) -> Ty {
        Ty::Fn(params.into(), Arc::new(ret))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Ty::Unknown)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Byte)
    }

    pub fn has_unknown(&self) -> bool {
        let mut found = false;
        self.walk(&mut |t| found |= matches!(t, Ty::Unknown));
        found
    }

    /// Whether any part of the type is still an inference variable.
    pub fn has_vars(&self) -> bool {
        let mut found = false;
        self.walk(&mut |t| found |= matches!(t, Ty::Var(_)));
        found
    }

    pub fn walk(&self, f: &mut impl FnMut(&Ty)) {
        f(self);
        match self {
            Ty::Array(t) | Ty::Set(t) | Ty::Nullable(t) | Ty::Sender(t) | Ty::Receiver(t) | Ty::Task(t) => t.walk(f),
            Ty::Map(k, v) => {
                k.walk(f);
                v.walk(f);
            }
            Ty::Tuple(ts) | Ty::Adt(_, ts) => ts.iter().for_each(|t| t.walk(f)),
            Ty::Fn(ps, r) => {
                ps.iter().for_each(|t| t.walk(f));
                r.walk(f);
            }
            _ => {}
        }
    }

    /// Rebuilds the type, replacing the parts for which `f` returns a type.
    pub fn map(&self, f: &mut dyn FnMut(&Ty) -> Option<Ty>) -> Ty {
        if let Some(t) = f(self) {
            return t;
        }
        match self {
            Ty::Array(t) => Ty::Array(Arc::new(t.map(f))),
            Ty::Set(t) => Ty::Set(Arc::new(t.map(f))),
            Ty::Nullable(t) => Ty::nullable(t.map(f)),
            Ty::Sender(t) => Ty::Sender(Arc::new(t.map(f))),
            Ty::Receiver(t) => Ty::Receiver(Arc::new(t.map(f))),
            Ty::Task(t) => Ty::Task(Arc::new(t.map(f))),
            Ty::Map(k, v) => Ty::Map(Arc::new(k.map(f)), Arc::new(v.map(f))),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| t.map(f)).collect()),
            Ty::Adt(loc, ts) => Ty::Adt(*loc, ts.iter().map(|t| t.map(f)).collect()),
            Ty::Fn(ps, r) => Ty::Fn(ps.iter().map(|t| t.map(f)).collect(), Arc::new(r.map(f))),
            other => other.clone(),
        }
    }

    /// Replaces generic parameters by name.
    pub fn substitute(&self, names: &[String], args: &[Ty]) -> Ty {
        if names.is_empty() {
            return self.clone();
        }
        self.map(&mut |t| match t {
            Ty::Param(name) => names.iter().position(|n| **n == **name).and_then(|i| args.get(i).cloned()),
            _ => None,
        })
    }

    pub fn display(&self, db: &dyn Db) -> String {
        match self {
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Str => "string".into(),
            Ty::Byte => "byte".into(),
            Ty::Bytes => "bytes".into(),
            Ty::Void => "void".into(),
            Ty::Never => "never".into(),
            Ty::Unknown | Ty::Var(_) => "_".into(),
            Ty::Range => "range".into(),
            Ty::AnyError => "error".into(),
            Ty::Array(t) => format!("[{}]", t.display(db)),
            Ty::Map(k, v) => format!("Map<{}, {}>", k.display(db), v.display(db)),
            Ty::Set(t) => format!("Set<{}>", t.display(db)),
            Ty::Nullable(t) => match **t {
                Ty::Fn(..) => format!("({})?", t.display(db)),
                _ => format!("{}?", t.display(db)),
            },
            Ty::Sender(t) => format!("Sender<{}>", t.display(db)),
            Ty::Receiver(t) => format!("Receiver<{}>", t.display(db)),
            Ty::Task(t) => format!("Task<{}>", t.display(db)),
            Ty::Tuple(ts) => format!("({})", ts.iter().map(|t| t.display(db)).collect::<Vec<_>>().join(", ")),
            Ty::Fn(ps, r) => {
                let params = ps.iter().map(|t| t.display(db)).collect::<Vec<_>>().join(", ");
                match **r {
                    Ty::Void => format!("fn({params})"),
                    _ => format!("fn({params}) {}", r.display(db)),
                }
            }
            Ty::Adt(loc, args) => {
                let name = qualified_name(db, *loc);
                if args.is_empty() {
                    name
                } else {
                    format!("{name}<{}>", args.iter().map(|t| t.display(db)).collect::<Vec<_>>().join(", "))
                }
            }
            Ty::Trait(loc) => loc.item(db).name.clone(),
            Ty::Param(name) => name.to_string(),
        }
    }
}

/// `orders.OrderNotFound` for an error declared in stage `orders`, else the plain name.
pub fn qualified_name(db: &dyn Db, loc: ItemLoc) -> String {
    let name = loc.item(db).name.clone();
    match loc.parent(db) {
        Some(parent) => format!("{}.{name}", parent.item(db).name),
        None => name,
    }
}
