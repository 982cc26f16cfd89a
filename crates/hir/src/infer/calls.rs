//! Calls: what is called (functions, methods, unit `pub fn`s, stage methods without
//! `self.`, function values, closures written at the call), argument checking, and how
//! each call's errors are handled.

use super::*;

impl<'a> Infer<'a> {
    /// `sig` instantiated with the type arguments written at the call (`make<int>(3)`,
    /// `json.decode<Order>(text)`), or with fresh variables when none are written.
    fn with_type_args(
        &mut self,
        sig: Signature,
        written: Option<&[TypeRef]>,
        name: &str,
        range: TextRange,
        recorded: &mut Vec<Ty>,
    ) -> Signature {
        let explicit: Vec<Ty> = written.map(|g| g.iter().map(|t| self.lower_type(t)).collect()).unwrap_or_default();
        if explicit.is_empty() {
            return self.instantiate(&sig);
        }
        recorded.clone_from(&explicit);
        let names: Vec<String> = sig.generics.iter().map(|(n, _)| n.clone()).collect();
        if names.len() != explicit.len() {
            self.error(
                codes::WRONG_TYPE_ARGS,
                range,
                format!("`{name}` takes {} type arguments, found {}", names.len(), explicit.len()),
            );
        }
        Signature {
            generics: Vec::new(),
            params: sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&names, &explicit))).collect(),
            ret: sig.ret.substitute(&names, &explicit),
            self_param: None,
            diagnostics: Vec::new(),
        }
    }

    pub(super) fn default_handling(&self) -> Handling {
        self.catch_stack.last().map_or(Handling::None, |c| Handling::Catch(*c))
    }

    pub(super) fn infer_call(
        &mut self,
        call: ExprId,
        callee: ExprId,
        args: &[ExprId],
        handling: Handling,
        expected: Option<&Ty>,
    ) -> Ty {
        let body = self.body;
        let range = self.range(call);
        if self.is_missing(callee) {
            return Ty::Unknown;
        }
        let bang = handling == Handling::Propagate;
        if let Some(ty) = self.infer_builtin_call(range, callee, args, handling) {
            if handling == Handling::Spawn {
                self.spawn_of_builtin(range);
            }
            return ty;
        }
        let mut type_args = Vec::new();
        let (target, receiver_mut_check) = self.call_target(range, callee, &mut type_args);
        // Record what the callee's names refer to.
        match &body.exprs[callee] {
            Expr::Field { receiver, name, .. } => {
                if !self.is_missing(*receiver)
                    && let Some(ns) = self.namespace_of(*receiver)
                {
                    self.record_namespace(*receiver, &ns);
                }
                if let (Some(_), Some((c, _))) = (name, &target)
                    && let Some(t) = self.callee_target(c)
                {
                    self.resolve_as(NameSite::Expr(callee), t);
                }
            }
            Expr::Path { name: name_ref, .. } => {
                if let Some((Callee::Fn(f), _)) = &target
                    && self.lookup_local(callee, &name_ref.text).is_none()
                {
                    self.resolve_as(NameSite::Expr(callee), Target::Fn(*f));
                }
            }
            _ => {}
        }
        let Some((callee_ref, sig)) = target else {
            self.unknown_calls += 1;
            for &a in args {
                self.infer_expr(a, None);
            }
            return Ty::Unknown;
        };
        if let Some((receiver, true)) = receiver_mut_check {
            self.check_mutating_receiver(receiver);
        }
        if sig.params.len() != args.len() {
            let n = sig.params.len();
            let diag = self.error(
                codes::WRONG_ARG_COUNT,
                range,
                format!(
                    "this function takes {n} argument{}, but {} {} given",
                    if n == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            );
            diag.label = "wrong number of arguments".into();
        }
        for (i, &a) in args.iter().enumerate() {
            match sig.params.get(i) {
                Some((_, pt)) => {
                    let t = self.infer_expr(a, Some(pt));
                    self.expect_ty(&t, pt, self.range(a));
                }
                None => {
                    self.infer_expr(a, None);
                }
            }
        }
        if let Some(expected) = expected
            && sig.ret.has_vars()
        {
            let _ = self.coerces(&sig.ret, expected);
        }
        if handling == Handling::Spawn {
            if matches!(callee_ref, Callee::Builtin(_) | Callee::Recv(..) | Callee::TaskGet(_)) {
                self.spawn_of_builtin(range);
            }
            self.result.spawns.push((callee_ref.clone(), sig.ret.clone()));
        }
        let closure = self.closure_stack.last().copied();
        self.result.calls.push(CallSite { expr: call, range, closure, callee: callee_ref, handling, bang, type_args });
        sig.ret
    }

    /// `spawn` of a built-in operation (`print`, `xs.push(x)`, `rx.recv()`...): a task
    /// runs a function of the program.
    fn spawn_of_builtin(&mut self, range: TextRange) {
        let diag =
            self.error(codes::MISPLACED, range, "`spawn` runs a function of the program, not a built-in operation");
        diag.label = "built in".into();
        diag.hint =
            Some("spawn a function that does it, e.g. `spawn log(x)` with `fn log(x: int) { print(x) }`".into());
    }

    /// `print(...)` and `chan<T>(capacity)`, unless a local or an item of the same name
    /// hides them: their type, or `None` when `callee` names neither.
    fn infer_builtin_call(
        &mut self,
        range: TextRange,
        callee: ExprId,
        args: &[ExprId],
        handling: Handling,
    ) -> Option<Ty> {
        let body = self.body;
        if let Expr::Path { name, generic_args } = &body.exprs[callee]
            && self.lookup_local(callee, &name.text).is_none()
            && self.resolve_value_name(&name.text).is_none()
        {
            match name.text.as_str() {
                "print" => {
                    for &a in args {
                        let t = self.infer_expr(a, None);
                        if matches!(self.shallow(&t), Ty::Void) {
                            self.error(codes::TYPE_MISMATCH, self.range(a), "cannot print a value of type `void`");
                        }
                    }
                    self.check_bang_on_builtin(handling, range);
                    return Some(Ty::Void);
                }
                "chan" => {
                    let element = match generic_args.as_ref().and_then(|g| g.first()) {
                        Some(t) => self.lower_type(t),
                        None => self.fresh(),
                    };
                    // `chan<T>()` is a rendezvous, as `chan<T>(0)`.
                    if args.len() > 1 {
                        self.error(
                            codes::WRONG_ARG_COUNT,
                            range,
                            format!("`chan` takes at most 1 argument (the capacity), found {}", args.len()),
                        );
                    }
                    for &a in args {
                        let t = self.infer_expr(a, Some(&Ty::Int));
                        self.expect_ty(&t, &Ty::Int, self.range(a));
                    }
                    self.check_bang_on_builtin(handling, range);
                    return Some(Ty::Tuple(
                        vec![Ty::Sender(element.clone().into()), Ty::Receiver(element.into())].into(),
                    ));
                }
                _ => {}
            }
        }
        None
    }

    /// What `callee` calls, with the type arguments written at the call (recorded in
    /// `type_args`) and the receiver whose mutability the call needs.
    fn call_target(&mut self, range: TextRange, callee: ExprId, type_args: &mut Vec<Ty>) -> CallTarget {
        let body = self.body;
        match &body.exprs[callee] {
            Expr::Field { receiver, name, generic_args } => {
                let receiver = *receiver;
                let name = name.as_ref().map(|n| n.text.clone()).unwrap_or_default();
                let name_range = self.range(callee);
                match self.is_missing(receiver) {
                    false => match self.namespace_of(receiver) {
                        Some(ns) => match self.namespace_member_of(receiver, ns, &name, name_range) {
                            Some(Member::Fn(c, sig)) => {
                                let sig =
                                    self.with_type_args(sig, generic_args.as_deref(), &name, name_range, type_args);
                                (Some((c, sig)), None)
                            }
                            Some(Member::Value(t)) => {
                                let shown = self.show(&t);
                                self.error(codes::NOT_CALLABLE, range, format!("`{shown}` is not a function"));
                                (None, None)
                            }
                            None => (None, None),
                        },
                        None => {
                            let rt = self.infer_expr(receiver, None);
                            let rt = self.shallow(&rt);
                            // A field holding a function value is called like a method.
                            if let Some(Ty::Fn(ps, r)) = self.field_type(&rt, &name) {
                                let callee = Callee::Value(Ty::Fn(ps.clone(), r.clone()));
                                (Some((callee, Signature::of_value(&ps, &r))), None)
                            } else {
                                match self.method(&rt, &name) {
                                    Some((c, sig, mutates)) => {
                                        let sig = self.instantiate(&sig);
                                        (Some((c, sig)), Some((receiver, mutates)))
                                    }
                                    None => {
                                        if !rt.is_unknown() {
                                            self.no_member(&rt, &name, name_range, true);
                                        }
                                        (None, None)
                                    }
                                }
                            }
                        }
                    },
                    true => (None, None),
                }
            }
            Expr::Path { name, generic_args }
                if name.text != "self" && self.lookup_local(callee, &name.text).is_none() =>
            {
                let path_range = self.range(callee);
                let name = name.text.clone();
                if let Some(target) = self.implicit_self_call(&name, range) {
                    target
                } else {
                    match self.resolve_value_name(&name) {
                        Some(Def::Item(loc)) if matches!(loc.item(self.db).kind, ItemKind::Fn(_)) => {
                            let f = FnLoc::Free(loc);
                            let sig = fn_signature(self.db, self.program, f).clone();
                            let sig = self.with_type_args(sig, generic_args.as_deref(), &name, path_range, type_args);
                            (Some((Callee::Fn(f), sig)), None)
                        }
                        _ => {
                            let t = self.infer_expr(callee, None);
                            self.fn_value_target(&t, range)
                        }
                    }
                }
            }
            _ => {
                let t = self.infer_expr(callee, None);
                match self.closure_called_directly(callee) {
                    Some(loc) => match self.shallow(&t) {
                        Ty::Fn(ps, r) => (Some((Callee::Closure(loc), Signature::of_value(&ps, &r))), None),
                        _ => self.fn_value_target(&t, range),
                    },
                    None => self.fn_value_target(&t, range),
                }
            }
        }
    }

    /// Inside a stage, `exists(id)` calls the stage's own (or inherited) method with the
    /// implicit `self`; a module item of the same name makes the call ambiguous.
    pub(super) fn implicit_self_call(&mut self, name: &str, range: TextRange) -> Option<CallTarget> {
        let self_ty = self.self_ty.clone()?;
        let Ty::Adt(stage, _) = &self_ty else { return None };
        if !matches!(stage.item(self.db).kind, ItemKind::Stage(_) | ItemKind::Instance { .. }) {
            return None;
        }
        let (callee, sig, _) = self.method(&self_ty, name)?;
        self.capture_self();
        if let Some(Def::Item(item)) = self.resolve_value_name(name) {
            let declared = item.name_loc(self.db);
            let diag = self.error(codes::AMBIGUOUS_NAME, range, format!("`{name}` is ambiguous"));
            diag.label = "both a method of this stage and a module item".into();
            diag.hint = Some(format!("write `self.{name}(...)` for the method, or rename one of them"));
            diag.labels.push((declared, "the module item".into()));
            return Some((None, None));
        }
        Some((Some((callee, self.instantiate(&sig))), None))
    }

    pub(super) fn check_bang_on_builtin(&mut self, handling: Handling, range: TextRange) {
        if handling == Handling::Propagate {
            self.error(codes::NOTHING_TO_PROPAGATE, range, "this call cannot fail: remove the `!`");
        }
    }

    /// `((x: int) => ...)(1)`: the closure written as the callee (already inferred), which
    /// is then not a value that other calls might run.
    pub(super) fn closure_called_directly(&mut self, callee: ExprId) -> Option<ClosureLoc> {
        let Expr::Closure { .. } = self.body.exprs[callee] else { return None };
        let index = self.result.closures.iter().position(|r| *r == self.range(callee))? as u32;
        let loc = self.closure_loc(index)?;
        self.result.fn_values.retain(|v| v.callee != Callee::Closure(loc));
        Some(loc)
    }

    /// Calling a value of function type (a closure, a method reference).
    pub(super) fn fn_value_target(&mut self, t: &Ty, range: TextRange) -> CallTarget {
        match self.shallow(t) {
            Ty::Fn(ps, r) => {
                let callee = Callee::Value(Ty::Fn(ps.clone(), r.clone()));
                (Some((callee, Signature::of_value(&ps, &r))), None)
            }
            Ty::Unknown => (None, None),
            other => {
                let shown = self.show(&other);
                self.error(codes::NOT_CALLABLE, range, format!("`{shown}` is not a function"));
                (None, None)
            }
        }
    }

    /// A method that changes its receiver needs a changeable one: on fields of `self`,
    /// a method taking `mut self`.
    pub(super) fn check_mutating_receiver(&mut self, receiver: ExprId) {
        if self.is_self_place(receiver) && !self.self_mut && self.container_is_class() {
            let range = self.range(receiver);
            self.error(codes::IMMUTABLE, range, "this changes `self`, but the method takes `self`").hint =
                Some("take `mut self` to change the object".into());
        }
    }
}
