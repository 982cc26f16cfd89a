//! Type variables and what a type may stand for: fresh variables, their resolution,
//! unification, and whether a value of one type fits where another is wanted.

use super::*;

impl Infer<'_> {
    pub(super) fn fresh(&mut self) -> Ty {
        self.vars.push(None);
        Ty::Var(self.vars.len() as u32 - 1)
    }

    pub(super) fn shallow(&self, ty: &Ty) -> Ty {
        let mut ty = ty.clone();
        while let Ty::Var(v) = ty {
            match &self.vars[v as usize] {
                Some(t) => ty = t.clone(),
                None => break,
            }
        }
        ty
    }

    pub(super) fn resolve(&self, ty: &Ty) -> Ty {
        ty.map(&mut |t| match t {
            Ty::Var(_) => {
                let s = self.shallow(t);
                if matches!(s, Ty::Var(_)) { Some(s) } else { Some(self.resolve(&s)) }
            }
            _ => None,
        })
    }

    pub(super) fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let (a, b) = (self.shallow(a), self.shallow(b));
        match (&a, &b) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => true,
            (Ty::Var(x), Ty::Var(y)) if x == y => true,
            (Ty::Var(x), other) | (other, Ty::Var(x)) => {
                let mut occurs = false;
                self.resolve(other).walk(&mut |t| occurs |= *t == Ty::Var(*x));
                if occurs {
                    return false;
                }
                self.vars[*x as usize] = Some(other.clone());
                true
            }
            (Ty::Array(x), Ty::Array(y))
            | (Ty::Set(x), Ty::Set(y))
            | (Ty::Nullable(x), Ty::Nullable(y))
            | (Ty::Sender(x), Ty::Sender(y))
            | (Ty::Receiver(x), Ty::Receiver(y))
            | (Ty::Task(x), Ty::Task(y)) => self.unify(x, y),
            (Ty::Map(k1, v1), Ty::Map(k2, v2)) => self.unify(k1, k2) & self.unify(v1, v2),
            (Ty::Tuple(xs), Ty::Tuple(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| self.unify(x, y))
            }
            (Ty::Adt(l1, xs), Ty::Adt(l2, ys)) => {
                l1 == l2 && xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| self.unify(x, y))
            }
            (Ty::Fn(p1, r1), Ty::Fn(p2, r2)) => {
                p1.len() == p2.len() && p1.iter().zip(p2.iter()).all(|(x, y)| self.unify(x, y)) && self.unify(r1, r2)
            }
            _ => a == b,
        }
    }

    /// Whether a value of type `actual` can be used where `expected` is wanted: equal
    /// types, `never`, a value for a nullable, a class for a trait it implements.
    pub(super) fn coerces(&mut self, actual: &Ty, expected: &Ty) -> bool {
        let (actual, expected) = (self.shallow(actual), self.shallow(expected));
        match (&actual, &expected) {
            (Ty::Never, _) | (Ty::Unknown, _) | (_, Ty::Unknown) => true,
            (Ty::Nullable(a), Ty::Nullable(e)) => self.unify(a, e),
            (a, Ty::Nullable(e)) if !matches!(a, Ty::Var(_)) => self.coerces(a, &e.clone()),
            (Ty::Adt(class, _), Ty::Trait(t)) => self.implements(*class, *t),
            (Ty::Param(p), Ty::Trait(t)) => self.bound_of(p).is_some_and(|b| b == Ty::Trait(*t)),
            _ => self.unify(&actual, &expected),
        }
    }

    pub(super) fn implements(&self, class: ItemLoc, tr: ItemLoc) -> bool {
        adt_data(self.db, self.program, class).impls.contains(&Ty::Trait(tr))
    }

    pub(super) fn bound_of(&self, param: &str) -> Option<Ty> {
        self.bounds.iter().find(|(n, _)| n == param).map(|(_, b)| b.clone())
    }

    /// Checks that `actual` fits `expected`, reporting a mismatch at `range`.
    pub(super) fn expect_ty(&mut self, actual: &Ty, expected: &Ty, range: TextRange) {
        if !self.coerces(actual, expected) {
            let (e, a) = (self.show(expected), self.show(actual));
            let diag = self.error(codes::TYPE_MISMATCH, range, format!("expected `{e}`, found `{a}`"));
            diag.label = format!("this is `{a}`");
            if (a == "int" && e == "float") || (a == "float" && e == "int") {
                diag.hint = Some(format!("convert it with `as {e}`"));
            }
        }
    }
}
