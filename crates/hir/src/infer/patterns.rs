//! Patterns in `let`, `for` and `match`, enum variants with field bindings, and `match`
//! exhaustiveness.

use super::*;

impl<'a> Infer<'a> {
    pub(super) fn bind_pattern(&mut self, pattern: &ast::Pattern, ty: &Ty, report_unused: bool) {
        match pattern {
            ast::Pattern::IdentPat(p) => {
                let Some(name) = p.name() else { return };
                let range = name.syntax().text_range();
                self.declare(&name.text(), ty.clone(), p.is_mut(), range, report_unused);
            }
            ast::Pattern::WildcardPat(_) => {}
            ast::Pattern::TuplePat(p) => {
                let elements: Vec<ast::Pattern> = p.elements().collect();
                let tys = match self.shallow(ty) {
                    Ty::Tuple(ts) if ts.len() == elements.len() => ts.to_vec(),
                    Ty::Unknown => vec![Ty::Unknown; elements.len()],
                    other => {
                        let shown = self.show(&other);
                        self.error(
                            codes::TYPE_MISMATCH,
                            p.syntax().text_range(),
                            format!("expected a tuple of {} elements, found `{shown}`", elements.len()),
                        );
                        vec![Ty::Unknown; elements.len()]
                    }
                };
                for (e, t) in elements.iter().zip(tys) {
                    self.bind_pattern(e, &t, report_unused);
                }
            }
            ast::Pattern::LiteralPat(p) => {
                if let Some(lit) = p.literal() {
                    let t = self.infer_expr(&lit, Some(ty));
                    self.expect_ty(&t, ty, p.syntax().text_range());
                }
            }
            ast::Pattern::VariantPat(p) => self.bind_variant_pattern(p, ty, report_unused),
        }
    }

    /// The variant `name` of enum type `ty`, with its fields (type arguments applied).
    pub(super) fn variant_of(&self, ty: &Ty, name: &str) -> Option<(ItemLoc, Vec<(String, Ty)>)> {
        let Ty::Adt(loc, args) = self.shallow(ty) else { return None };
        let data = adt_data(self.db, self.program, loc);
        let (_, fields) = data.variants.iter().find(|(n, _)| n == name)?;
        Some((loc, fields.iter().map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args))).collect()))
    }

    pub(super) fn bind_variant_pattern(&mut self, p: &ast::VariantPat, ty: &Ty, report_unused: bool) {
        let segments: Vec<String> = p.path().map(|p| p.segments().map(|s| s.text()).collect()).unwrap_or_default();
        let Some(variant) = segments.last() else { return };
        let range = p.syntax().text_range();
        if let Some((enum_loc, _)) = self.variant_of(ty, variant)
            && let Some(last) = p.path().and_then(|p| p.segments().last())
        {
            self.resolve_as(&last, Target::Variant(enum_loc, variant.clone()));
        }
        let Some((enum_loc, fields)) = self.variant_of(ty, variant) else {
            if !self.shallow(ty).is_unknown() {
                let shown = self.show(ty);
                self.error(
                    codes::TYPE_MISMATCH,
                    range,
                    format!("`{}` is not a variant of `{shown}`", segments.join(".")),
                )
                .label = "no such variant".into();
            }
            for field in p.fields() {
                if let Some(pat) = field.pattern() {
                    self.bind_pattern(&pat, &Ty::Unknown, report_unused);
                } else if let Some(name) = field.name_ref() {
                    self.declare(&name.text(), Ty::Unknown, false, name.syntax().text_range(), report_unused);
                }
            }
            return;
        };
        for field in p.fields() {
            let Some(name) = field.name_ref() else { continue };
            let field_ty = match fields.iter().find(|(n, _)| *n == name.text()) {
                Some((_, t)) => {
                    self.resolve_as(&name, Target::Field(enum_loc, name.text()));
                    t.clone()
                }
                None => {
                    self.error(
                        codes::UNKNOWN_FIELD,
                        name.syntax().text_range(),
                        format!("variant `{variant}` has no field `{}`", name.text()),
                    );
                    Ty::Unknown
                }
            };
            match field.pattern() {
                Some(pat) => self.bind_pattern(&pat, &field_ty, report_unused),
                None => {
                    self.declare(&name.text(), field_ty, false, name.syntax().text_range(), report_unused);
                }
            }
        }
    }

    pub(super) fn infer_match(&mut self, m: &ast::MatchExpr, expected: Option<&Ty>) -> Ty {
        let scrutinee = m.scrutinee().map(|e| self.infer_expr(&e, None)).unwrap_or(Ty::Unknown);
        let scrutinee = self.shallow(&scrutinee);
        let mut result: Option<Ty> = None;
        let mut covered: Vec<String> = Vec::new();
        let mut catch_all = false;
        let enum_variants: Option<Vec<String>> = match &scrutinee {
            Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Enum { .. }) => {
                Some(adt_data(self.db, self.program, *loc).variants.iter().map(|(n, _)| n.clone()).collect())
            }
            _ => None,
        };
        for arm in m.arms() {
            self.push_scope();
            if let Some(pattern) = arm.pattern() {
                match &pattern {
                    ast::Pattern::WildcardPat(_) => catch_all = true,
                    ast::Pattern::IdentPat(p) => {
                        let name = p.name().map(|n| n.text()).unwrap_or_default();
                        if enum_variants.as_ref().is_some_and(|v| v.contains(&name)) {
                            covered.push(name);
                        } else {
                            catch_all = true;
                            self.bind_pattern(&pattern, &scrutinee, true);
                        }
                    }
                    ast::Pattern::VariantPat(p) => {
                        if let Some(last) = p.path().and_then(|p| p.segments().last()) {
                            covered.push(last.text());
                        }
                        self.bind_pattern(&pattern, &scrutinee, true);
                    }
                    ast::Pattern::LiteralPat(lit) => {
                        if lit.literal().is_some_and(|l| matches!(&l, ast::Expr::Literal(t) if t.token().is_some_and(|t| matches!(t.kind(), SyntaxKind::TRUE_KW | SyntaxKind::FALSE_KW)))) {
                            covered.push(lit.syntax().text().to_string());
                        }
                        self.bind_pattern(&pattern, &scrutinee, true);
                    }
                    ast::Pattern::TuplePat(_) => self.bind_pattern(&pattern, &scrutinee, true),
                }
            }
            let arm_ty = arm.expr().map_or(Ty::Unknown, |e| self.infer_expr(&e, expected));
            self.pop_scope();
            result = Some(match result {
                None => arm_ty,
                Some(prev) => self.join(prev, arm_ty, arm.syntax().text_range()),
            });
        }
        let exhaustive = catch_all
            || scrutinee.is_unknown()
            || match &enum_variants {
                Some(variants) => variants.iter().all(|v| covered.contains(v)),
                None => {
                    scrutinee == Ty::Bool && covered.iter().any(|c| c == "true") && covered.iter().any(|c| c == "false")
                }
            };
        if !exhaustive {
            let range = m.syntax().text_range();
            let missing = match &enum_variants {
                Some(variants) => {
                    let missing: Vec<String> =
                        variants.iter().filter(|v| !covered.contains(v)).map(|v| format!("`{v}`")).collect();
                    format!("missing {}", missing.join(", "))
                }
                None => format!("a `match` on `{}` needs a `_` arm", self.show(&scrutinee)),
            };
            self.error(codes::NON_EXHAUSTIVE, range, format!("non-exhaustive match: {missing}")).hint =
                Some("add the missing arms, or `_ => ...` for the rest".into());
        }
        result.unwrap_or(Ty::Void)
    }
}
