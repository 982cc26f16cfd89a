//! Names in bodies: locals, items, modules, units and enums as namespaces, fields and
//! dependencies, methods (own, along a stage chain, from traits and bounds, built in),
//! and generic instantiation.

use super::*;

impl<'a> Infer<'a> {
    pub(super) fn resolve_as(&mut self, site: NameSite, target: Target) {
        self.result.resolutions.insert(site, target);
    }

    /// Records that the name at `site` refers to local `local` (its declaration).
    pub(super) fn resolve_local(&mut self, site: NameSite, local: usize) {
        if let Some(b) = self.locals[local].binding {
            self.resolve_as(site, Target::Local(b));
        }
    }

    /// Records what the receiver of `receiver.member` names when it is a namespace.
    pub(super) fn record_namespace(&mut self, receiver: ExprId, ns: &Namespace) {
        let target = match ns {
            // `auth.f` with `import auth` and `stage auth` in it: the unit is meant.
            Namespace::Module(_, Some(unit)) => Target::Item(*unit),
            Namespace::Module(file, None) => Target::Module(*file),
            Namespace::Unit(loc) | Namespace::Enum(loc) | Namespace::Class(loc) => Target::Item(*loc),
        };
        self.resolve_as(NameSite::Expr(receiver), target);
    }

    /// The declaration a field name of a value of type `ty` refers to.
    pub(super) fn field_target(&self, ty: &Ty, name: &str) -> Option<Target> {
        let Ty::Adt(loc, _) = ty else { return None };
        let data = adt_data(self.db, self.program, *loc);
        if data.fields.iter().any(|f| f.name == name) {
            return Some(Target::Field(*loc, name.to_string()));
        }
        // A dependency: on the nearest level of the chain that declares it.
        let chain = if self.map.stage(*loc).is_some() { self.map.chain(*loc) } else { vec![*loc] };
        chain
            .into_iter()
            .find(|level| level.item(self.db).body().is_some_and(|b| b.deps.iter().any(|d| d.name == name)))
            .map(|level| Target::Dep(level, name.to_string()))
    }

    pub(super) fn callee_target(&self, callee: &Callee) -> Option<Target> {
        match callee {
            Callee::Fn(f) | Callee::Remote(f) => Some(Target::Fn(*f)),
            Callee::Trait(tr, name) => {
                let i = tr.item(self.db).body()?.methods.iter().find(|m| m.name == *name)?;
                Some(Target::Fn(FnLoc::method(*tr, i)))
            }
            Callee::Builtin(_)
            | Callee::Recv(..)
            | Callee::Closure(_)
            | Callee::Value(_)
            | Callee::Values(_)
            | Callee::TaskGet(_) => None,
        }
    }

    /// What a path expression names, other than a local.
    pub(super) fn resolve_value_name(&self, name: &str) -> Option<Def> {
        if let Some(container) = self.container.map(|c| c.parent(self.db).unwrap_or(c))
            && let Some(nested) = nested_item(self.db, container, name)
        {
            return Some(Def::Item(nested));
        }
        self.map.resolve_in(self.db, self.file, self.container, name)
    }

