//! Accessors of declarations and written types.

use super::*;

impl SourceFile {
    pub fn items(&self) -> impl Iterator<Item = Item> + use<> {
        children(&self.syntax)
    }
    pub fn imports(&self) -> impl Iterator<Item = Import> + use<> {
        children(&self.syntax)
    }
}

impl Import {
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
}

impl Name {
    pub fn text(&self) -> String {
        self.ident().map_or_else(String::new, |t| t.text().to_string())
    }
    pub fn ident(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
}

impl NameRef {
    pub fn text(&self) -> String {
        self.token().map_or_else(String::new, |t| t.text().to_string())
    }
    pub fn token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn is_self(&self) -> bool {
        self.token().is_some_and(|t| t.kind() == SELF_KW)
    }
}

impl Path {
    pub fn segments(&self) -> impl Iterator<Item = NameRef> + use<> {
        children(&self.syntax)
    }
    /// The segments joined with dots, as written (`std.http.HttpServer`).
    pub fn text(&self) -> String {
        self.segments().map(|s| s.text()).collect::<Vec<_>>().join(".")
    }
}

impl Fn {
    pub fn param_list(&self) -> Option<ParamList> {
        child(&self.syntax)
    }
    pub fn ret_type(&self) -> Option<Type> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
    pub fn is_pub(&self) -> bool {
        token(&self.syntax, PUB_KW).is_some()
    }
    pub fn is_requires(&self) -> bool {
        token(&self.syntax, REQUIRES_KW).is_some()
    }
    pub fn is_override(&self) -> bool {
        token(&self.syntax, OVERRIDE_KW).is_some()
    }
}

impl ParamList {
    pub fn self_param(&self) -> Option<SelfParam> {
        child(&self.syntax)
    }
    pub fn params(&self) -> impl Iterator<Item = Param> + use<> {
        children(&self.syntax)
    }
}

impl Param {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
    pub fn is_mut(&self) -> bool {
        token(&self.syntax, MUT_KW).is_some()
    }
}

impl SelfParam {
    pub fn is_mut(&self) -> bool {
        token(&self.syntax, MUT_KW).is_some()
    }
}

impl RetType {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl GenericParamList {
    pub fn params(&self) -> impl Iterator<Item = GenericParam> + use<> {
        children(&self.syntax)
    }
}

impl GenericParam {
    pub fn bound(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl GenericArgList {
    pub fn types(&self) -> impl Iterator<Item = Type> + use<> {
        children(&self.syntax)
    }
}

impl DepList {
    pub fn deps(&self) -> impl Iterator<Item = Dep> + use<> {
        children(&self.syntax)
    }
}

impl Dep {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl Class {
    pub fn impl_clause(&self) -> Option<ImplClause> {
        child(&self.syntax)
    }
}

impl ImplClause {
    pub fn traits(&self) -> impl Iterator<Item = Type> + use<> {
        children(&self.syntax)
    }
}

impl Stage {
    /// The parent template named after `:`.
    pub fn parent(&self) -> Option<Type> {
        child::<ParentClause>(&self.syntax).and_then(|p| child(&p.syntax))
    }
}

impl Instance {
    /// The template keyword, in snake_case (`daemon`, `http_server`).
    pub fn template(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
}

impl MemberList {
    pub fn fields(&self) -> impl Iterator<Item = Field> + use<> {
        children(&self.syntax)
    }
    pub fn fns(&self) -> impl Iterator<Item = Fn> + use<> {
        children(&self.syntax)
    }
    pub fn items(&self) -> impl Iterator<Item = Item> + use<> {
        children(&self.syntax)
    }
}

impl Field {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
    pub fn default_value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl FieldList {
    pub fn fields(&self) -> impl Iterator<Item = Field> + use<> {
        children(&self.syntax)
    }
}

impl ErrorDecl {
    pub fn field_list(&self) -> Option<FieldList> {
        child(&self.syntax)
    }
}

impl Enum {
    pub fn variants(&self) -> impl Iterator<Item = Variant> + use<> {
        child::<VariantList>(&self.syntax).into_iter().flat_map(|l| children::<Variant>(&l.syntax))
    }
}

impl Variant {
    pub fn field_list(&self) -> Option<FieldList> {
        child(&self.syntax)
    }
}

impl PathType {
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    /// The type arguments after the path, or inside it (`Maybe<int>.Just { ... }`).
    pub fn generic_args(&self) -> Option<GenericArgList> {
        child(&self.syntax).or_else(|| self.path().and_then(|p| child(&p.syntax)))
    }
}

impl ArrayType {
    pub fn element(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl NullableType {
    pub fn inner(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl FnType {
    pub fn params(&self) -> impl Iterator<Item = Type> + use<> {
        child::<TypeList>(&self.syntax).into_iter().flat_map(|l| children::<Type>(&l.syntax))
    }
    pub fn ret_type(&self) -> Option<Type> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
}

impl TupleType {
    pub fn elements(&self) -> impl Iterator<Item = Type> + use<> {
        child::<TypeList>(&self.syntax).into_iter().flat_map(|l| children::<Type>(&l.syntax))
    }
}
