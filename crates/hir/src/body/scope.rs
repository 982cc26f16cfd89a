//! Which locals are visible where in a body, computed once over the [`Body`]: a scope per
//! block, one more after each `let` (its names are visible to the statements after it),
//! and one for the bindings of a `for`, a match arm, a closure's parameters and a `catch`
//! handler's binding. The function's parameters are the root scope. Inference resolves
//! local names through these; completion lists them.

use la_arena::{Arena, ArenaMap, Idx};
use pluto_syntax::TextSize;

use super::*;

pub type ScopeId = Idx<ScopeData>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopeData {
    pub parent: Option<ScopeId>,
    /// The locals the scope declares, in order.
    pub entries: Vec<BindingId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ExprScopes {
    scopes: Arena<ScopeData>,
    scope_of: ArenaMap<ExprId, ScopeId>,
    /// For each block: where each statement ends, the scope after it, and whether it
    /// is a `let` still waiting for its value (`let x =`, its names not yet usable).
    after_statements: ArenaMap<ExprId, Vec<(TextSize, ScopeId, bool)>>,
}

impl ExprScopes {
    pub fn new(body: &Body) -> ExprScopes {
        let mut scopes = ExprScopes::default();
        let root = scopes.scopes.alloc(ScopeData { parent: None, entries: Vec::new() });
        scopes.scopes[root].entries.extend(body.params.iter().map(|p| p.binding));
        if let Some(e) = body.root {
            // Each pending expression with the scope it is in; children are visited after
            // their parent, so nothing here recurses on the user's nesting.
            let mut stack = vec![(e, root)];
            while let Some((expr, scope)) = stack.pop() {
                scopes.visit(body, expr, scope, &mut stack);
            }
        }
        scopes
    }

    fn child(&mut self, parent: ScopeId) -> ScopeId {
        self.scopes.alloc(ScopeData { parent: Some(parent), entries: Vec::new() })
    }

    /// Records `expr`'s scope and queues its children with theirs.
    fn visit(&mut self, body: &Body, expr: ExprId, scope: ScopeId, stack: &mut Vec<(ExprId, ScopeId)>) {
        self.scope_of.insert(expr, scope);
        match &body.exprs[expr] {
            Expr::Block { statements } => {
                let mut current = self.child(scope);
                self.scope_of.insert(expr, current);
                let mut after = Vec::new();
                for s in statements {
                    match s {
                        Statement::Let { pat, initializer, .. } => {
                            stack.extend(initializer.map(|e| (e, current)));
                            if let Some(pat) = pat {
                                current = self.child(current);
                                self.bind(body, *pat, current);
                            }
                        }
                        Statement::For { pat, iterable, body: inner, .. } => {
                            stack.extend(iterable.map(|e| (e, current)));
                            let bound = self.child(current);
                            if let Some(pat) = pat {
                                self.bind(body, *pat, bound);
                            }
                            stack.extend(inner.map(|e| (e, bound)));
                        }
                        Statement::Expr { .. } | Statement::Assign { .. } | Statement::While { .. } => {
                            // No bindings: the expressions inside see `current`.
                            let mut children = Vec::new();
                            s.exprs(&mut children);
                            stack.extend(children.into_iter().map(|e| (e, current)));
                        }
                    }
                    let waiting = matches!(s, Statement::Let { initializer: None, .. });
                    after.push((s.range().end(), current, waiting));
                }
                self.after_statements.insert(expr, after);
            }
            Expr::Closure { params, body: inner } => {
                let bound = self.child(scope);
                self.scopes[bound].entries.extend(params.iter().map(|p| p.binding));
                stack.push((*inner, bound));
            }
            Expr::Match { scrutinee, arms } => {
                stack.push((*scrutinee, scope));
                for arm in arms {
                    let bound = self.child(scope);
                    self.bind(body, arm.pat, bound);
                    stack.push((arm.expr, bound));
                }
            }
            Expr::Catch { expr: inner, handlers } => {
                stack.push((*inner, scope));
                for h in handlers {
                    let bound = self.child(scope);
                    self.scopes[bound].entries.extend(h.binding);
                    stack.extend(h.body.map(|e| (e, bound)));
                }
            }
            _ => stack.extend(body.children(expr).into_iter().map(|e| (e, scope))),
        }
    }

    /// Adds the names pattern `pat` binds to `scope`.
    fn bind(&mut self, body: &Body, pat: PatId, scope: ScopeId) {
        let mut pending = vec![pat];
        while let Some(p) = pending.pop() {
            match &body.pats[p] {
                Pat::Bind(b) => self.scopes[scope].entries.push(*b),
                Pat::Tuple(ps) => pending.extend(ps.iter().rev()),
                Pat::Variant { fields, .. } => {
                    for f in fields.iter().rev() {
                        pending.extend(f.pat);
                        self.scopes[scope].entries.extend(f.binding);
                    }
                }
                Pat::Missing | Pat::Wildcard | Pat::Literal { .. } => {}
            }
        }
    }

    /// The scope `expr` is evaluated in.
    pub fn scope_of(&self, expr: ExprId) -> Option<ScopeId> {
        self.scope_of.get(expr).copied()
    }

    /// The scope at `offset` inside `expr` (the innermost expression there): inside a
    /// block, the one after the last statement that ends before `offset` (but not after
    /// a `let x =` whose value is being written there).
    pub fn scope_at(&self, expr: ExprId, offset: TextSize) -> Option<ScopeId> {
        if let Some(after) = self.after_statements.get(expr) {
            let mut before = after.iter().enumerate().rev().filter(|(_, (end, _, _))| *end <= offset);
            if let Some((i, (end, scope, waiting))) = before.next() {
                if !(*waiting && *end == offset) {
                    return Some(*scope);
                }
                // The scope before the unfinished `let`.
                return Some(match i {
                    0 => self.scope_of(expr)?,
                    _ => after[i - 1].1,
                });
            }
        }
        self.scope_of(expr)
    }

    /// `scope` and the scopes around it, innermost first.
    pub fn chain(&self, scope: ScopeId) -> impl Iterator<Item = &ScopeData> + '_ {
        std::iter::successors(Some(&self.scopes[scope]), |s| s.parent.map(|p| &self.scopes[p]))
    }

    /// The local that `name` refers to in `scope`: the innermost declared.
    pub fn lookup(&self, body: &Body, scope: ScopeId, name: &str) -> Option<BindingId> {
        self.chain(scope).flat_map(|s| s.entries.iter().rev()).copied().find(|&b| body.binding_name(b).text == name)
    }

    /// The locals visible in `scope`, innermost first, each name once (a shadowed one is
    /// left out).
    pub fn visible(&self, body: &Body, scope: ScopeId) -> Vec<BindingId> {
        let mut out: Vec<BindingId> = Vec::new();
        for data in self.chain(scope) {
            for &b in data.entries.iter().rev() {
                let name = &body.binding_name(b).text;
                if !out.iter().any(|&o| body.binding_name(o).text == *name) {
                    out.push(b);
                }
            }
        }
        out
    }
}