    pub(super) fn infer_path(&mut self, e: ExprId, name_ref: &Name) -> Ty {
        let range = self.range(e);
        if name_ref.text == "self" {
            return match self.self_ty.clone() {
                Some(t) => {
                    self.capture_self();
                    t
                }
                None => {
                    self.error(codes::SELF_OUTSIDE_METHOD, range, "`self` is only available in methods").hint =
                        Some("add `self` as the first parameter to make this a method".into());
                    Ty::Unknown
                }
            };
        }
        let name = name_ref.text.clone();
        if let Some(local) = self.lookup_local(e, &name) {
            self.resolve_local(NameSite::Expr(e), local);
            return self.use_local(local);
        }
        let resolved = self.resolve_value_name(&name);
        match resolved {
            Some(Def::Item(loc)) if matches!(loc.item(self.db).kind, ItemKind::Fn(_)) => {
                self.resolve_as(NameSite::Expr(e), Target::Fn(FnLoc::Free(loc)));
            }
            Some(Def::Item(loc)) => self.resolve_as(NameSite::Expr(e), Target::Item(loc)),
            Some(Def::Module(file)) => self.resolve_as(NameSite::Expr(e), Target::Module(file)),
            None => {
                if let Some(unit) = self.map.unit(&name) {
                    self.resolve_as(NameSite::Expr(e), Target::Item(unit));
                }
            }
        }
        match resolved {
            Some(Def::Item(loc)) => match &loc.item(self.db).kind {
                ItemKind::Fn(_) => {
                    let sig = fn_signature(self.db, self.program, FnLoc::Free(loc)).clone();
                    let ty = self.instantiate(&sig).fn_ty();
                    self.fn_value(e, Callee::Fn(FnLoc::Free(loc)), &ty);
                    ty
                }
                // An error without fields is its own value: `raise Empty`.
                ItemKind::Error(fields) if fields.is_empty() => Ty::Adt(loc, Arc::from(vec![])),
                _ => {
                    let kind = loc.item(self.db).kind_name();
                    self.error(codes::NOT_A_VALUE, range, format!("`{name}` is {}, not a value", with_article(kind)))
                        .hint = Some(match kind {
                        "class" | "error" => format!("build one with `{name} {{ field: value }}`"),
                        "enum" => format!("name a variant: `{name}.Variant`"),
                        _ => "use one of its members".into(),
                    });
                    Ty::Unknown
                }
            },
            Some(Def::Module(_)) => {
                self.error(codes::NOT_A_VALUE, range, format!("`{name}` is a module, not a value")).hint =
                    Some(format!("name one of its items: `{name}.item`"));
                Ty::Unknown
            }
            None if self.map.unit(&name).is_some() => {
                self.error(codes::NOT_A_VALUE, range, format!("`{name}` is a deployment unit, not a value")).hint =
                    Some(format!("call one of its `pub fn`s: `{name}.f(...)`"));
                Ty::Unknown
            }
            None if name == "print" || name == "chan" => {
                self.error(codes::NOT_A_VALUE, range, format!("`{name}` is a built-in function and must be called"));
                Ty::Unknown
            }
            None => {
                self.unresolved(&name, range);
                Ty::Unknown
            }
        }
    }

    pub(super) fn unresolved(&mut self, name: &str, range: TextRange) {
        // Its import failed and was reported: nothing more to say.
        if self.map.is_unresolved_import(self.file, name) {
            return;
        }
        let mut candidates: Vec<String> = self.scopes.iter().flatten().map(|&i| self.locals[i].name.clone()).collect();
        if let Some(scope) = self.map.scope(self.file) {
            candidates.extend(scope.names.keys().cloned());
        }
        let suggestion = candidates.into_iter().map(|c| (edit_distance(&c, name), c)).filter(|(d, _)| *d <= 2).min();
        let diag = self.error(codes::UNRESOLVED_NAME, range, format!("cannot find `{name}` in this scope"));
        diag.label = "not found".into();
        if let Some((_, s)) = suggestion {
            diag.hint = Some(format!("did you mean `{s}`?"));
        }
    }

    /// A namespace a field expression's receiver names: a module, a unit, an enum or a
    /// class (for static methods), when it is not shadowed by a local.
    pub(super) fn namespace_of(&self, receiver: ExprId) -> Option<Namespace> {
        let body = self.body;
        if let Expr::Field { receiver: inner, name, .. } = &body.exprs[receiver] {
            // `module.Class` or `module.Enum` (only a name can be a module).
            if !matches!(body.exprs[*inner], Expr::Path { .. }) {
                return None;
            }
            let Namespace::Module(file, _) = self.namespace_of(*inner)? else { return None };
            let name = name.as_ref()?.text.clone();
            let Def::Item(loc) = *self.map.scope(file)?.names.get(&name)? else { return None };
            if !loc.item(self.db).is_pub {
                return None;
            }
            return match loc.item(self.db).kind {
                ItemKind::Enum { .. } => Some(Namespace::Enum(loc)),
                ItemKind::Class(_) => Some(Namespace::Class(loc)),
                _ => None,
            };
        }
        let Expr::Path { name: name_ref, .. } = &body.exprs[receiver] else { return None };
        if name_ref.text == "self" {
            return None;
        }
        let name = name_ref.text.clone();
        if self.lookup_local(receiver, &name).is_some() {
            return None;
        }
        let def = self.resolve_value_name(&name);
        let unit = self.map.unit(&name);
        match def {
            Some(Def::Module(file)) => Some(Namespace::Module(file, unit)),
            Some(Def::Item(loc)) => match loc.item(self.db).kind {
                ItemKind::Enum { .. } => Some(Namespace::Enum(loc)),
                ItemKind::Class(_) => Some(Namespace::Class(loc)),
                ItemKind::Stage(_) | ItemKind::Instance { .. } if unit == Some(loc) => Some(Namespace::Unit(loc)),
                _ => None,
            },
            None => unit.map(Namespace::Unit),
        }
    }

