//! Struct literals of classes, errors and enum variants (with written type arguments),
//! and the rule that injected classes are never built with a literal.

use super::*;
use crate::body::FieldInit;

impl<'a> Infer<'a> {
    /// The type a struct literal builds and its fields (name, type with the type
    /// arguments applied, whether it has a default); `Err` with the type to give the
    /// literal when it cannot be built (reported here).
    fn struct_lit_shape(
        &mut self,
        range: TextRange,
        segments: &[String],
        generic_args: Option<&[TypeRef]>,
        field_inits: &[FieldInit],
        expected: Option<&Ty>,
    ) -> Result<(Ty, Vec<(String, Ty, bool)>), Ty> {
        let written = segments.join(".");
        let scope = self.type_scope();
        // A class or error, or an enum variant `Enum.Variant`.
        if let Some(loc) = scope.resolve_type_path(&segments) {
            let item = loc.item(self.db);
            match &item.kind {
                ItemKind::Class(body) | ItemKind::Stage(body)
                    if !body.deps.is_empty() || !matches!(item.kind, ItemKind::Class(_)) =>
                {
                    let diag = self.error(
                        codes::DI_LITERAL_OF_INJECTED,
                        range,
                        format!("`{written}` cannot be built with a literal"),
                    );
                    diag.label = "it has injected dependencies".into();
                    diag.hint = Some(
                        "declare it as a bracket dependency (`[name: Type]`) and let the compiler build it".into(),
                    );
                    return Err(Ty::Adt(loc, Arc::from(vec![])));
                }
                ItemKind::Class(_) | ItemKind::Error(_) => {
                    let data: AdtData = adt_data(self.db, self.program, loc).clone();
                    let args: Vec<Ty> = match expected.map(|t| self.shallow(t)) {
                        Some(Ty::Adt(l, a)) if l == loc => a.to_vec(),
                        _ => match generic_args {
                            Some(g) => g.iter().map(|t| self.lower_type(t)).collect(),
                            None => data.generics.iter().map(|_| self.fresh()).collect(),
                        },
                    };
                    let fields = data
                        .fields
                        .iter()
                        .map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args), f.has_default))
                        .collect();
                    Ok((Ty::Adt(loc, args.into()), fields))
                }
                _ => {
                    let kind = item.kind_name();
                    self.error(
                        codes::NOT_A_VALUE,
                        range,
                        format!("`{written}` is a {kind} and cannot be built with a literal"),
                    );
                    return Err(Ty::Unknown);
                }
            }
        } else if let [prefix @ .., variant] = segments
            && !prefix.is_empty()
            && let Some(enum_loc) = scope.resolve_type_path(prefix)
            && matches!(enum_loc.item(self.db).kind, ItemKind::Enum { .. })
        {
            let data = adt_data(self.db, self.program, enum_loc).clone();
            let written: Option<Vec<Ty>> = generic_args.map(|g| g.iter().map(|t| self.lower_type(t)).collect());
            let args: Vec<Ty> = match (written, expected.map(|t| self.shallow(t))) {
                (Some(written), _) => self.namespace_args(enum_loc, Some(written), range),
                (None, Some(Ty::Adt(l, a))) if l == enum_loc => a.to_vec(),
                (None, _) => data.generics.iter().map(|_| self.fresh()).collect(),
            };
            match data.variants.iter().find(|(n, _)| n == variant) {
                Some((_, fields)) => Ok((
                    Ty::Adt(enum_loc, args.clone().into()),
                    fields.iter().map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args), false)).collect(),
                )),
                None => {
                    self.error(
                        codes::UNRESOLVED_NAME,
                        range,
                        format!("enum `{}` has no variant `{variant}`", prefix.join(".")),
                    );
                    return Err(Ty::Unknown);
                }
            }
        } else {
            if let Some(item) = scope.private_item(&segments) {
                let diag = scope.private_diag(item, &written, self.loc(range));
                self.result.diagnostics.push(diag);
            } else {
                let diag = self.error(codes::UNKNOWN_TYPE, range, format!("unknown type `{written}`"));
                diag.label = "not found in this scope".into();
            }
            for field in field_inits {
                if let Some(v) = field.value {
                    self.infer_expr(v, None);
                }
            }
            return Err(Ty::Unknown);
        }
    }

    pub(super) fn infer_struct_lit(
        &mut self,
        lit: ExprId,
        path: &[Name],
        generic_args: Option<&[TypeRef]>,
        field_inits: &[FieldInit],
        expected: Option<&Ty>,
    ) -> Ty {
        let range = self.range(lit);
        let segments: Vec<String> = path.iter().map(|s| s.text.clone()).collect();
        let (ty, fields) = match self.struct_lit_shape(range, &segments, generic_args, field_inits, expected) {
            Ok(shape) => shape,
            Err(ty) => return ty,
        };
        if let Some(last) = path.last() {
            let target = match &ty {
                Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Enum { .. }) => {
                    Some(Target::Variant(*loc, last.text.clone()))
                }
                Ty::Adt(loc, _) => Some(Target::Item(*loc)),
                _ => None,
            };
            if let Some(target) = target {
                self.resolve_as(NameSite::LitType(lit), target);
            }
        }
        let mut given: Vec<String> = Vec::new();
        for (n, field) in (0u32..).zip(field_inits) {
            let name_ref = &field.name;
            if name_ref.text.is_empty() {
                continue;
            }
            let name = name_ref.text.clone();
            if let Ty::Adt(loc, _) = &ty
                && fields.iter().any(|f| f.0 == name)
            {
                // A variant's field is named after its enum, as its declaration is.
                self.resolve_as(NameSite::LitField(lit, n), Target::Field(*loc, name.clone()));
            }
            let field_range = field.range;
            let value_ty = match field.value {
                Some(v) => Some((self.infer_expr(v, fields.iter().find(|f| f.0 == name).map(|f| &f.1)), self.range(v))),
                None => match self.lookup_local(lit, &name) {
                    Some(l) => {
                        // The shorthand `Point { x }` also uses the local `x`.
                        self.resolve_local(NameSite::LitShorthand(lit, n), l);
                        Some((self.use_local(l), field_range))
                    }
                    None => {
                        self.unresolved(&name, field_range);
                        None
                    }
                },
            };
            if given.contains(&name) {
                self.error(codes::DUPLICATE_DEFINITION, field_range, format!("field `{name}` is given twice"));
                continue;
            }
            given.push(name.clone());
            match fields.iter().find(|f| f.0 == name) {
                Some((_, ft, _)) => {
                    if let Some((vt, vr)) = value_ty {
                        self.expect_ty(&vt, ft, vr);
                    }
                }
                None => {
                    let shown = self.show(&ty);
                    let candidates: Vec<&String> = fields.iter().map(|f| &f.0).collect();
                    let suggestion =
                        candidates.iter().map(|c| (edit_distance(c, &name), *c)).filter(|(d, _)| *d <= 2).min();
                    let diag =
                        self.error(codes::UNKNOWN_FIELD, name_ref.range, format!("`{shown}` has no field `{name}`"));
                    if let Some((_, s)) = suggestion {
                        diag.hint = Some(format!("did you mean `{s}`?"));
                    }
                }
            }
        }
        let missing: Vec<String> = fields
            .iter()
            .filter(|(n, _, has_default)| !has_default && !given.contains(n))
            .map(|(n, _, _)| format!("`{n}`"))
            .collect();
        if !missing.is_empty() {
            let shown = self.show(&ty);
            let diag = self.error(
                codes::MISSING_FIELD,
                range,
                format!(
                    "missing field{} {} in `{shown}`",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            );
            diag.label = "every field without a default needs a value".into();
        }
        ty
    }
}
