//! Patterns in `let`, `for` and `match`, enum variants with field bindings, and `match`
//! exhaustiveness.

use super::*;
use crate::body::{MatchArm, RecordPatField};

impl<'a> Infer<'a> {
    pub(super) fn bind_pattern(&mut self, pattern: PatId, ty: &Ty, report_unused: bool) {
        pluto_syntax::ensure_stack(|| self.bind_pattern_inner(pattern, ty, report_unused))
    }

    fn bind_pattern_inner(&mut self, pattern: PatId, ty: &Ty, report_unused: bool) {
        let body = self.body;
        match &body.pats[pattern] {
            Pat::Missing => {}
            Pat::Bind(b) => {
                self.declare(*b, ty.clone(), report_unused);
            }
            Pat::Wildcard => {}
            Pat::Tuple(elements) => {
                let tys = match self.shallow(ty) {
                    Ty::Tuple(ts) if ts.len() == elements.len() => ts.to_vec(),
                    Ty::Unknown => vec![Ty::Unknown; elements.len()],
                    other => {
                        let shown = self.show(&other);
                        self.error(
                            codes::TYPE_MISMATCH,
                            self.pat_range(pattern),
                            format!("expected a tuple of {} elements, found `{shown}`", elements.len()),
                        );
                        vec![Ty::Unknown; elements.len()]
                    }
                };
                for (e, t) in elements.iter().zip(tys) {
                    self.bind_pattern(*e, &t, report_unused);
                }
            }
            Pat::Literal { expr, negative } => {
                if !self.is_missing(*expr) {
                    if *negative {
                        self.negated_literal = Some(*expr);
                    }
                    let t = self.infer_expr(*expr, Some(ty));
                    self.expect_ty(&t, ty, self.pat_range(pattern));
                }
            }
            Pat::Variant { path, fields } => self.bind_variant_pattern(pattern, path, fields, ty, report_unused),
        }
    }

    /// The variant `name` of enum type `ty`, with its fields (type arguments applied).
    pub(super) fn variant_of(&self, ty: &Ty, name: &str) -> Option<(ItemLoc, Vec<(String, Ty)>)> {
        let Ty::Adt(loc, args) = self.shallow(ty) else { return None };
        let data = adt_data(self.db, self.program, loc);
        let (_, fields) = data.variants.iter().find(|(n, _)| n == name)?;
        Some((loc, fields.iter().map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args))).collect()))
    }

    pub(super) fn bind_variant_pattern(
        &mut self,
        p: PatId,
        path: &[Name],
        fields: &[RecordPatField],
        ty: &Ty,
        report_unused: bool,
    ) {
        let segments: Vec<String> = path.iter().map(|s| s.text.clone()).collect();
        let Some(variant) = segments.last() else { return };
        let range = self.pat_range(p);
        let Some((enum_loc, variant_fields)) = self.variant_of(ty, variant) else {
            if !self.shallow(ty).is_unknown() {
                let shown = self.show(ty);
                self.error(
                    codes::TYPE_MISMATCH,
                    range,
                    format!("`{}` is not a variant of `{shown}`", segments.join(".")),
                )
                .label = "no such variant".into();
            }
            for field in fields {
                if let Some(pat) = field.pat {
                    self.bind_pattern(pat, &Ty::Unknown, report_unused);
                }
                if let Some(b) = field.binding {
                    self.declare(b, Ty::Unknown, report_unused);
                }
            }
            return;
        };
        self.resolve_as(NameSite::PatVariant(p), Target::Variant(enum_loc, variant.clone()));
        for (n, field) in (0u32..).zip(fields) {
            let name = &field.name;
            if name.text.is_empty() {
                continue;
            }
            let field_ty = match variant_fields.iter().find(|(n, _)| *n == name.text) {
                Some((_, t)) => {
                    self.resolve_as(NameSite::PatField(p, n), Target::Field(enum_loc, name.text.clone()));
                    t.clone()
                }
                None => {
                    self.error(
                        codes::UNKNOWN_FIELD,
                        name.range,
                        format!("variant `{variant}` has no field `{}`", name.text),
                    );
                    Ty::Unknown
                }
            };
            if let Some(pat) = field.pat {
                self.bind_pattern(pat, &field_ty, report_unused);
            }
            if let Some(b) = field.binding {
                self.declare(b, field_ty, report_unused);
            }
        }
    }

    pub(super) fn infer_match(
        &mut self,
        range: TextRange,
        scrutinee: ExprId,
        arms: &[MatchArm],
        expected: Option<&Ty>,
    ) -> Ty {
        let body = self.body;
        let scrutinee = self.infer_expr(scrutinee, None);
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
        for arm in arms {
            self.push_scope();
            let pattern = arm.pat;
            match &body.pats[pattern] {
                Pat::Missing => {}
                Pat::Wildcard => catch_all = true,
                Pat::Bind(b) => {
                    let name = body.binding_name(*b);
                    if enum_variants.as_ref().is_some_and(|v| v.contains(&name.text)) {
                        covered.push(name.text.clone());
                    } else {
                        catch_all = true;
                        self.bind_pattern(pattern, &scrutinee, true);
                    }
                }
                Pat::Variant { path, .. } => {
                    if let Some(last) = path.last() {
                        covered.push(last.text.clone());
                    }
                    self.bind_pattern(pattern, &scrutinee, true);
                }
                Pat::Literal { expr, negative } => {
                    if let (Expr::Literal(Literal::Bool(b)), false) = (&body.exprs[*expr], negative) {
                        covered.push(b.to_string());
                    }
                    self.bind_pattern(pattern, &scrutinee, true);
                }
                Pat::Tuple(_) => self.bind_pattern(pattern, &scrutinee, true),
            }
            let arm_ty = self.infer_expr(arm.expr, expected);
            self.pop_scope();
            result = Some(match result {
                None => arm_ty,
                Some(prev) => self.join(prev, arm_ty, arm.range),
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