    pub(super) fn infer_field(&mut self, e: ExprId, receiver: ExprId, name_ref: Option<&Name>) -> Ty {
        let Some(name_ref) = name_ref else {
            // `x.` while typing: the receiver's type still matters (completion).
            if !self.is_missing(receiver) && self.namespace_of(receiver).is_none() {
                self.infer_expr(receiver, None);
            }
            return Ty::Unknown;
        };
        let name = name_ref.text.clone();
        let range = self.range(e);
        if self.is_missing(receiver) {
            return Ty::Unknown;
        }
        if let Some(ns) = self.namespace_of(receiver) {
            self.record_namespace(receiver, &ns);
            let enum_loc = match ns {
                Namespace::Enum(loc) => Some(loc),
                _ => None,
            };
            return match self.namespace_member_of(receiver, ns, &name, range) {
                Some(Member::Fn(callee, sig)) => {
                    if let Some(target) = self.callee_target(&callee) {
                        self.resolve_as(NameSite::Expr(e), target);
                    }
                    let ty = self.instantiate(&sig).fn_ty();
                    self.fn_value(e, callee, &ty);
                    ty
                }
                Some(Member::Value(t)) => {
                    if let Some(loc) = enum_loc {
                        self.resolve_as(NameSite::Expr(e), Target::Variant(loc, name.clone()));
                    }
                    t
                }
                None => Ty::Unknown,
            };
        }
        let receiver_ty = self.infer_expr(receiver, None);
        let receiver_ty = self.shallow(&receiver_ty);
        if let Some(t) = self.field_type(&receiver_ty, &name) {
            if let Some(target) = self.field_target(&receiver_ty, &name) {
                self.resolve_as(NameSite::Expr(e), target);
            }
            return t;
        }
        // A method without a call: a function value bound to its receiver.
        if let Some((callee, sig, _)) = self.method(&receiver_ty, &name) {
            if let Some(target) = self.callee_target(&callee) {
                self.resolve_as(NameSite::Expr(e), target);
            }
            let ty = sig.fn_ty();
            self.fn_value(e, callee, &ty);
            return ty;
        }
        if !receiver_ty.is_unknown() {
            self.no_member(&receiver_ty, &name, range, false);
        }
        Ty::Unknown
    }

    pub(super) fn no_member(&mut self, ty: &Ty, name: &str, range: TextRange, is_call: bool) {
        let shown = self.show(ty);
        let mut names: Vec<String> = builtins::method_names(ty).iter().map(|s| s.to_string()).collect();
        if let Ty::Adt(loc, _) = ty {
            let data = adt_data(self.db, self.program, *loc);
            names.extend(data.fields.iter().map(|f| f.name.clone()));
            names.extend(data.deps.iter().map(|(n, _)| n.clone()));
            if let Some(body) = loc.item(self.db).body() {
                names.extend(body.methods.iter().map(|m| m.name.clone()));
            }
        }
        let suggestion = names.into_iter().map(|c| (edit_distance(&c, name), c)).filter(|(d, _)| *d <= 2).min();
        let (code, what) = if is_call { (codes::UNKNOWN_METHOD, "method") } else { (codes::UNKNOWN_FIELD, "field") };
        let diag = self.error(code, range, format!("`{shown}` has no {what} `{name}`"));
        diag.label = format!("unknown {what}");
        if let Some((_, s)) = suggestion {
            diag.hint = Some(format!("did you mean `{s}`?"));
        }
    }

