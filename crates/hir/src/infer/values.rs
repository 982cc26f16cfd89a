//! Which functions a call through a local can run. A call through a function value
//! raises, in general, what every function value of its type in the program raises
//! (`errors.rs`). When the value is a `let` local and every value the body gives it (its
//! initializer and each assignment, closures' bodies included) is a function, a method
//! reference or a closure written there — or another such local — the call runs one of
//! those and raises exactly their errors: `let g = safe` then `g(1)` is infallible
//! however many raising `fn(int) int` values the program has elsewhere.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::body::AssignOp;

impl Infer<'_> {
    /// Narrows each call through such a local from `Callee::Value` to `Callee::Values`.
    pub(super) fn refine_calls_through_locals(&mut self) {
        let writes = self.local_writes();
        let mut known: HashMap<BindingId, Option<Vec<Callee>>> = HashMap::new();
        for i in 0..self.result.calls.len() {
            if !matches!(self.result.calls[i].callee, Callee::Value(_)) {
                continue;
            }
            let Expr::Call { callee, .. } = &self.body.exprs[self.result.calls[i].expr] else { continue };
            let Some(&Target::Local(b)) = self.result.resolutions.get(NameSite::Expr(*callee)) else { continue };
            let values = match known.get(&b) {
                Some(values) => values.clone(),
                None => {
                    let values = self.values_of(b, &writes);
                    known.insert(b, values.clone());
                    values
                }
            };
            if let Some(values) = values {
                self.result.calls[i].callee = Callee::Values(values);
            }
        }
    }

    /// The values written to each `let` local: `None` for a write whose value is not a
    /// plain expression (a compound assignment, a missing expression).
    fn local_writes(&self) -> HashMap<BindingId, Vec<Option<ExprId>>> {
        let body = self.body;
        let mut writes: HashMap<BindingId, Vec<Option<ExprId>>> = HashMap::new();
        let mut lets = HashSet::new();
        for (_, expr) in body.exprs.iter() {
            let Expr::Block { statements } = expr else { continue };
            for statement in statements {
                match statement {
                    Statement::Let { pat: Some(p), initializer, .. } => {
                        if let Pat::Bind(b) = body.pats[*p] {
                            lets.insert(b);
                            let entry = writes.entry(b).or_default();
                            entry.extend(initializer.map(Some));
                        }
                    }
                    Statement::Assign { target: Some(t), op, value, .. } => {
                        if let Some(&Target::Local(b)) = self.result.resolutions.get(NameSite::Expr(*t)) {
                            let plain = matches!(op, None | Some(AssignOp::Assign));
                            writes.entry(b).or_default().push(value.filter(|_| plain));
                        }
                    }
                    _ => {}
                }
            }
        }
        // Parameters, pattern and loop variables get values the body does not write.
        writes.retain(|b, _| lets.contains(b));
        writes
    }

    /// Every function value local `b` can hold, or `None` when one of its writes is not
    /// known.
    fn values_of(&self, b: BindingId, writes: &HashMap<BindingId, Vec<Option<ExprId>>>) -> Option<Vec<Callee>> {
        let mut values = Vec::new();
        let mut seen = HashSet::from([b]);
        let mut pending = vec![b];
        while let Some(local) = pending.pop() {
            for write in writes.get(&local)? {
                let value = (*write)?;
                if let Some(callee) = self.value_exprs.get(&value) {
                    if !values.contains(callee) {
                        values.push(callee.clone());
                    }
                    continue;
                }
                match (&self.body.exprs[value], self.result.resolutions.get(NameSite::Expr(value))) {
                    (Expr::Path { .. }, Some(&Target::Local(other))) => {
                        if seen.insert(other) {
                            pending.push(other);
                        }
                    }
                    _ => return None,
                }
            }
        }
        Some(values)
    }
}
