//! Which functions a call through a local can run. A call through a function value
//! raises, in general, what every function value of its type in the program raises
//! (`errors.rs`). When the value is a `let` local and every value the body gives it (its
//! initializer and each assignment, closures' bodies included) is a function, a method
//! reference or a closure written there — or another such local — the call runs one of
//! those and raises exactly their errors: `let g = safe` then `g(1)` is infallible
//! however many raising `fn(int) int` values the program has elsewhere.
//!
//! The same holds for the elements of a `let` array of such values that never leaves the
//! body: when every reference to the array iterates it (`for f in fs`), indexes it
//! (`fs[i](x)`), takes its `len()` or `push`es a value, a call through an element runs one
//! of the values written into it. Any other use (passing it on, storing it, aliasing it)
//! and the call raises what every function value of its type raises, as in general.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::body::AssignOp;

/// What the body writes into its `let` locals.
#[derive(Default)]
struct Writes {
    /// The values written to each `let` local: `None` for a write whose value is not a
    /// plain expression (a compound assignment, a missing expression).
    locals: HashMap<BindingId, Vec<Option<ExprId>>>,
    /// Loop variables bound by `for x in a`, with the local `a`.
    loops: HashMap<BindingId, BindingId>,
    /// Locals assigned somewhere (a loop variable that is holds more than elements).
    assigned: HashSet<BindingId>,
    /// The references to locals that only read an array's elements or add to them,
    /// and the values added (`fs.push(v)`, `fs[i] = v`) per array local.
    element_uses: HashSet<ExprId>,
    element_writes: HashMap<BindingId, Vec<Option<ExprId>>>,
}

impl Infer<'_> {
    /// Narrows each call through such a local (or array element) from `Callee::Value`
    /// to `Callee::Values`.
    pub(super) fn refine_calls_through_locals(&mut self) {
        let writes = self.local_writes();
        for i in 0..self.result.calls.len() {
            if !matches!(self.result.calls[i].callee, Callee::Value(_)) {
                continue;
            }
            let Expr::Call { callee, .. } = &self.body.exprs[self.result.calls[i].expr] else { continue };
            let values = match &self.body.exprs[*callee] {
                Expr::Path { .. } => match self.local(*callee) {
                    Some(b) => match writes.loops.get(&b) {
                        Some(&array) if !writes.assigned.contains(&b) => self.elements_of(array, &writes),
                        Some(_) => None,
                        None => self.values_of(b, &writes),
                    },
                    None => None,
                },
                Expr::Index { base, .. } => self.local(*base).and_then(|array| self.elements_of(array, &writes)),
                _ => None,
            };
            if let Some(values) = values {
                self.result.calls[i].callee = Callee::Values(values);
            }
        }
    }

    /// The local that path `e` names, if it names one.
    fn local(&self, e: ExprId) -> Option<BindingId> {
        match (&self.body.exprs[e], self.result.resolutions.get(NameSite::Expr(e))) {
            (Expr::Path { .. }, Some(&Target::Local(b))) => Some(b),
            _ => None,
        }
    }

    /// What the body writes into its locals and arrays, and which references to locals
    /// only read or add to an array's elements.
    fn local_writes(&self) -> Writes {
        let body = self.body;
        let mut writes = Writes::default();
        let mut lets = HashSet::new();
        for (_, expr) in body.exprs.iter() {
            match expr {
                Expr::Block { statements } => {
                    for statement in statements {
                        self.statement_writes(statement, &mut writes, &mut lets);
                    }
                }
                Expr::Index { base, .. } if self.local(*base).is_some() => {
                    writes.element_uses.insert(*base);
                }
                Expr::Call { callee, args } => {
                    if let Expr::Field { receiver, name: Some(name), .. } = &body.exprs[*callee]
                        && let Some(array) = self.local(*receiver)
                    {
                        match (name.text.as_str(), args.as_slice()) {
                            ("len", []) => {
                                writes.element_uses.insert(*receiver);
                            }
                            ("push", [value]) => {
                                writes.element_uses.insert(*receiver);
                                writes.element_writes.entry(array).or_default().push(Some(*value));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        // Parameters, pattern and loop variables get values the body does not write.
        writes.locals.retain(|b, _| lets.contains(b));
        writes
    }

    /// What one statement writes: a `let`, an assignment to a local or an element, a
    /// loop over a local.
    fn statement_writes(&self, statement: &Statement, writes: &mut Writes, lets: &mut HashSet<BindingId>) {
        let body = self.body;
        match statement {
            Statement::Let { pat: Some(p), initializer, .. } => {
                if let Pat::Bind(b) = body.pats[*p] {
                    lets.insert(b);
                    writes.locals.entry(b).or_default().extend(initializer.map(Some));
                }
            }
            Statement::Assign { target: Some(t), op, value, .. } => {
                let plain = matches!(op, None | Some(AssignOp::Assign));
                let value = value.filter(|_| plain);
                if let Some(b) = self.local(*t) {
                    writes.assigned.insert(b);
                    writes.element_uses.insert(*t);
                    writes.locals.entry(b).or_default().push(value);
                } else if let Expr::Index { base, .. } = &body.exprs[*t]
                    && let Some(array) = self.local(*base)
                {
                    writes.element_writes.entry(array).or_default().push(value);
                }
            }
            Statement::For { pat: Some(p), iterable: Some(it), .. } => {
                if let (Pat::Bind(x), Some(array)) = (&body.pats[*p], self.local(*it)) {
                    writes.loops.insert(*x, array);
                    writes.element_uses.insert(*it);
                }
            }
            _ => {}
        }
    }

    /// Every function value local `b` can hold, or `None` when one of its writes is not
    /// known.
    fn values_of(&self, b: BindingId, writes: &Writes) -> Option<Vec<Callee>> {
        let mut values = Vec::new();
        let mut seen = HashSet::from([b]);
        let mut pending = vec![b];
        while let Some(local) = pending.pop() {
            for write in writes.locals.get(&local)? {
                let value = (*write)?;
                if let Some(callee) = self.value_exprs.get(&value) {
                    if !values.contains(callee) {
                        values.push(callee.clone());
                    }
                    continue;
                }
                match self.local(value) {
                    Some(other) if seen.insert(other) => pending.push(other),
                    Some(_) => {}
                    None => return None,
                }
            }
        }
        Some(values)
    }

    /// Every function value the elements of array local `array` can be, or `None` when
    /// the array is not a `let` of array literals, is used other than to read or add to
    /// its elements, or is given a value that is not known.
    fn elements_of(&self, array: BindingId, writes: &Writes) -> Option<Vec<Callee>> {
        // Every reference to the array reads or adds to its elements.
        for (site, target) in self.result.resolutions.iter() {
            if *target == Target::Local(array) && !matches!(site, NameSite::Expr(e) if writes.element_uses.contains(&e))
            {
                return None;
            }
        }
        let mut elements: Vec<Option<ExprId>> = Vec::new();
        for write in writes.locals.get(&array)? {
            match &self.body.exprs[(*write)?] {
                Expr::Array(items) => elements.extend(items.iter().copied().map(Some)),
                _ => return None,
            }
        }
        elements.extend(writes.element_writes.get(&array).into_iter().flatten().copied());
        let mut values = Vec::new();
        for element in elements {
            let element = element?;
            let known = match self.value_exprs.get(&element) {
                Some(callee) => vec![callee.clone()],
                None => self.values_of(self.local(element)?, writes)?,
            };
            for callee in known {
                if !values.contains(&callee) {
                    values.push(callee);
                }
            }
        }
        Some(values)
    }
}