    /// The type of field `name` of a value of type `ty` (deps count as fields).
    pub(super) fn field_type(&mut self, ty: &Ty, name: &str) -> Option<Ty> {
        let Ty::Adt(loc, args) = ty else { return None };
        let data = adt_data(self.db, self.program, *loc);
        if let Some(field) = data.fields.iter().find(|f| f.name == name) {
            return Some(field.ty.substitute(&data.generics, args));
        }
        data.deps.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    }

    /// Method `name` of a value of type `ty`: the callee, its signature with type
    /// arguments applied, and whether it needs a mutable receiver.
    pub(super) fn method(&mut self, ty: &Ty, name: &str) -> Option<(Callee, Signature, bool)> {
        match ty {
            Ty::Adt(loc, args) => {
                // A class's own methods; for stages, the nearest along the chain.
                let chain = if self.map.stage(*loc).is_some() { self.map.chain(*loc) } else { vec![*loc] };
                for owner in chain {
                    let Some(body) = owner.item(self.db).body() else { continue };
                    if let Some(i) = body.methods.iter().find(|m| m.name == name) {
                        let f = FnLoc::method(owner, i);
                        let mut sig = fn_signature(self.db, self.program, f).clone();
                        let generics = crate::lower::item_generics(self.db, owner);
                        sig.params =
                            sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&generics, args))).collect();
                        sig.ret = sig.ret.substitute(&generics, args);
                        let mutates = sig.self_param == Some(true);
                        return Some((Callee::Fn(f), sig, mutates));
                    }
                }
                // A default method of a trait the class implements.
                let impls = adt_data(self.db, self.program, *loc).impls.clone();
                impls.iter().find_map(|t| match t {
                    Ty::Trait(tr) => {
                        let body = tr.item(self.db).body()?;
                        let i = body.methods.iter().find(|m| m.name == name && m.has_body)?;
                        let f = FnLoc::method(*tr, i);
                        Some((Callee::Fn(f), fn_signature(self.db, self.program, f).clone(), false))
                    }
                    _ => None,
                })
            }
            Ty::Trait(tr) => self.trait_method(*tr, name),
            Ty::Param(p) => match self.bound_of(p) {
                Some(Ty::Trait(tr)) => self.trait_method(tr, name),
                _ => None,
            },
            Ty::Task(result) if name == "get" => {
                let sig = Signature::of_value(&[], result);
                Some((Callee::TaskGet((**result).clone()), sig, false))
            }
            _ => {
                let m = builtins::method(ty, name)?;
                let raises: Vec<ItemLoc> = m.raises.iter().filter_map(|e| self.prelude_error(e)).collect();
                let sig = Signature {
                    generics: Vec::new(),
                    params: m.params.into_iter().map(|t| (String::new(), t)).collect(),
                    ret: m.ret,
                    self_param: Some(m.mutates),
                    diagnostics: Vec::new(),
                };
                let callee = match ty {
                    // A receiver may be the end of a stream from another unit.
                    Ty::Receiver(item) if !raises.is_empty() => Callee::Recv((**item).clone(), raises),
                    _ => Callee::Builtin(raises),
                };
                Some((callee, sig, m.mutates))
            }
        }
    }

    pub(super) fn trait_method(&mut self, tr: ItemLoc, name: &str) -> Option<(Callee, Signature, bool)> {
        let body = tr.item(self.db).body()?;
        let i = body.methods.iter().find(|m| m.name == name)?;
        let sig = fn_signature(self.db, self.program, FnLoc::method(tr, i)).clone();
        Some((Callee::Trait(tr, name.to_string()), sig, false))
    }

    pub(super) fn prelude_error(&self, name: &str) -> Option<ItemLoc> {
        match self.map.scope(self.map.prelude)?.names.get(name)? {
            Def::Item(loc) => Some(*loc),
            Def::Module(_) => None,
        }
    }

    /// A member of a namespace: a function (to call) or a value (an enum variant).
    /// Type arguments written on a namespace receiver: `Maybe<int>` in `Maybe<int>.Nothing`.
    pub(super) fn explicit_args(&mut self, receiver: ExprId) -> Option<Vec<Ty>> {
        let body = self.body;
        let Expr::Path { generic_args: Some(list), .. } = &body.exprs[receiver] else { return None };
        Some(list.iter().map(|t| self.lower_type(t)).collect())
    }

    /// Type arguments for a generic class or enum named as a namespace: the written
    /// ones (reported when their number is wrong), or fresh variables.
    pub(super) fn namespace_args(&mut self, loc: ItemLoc, explicit: Option<Vec<Ty>>, range: TextRange) -> Vec<Ty> {
        let generics = crate::lower::item_generics(self.db, loc);
        match explicit {
            Some(args) if args.len() == generics.len() => args,
            Some(args) => {
                let name = loc.item(self.db).name.clone();
                self.error(
                    codes::WRONG_TYPE_ARGS,
                    range,
                    format!("`{name}` takes {} type arguments, found {}", generics.len(), args.len()),
                );
                generics.iter().map(|_| Ty::Unknown).collect()
            }
            None => generics.iter().map(|_| self.fresh()).collect(),
        }
    }

    /// A member of the namespace `receiver` names, with the type arguments written on it.
    pub(super) fn namespace_member_of(
        &mut self,
        receiver: ExprId,
        ns: Namespace,
        name: &str,
        range: TextRange,
    ) -> Option<Member> {
        let explicit = self.explicit_args(receiver);
        self.namespace_member(ns, name, range, explicit)
    }

    pub(super) fn namespace_member(
        &mut self,
        ns: Namespace,
        name: &str,
        range: TextRange,
        explicit: Option<Vec<Ty>>,
    ) -> Option<Member> {
        let db = self.db;
        match ns {
            Namespace::Module(file, unit) => {
                let in_module = self.map.scope(file).and_then(|s| s.names.get(name)).copied();
                let in_unit = unit.and_then(|u| self.unit_fn(u, name));
                match (in_module, in_unit) {
                    (Some(_), Some(_)) => {
                        self.error(codes::AMBIGUOUS_NAME, range, format!("`{name}` is ambiguous")).hint = Some(
                            "the module and the deployment unit of the same name both define it: rename one".into(),
                        );
                        None
                    }
                    (None, Some(_)) => self.namespace_member(Namespace::Unit(unit.unwrap()), name, range, None),
                    (Some(Def::Item(loc)), None) => {
                        if !loc.item(db).is_pub {
                            let diag =
                                self.error(codes::PRIVATE_ITEM, range, format!("`{name}` is private to its module"));
                            diag.hint =
                                Some(format!("mark it `pub {}` to use it from other modules", loc.item(db).keyword()));
                            diag.labels.push((loc.name_loc(db), "declared here".into()));
                        }
                        match &loc.item(db).kind {
                            ItemKind::Fn(_) => {
                                let f = FnLoc::Free(loc);
                                Some(Member::Fn(Callee::Fn(f), fn_signature(db, self.program, f).clone()))
                            }
                            _ => {
                                let kind = loc.item(db).kind_name();
                                self.error(
                                    codes::NOT_A_VALUE,
                                    range,
                                    format!("`{name}` is {}, not a value", with_article(kind)),
                                );
                                None
                            }
                        }
                    }
                    (Some(Def::Module(_)), None) => None,
                    (None, None) => {
                        let mut candidates: Vec<String> = self
                            .map
                            .scope(file)
                            .map(|s| {
                                s.names
                                    .iter()
                                    .filter(|(_, d)| matches!(d, Def::Item(l) if l.file == file && l.item(db).is_pub))
                                    .map(|(n, _)| n.clone())
                                    .collect()
                            })
                            .unwrap_or_default();
                        candidates.extend(unit.map(|u| self.unit_fn_names(u)).unwrap_or_default());
                        let hint = suggestion(name, candidates);
                        let diag = self.error(codes::UNRESOLVED_NAME, range, format!("module has no item `{name}`"));
                        diag.label = "not found in the module".into();
                        diag.hint = hint;
                        None
                    }
                }
            }
            Namespace::Unit(unit) => {
                let Some((f, is_pub)) = self.unit_fn(unit, name) else {
                    let unit_name = unit.item(db).name.clone();
                    let hint = suggestion(name, self.unit_fn_names(unit));
                    let diag = self.error(
                        codes::UNRESOLVED_NAME,
                        range,
                        format!("deployment unit `{unit_name}` has no function `{name}`"),
                    );
                    diag.hint = hint;
                    return None;
                };
                let remote = self.unit != Some(unit);
                if remote && !is_pub {
                    let unit_name = unit.item(db).name.clone();
                    let diag =
                        self.error(codes::PRIVATE_REMOTE, range, format!("`{unit_name}.{name}` is not a `pub fn`"));
                    diag.label = "private to its unit".into();
                    diag.hint = Some(format!("only `pub fn`s of `{unit_name}` can be called from other units"));
                    diag.labels.push((f.name_loc(db), "declared here".into()));
                }
                let sig = fn_signature(db, self.program, f).clone();
                Some(Member::Fn(if remote { Callee::Remote(f) } else { Callee::Fn(f) }, sig))
            }
            Namespace::Enum(loc) => {
                let data = adt_data(db, self.program, loc);
                match data.variants.iter().find(|(n, _)| n == name) {
                    Some((_, fields)) if fields.is_empty() => {
                        let args = self.namespace_args(loc, explicit, range);
                        Some(Member::Value(Ty::Adt(loc, args.into())))
                    }
                    Some(_) => {
                        let enum_name = loc.item(db).name.clone();
                        self.error(codes::MISSING_FIELD, range, format!("variant `{enum_name}.{name}` has fields"))
                            .hint = Some(format!("build it with `{enum_name}.{name} {{ field: value }}`"));
                        None
                    }
                    None => {
                        let enum_name = loc.item(db).name.clone();
                        self.error(
                            codes::UNRESOLVED_NAME,
                            range,
                            format!("enum `{enum_name}` has no variant `{name}`"),
                        );
                        None
                    }
                }
            }
            Namespace::Class(loc) => {
                let body = loc.item(db).body()?;
                let Some(method) = body.methods.iter().find(|m| m.name == name) else {
                    let class = loc.item(db).name.clone();
                    self.error(codes::UNKNOWN_METHOD, range, format!("class `{class}` has no function `{name}`"));
                    return None;
                };
                let f = FnLoc::method(loc, method);
                let sig = fn_signature(db, self.program, f).clone();
                if sig.self_param.is_some() {
                    let class = loc.item(db).name.clone();
                    self.error(codes::NOT_CALLABLE, range, format!("`{class}.{name}` is a method: call it on a value"));
                }
                // Static functions of generic classes get the written type arguments, or
                // fresh ones.
                let generics = crate::lower::item_generics(db, loc);
                let args = self.namespace_args(loc, explicit, range);
                let mut sig = sig;
                sig.params = sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&generics, &args))).collect();
                sig.ret = sig.ret.substitute(&generics, &args);
                Some(Member::Fn(Callee::Fn(f), sig))
            }
        }
    }

    /// The names of a unit's functions, along its chain.
    pub(super) fn unit_fn_names(&self, unit: ItemLoc) -> Vec<String> {
        self.map
            .chain(unit)
            .into_iter()
            .filter_map(|owner| owner.item(self.db).body())
            .flat_map(|b| b.methods.iter().map(|m| m.name.clone()))
            .collect()
    }

    /// Function `name` of a unit, anywhere along its chain, and whether it is `pub`.
    pub(super) fn unit_fn(&self, unit: ItemLoc, name: &str) -> Option<(FnLoc, bool)> {
        for owner in self.map.chain(unit) {
            let body = owner.item(self.db).body()?;
            if let Some(method) = body.methods.iter().find(|m| m.name == name) {
                return Some((FnLoc::method(owner, method), method.is_pub));
            }
        }
        None
    }

    /// The signature with the function's own generic parameters replaced by fresh
    /// inference variables.
    pub(super) fn instantiate(&mut self, sig: &Signature) -> Signature {
        if sig.generics.is_empty() {
            return sig.clone();
        }
        let names: Vec<String> = sig.generics.iter().map(|(n, _)| n.clone()).collect();
        let args: Vec<Ty> = names.iter().map(|_| self.fresh()).collect();
        Signature {
            generics: Vec::new(),
            params: sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&names, &args))).collect(),
            ret: sig.ret.substitute(&names, &args),
            self_param: sig.self_param,
            diagnostics: Vec::new(),
        }
    }
}
