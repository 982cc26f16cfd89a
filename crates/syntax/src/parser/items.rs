//! Items: imports, functions, classes, enums, traits, errors, stage templates, and
//! instances (`daemon Worker[deps] { ... }`), plus the member lists they share.

use super::{Parser, Sep, delimited, expressions, types};
use crate::SyntaxKind::{self, *};

pub(super) fn source_file(p: &mut Parser<'_>) {
    p.start_root(SOURCE_FILE);
    while !p.at_eof() {
        if !item(p, ItemContext::TopLevel) {
            recover_to_item(p);
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum ItemContext {
    TopLevel,
    /// Inside the body of a class, stage, instance or trait.
    Member,
}

/// Whether the current token can begin an item (or a member, in a body).
fn at_item_start(p: &Parser<'_>) -> bool {
    match p.current() {
        IMPORT_KW | PUB_KW | REQUIRES_KW | OVERRIDE_KW | FN_KW | CLASS_KW | ENUM_KW | TRAIT_KW | ERROR_KW
        | STAGE_KW => true,
        IDENT => p.nth_at(1, IDENT),
        _ => false,
    }
}

/// Skips tokens into an `ERROR` node until something that starts an item at the
/// beginning of a line.
fn recover_to_item(p: &mut Parser<'_>) {
    let found = p.found();
    p.error_at_current(format!(
        "expected an item (`fn`, `class`, `enum`, `trait`, `error`, `stage`, `import` or an instance), found {found}"
    ));
    p.start_node(ERROR);
    let mut depth = 0u32;
    loop {
        match p.current() {
            L_BRACE => depth += 1,
            R_BRACE => depth = depth.saturating_sub(1),
            _ => {}
        }
        p.bump();
        if p.at_eof() || (depth == 0 && p.at_newline() && at_item_start(p)) {
            break;
        }
    }
    p.finish_node();
}

/// Parses one item if the current token starts one; returns whether it did.
pub(super) fn item(p: &mut Parser<'_>, ctx: ItemContext) -> bool {
    if p.at(IMPORT_KW) {
        if ctx == ItemContext::Member {
            p.err_and_bump("`import` belongs at the top of a file");
            p.skip_rest_of_line();
        } else {
            import(p);
        }
        return true;
    }
    let cp = p.checkpoint();
    let mut modifiers = 0;
    while matches!(p.current(), PUB_KW | REQUIRES_KW | OVERRIDE_KW) {
        p.bump();
        modifiers += 1;
    }
    let kind = match p.current() {
        FN_KW => FN,
        CLASS_KW => CLASS,
        ENUM_KW => ENUM,
        TRAIT_KW => TRAIT,
        ERROR_KW => ERROR_DECL,
        STAGE_KW => STAGE,
        // `template Name { ... }`; with the name missing (`daemon {`) it is still meant
        // as an instance.
        IDENT if ctx == ItemContext::TopLevel && matches!(p.nth(1), IDENT | L_BRACE | L_BRACK) => INSTANCE,
        _ if modifiers > 0 => {
            p.start_node_at(cp, ERROR);
            p.error_expected("`fn` or a declaration after the modifier");
            p.finish_node();
            return true;
        }
        _ => return false,
    };
    if !p.enter() {
        return true;
    }
    p.start_node_at(cp, kind);
    match kind {
        FN => function(p),
        CLASS => class(p),
        ENUM => enumeration(p),
        TRAIT => trait_decl(p),
        ERROR_DECL => error_decl(p),
        STAGE => stage(p),
        _ => instance(p),
    }
    p.finish_node();
    p.leave();
    true
}

fn import(p: &mut Parser<'_>) {
    p.start_node(IMPORT);
    p.bump();
    path(p);
    p.finish_node();
    end_of_line(p);
}

/// `a.b.c` as a `PATH` of `NAME_REF`s.
pub(super) fn path(p: &mut Parser<'_>) {
    p.start_node(PATH);
    name_ref(p);
    while p.at(DOT) && p.nth_at(1, IDENT) {
        p.bump();
        name_ref(p);
    }
    p.finish_node();
}

pub(super) fn name(p: &mut Parser<'_>) {
    if p.at(IDENT) {
        p.start_node(NAME);
        p.bump();
        p.finish_node();
    } else {
        p.error_expected("a name");
    }
}

/// Whether the current token names a field: a name, or a keyword followed by `:`
/// (`NetworkError { stage: string }`).
pub(super) fn at_field_name(p: &Parser<'_>) -> bool {
    p.at(IDENT) || (p.current().is_keyword() && p.nth_at(1, COLON))
}

/// A field name where keywords are allowed (`e.stage`, `{ stage: ... }`); a keyword is
/// added to the tree as an `IDENT`.
pub(super) fn field_name(p: &mut Parser<'_>, kind: SyntaxKind) {
    if p.at(IDENT) || p.current().is_keyword() {
        p.start_node(kind);
        p.bump_as(IDENT);
        p.finish_node();
    } else {
        p.error_expected("a field name");
    }
}

pub(super) fn name_ref(p: &mut Parser<'_>) {
    if p.at(IDENT) || p.at(SELF_KW) {
        p.start_node(NAME_REF);
        p.bump();
        p.finish_node();
    } else {
        p.error_expected("a name");
    }
}

/// Reports anything left on the line after a complete item or statement.
pub(super) fn end_of_line(p: &mut Parser<'_>) {
    if p.at_eof() || p.at_newline() || p.at(R_BRACE) {
        return;
    }
    if p.at(SEMICOLON) {
        p.err_and_bump("unexpected `;`: Pluto statements end at a newline");
        return;
    }
    let found = p.found();
    p.error(format!("expected a new line, found {found}"));
    p.skip_rest_of_line();
}

fn function(p: &mut Parser<'_>) {
    p.bump(); // fn
    name(p);
    if p.at(LT) {
        generic_params(p);
    }
    if p.at(L_PAREN) {
        param_list(p);
    } else {
        p.error_expected("`(` to start the parameters");
    }
    if p.at(MINUS) && p.nth_at(1, GT) {
        p.error("Pluto has no `->`: write the return type right after the parameters, as in `fn f() int`");
        p.start_node(ERROR);
        p.bump();
        p.bump();
        p.finish_node();
    }
    if !p.at_newline() && types::at_type_start(p) {
        p.start_node(RET_TYPE);
        types::ty(p);
        p.finish_node();
    }
    if p.at(L_BRACE) {
        expressions::block(p);
    }
    end_of_line(p);
}

pub(super) fn param_list(p: &mut Parser<'_>) {
    p.start_node(PARAM_LIST);
    delimited(
        p,
        (L_PAREN, R_PAREN),
        Sep::Comma,
        "a parameter",
        |p| matches!(p.current(), IDENT | SELF_KW | MUT_KW),
        param,
    );
    p.finish_node();
}

fn param(p: &mut Parser<'_>) {
    if p.at(SELF_KW) || (p.at(MUT_KW) && p.nth_at(1, SELF_KW)) {
        p.start_node(SELF_PARAM);
        p.eat(MUT_KW);
        p.bump();
        p.finish_node();
        return;
    }
    p.start_node(PARAM);
    if p.at(MUT_KW) {
        p.bump();
    }
    name(p);
    if p.eat(COLON) {
        types::ty(p);
    }
    p.finish_node();
}

pub(super) fn generic_params(p: &mut Parser<'_>) {
    p.start_node(GENERIC_PARAM_LIST);
    delimited(
        p,
        (LT, GT),
        Sep::Comma,
        "a type parameter",
        |p| p.at(IDENT),
        |p| {
            p.start_node(GENERIC_PARAM);
            name(p);
            if p.eat(COLON) {
                types::ty(p);
            }
            p.finish_node();
        },
    );
    p.finish_node();
}

fn dep_list(p: &mut Parser<'_>) {
    p.start_node(DEP_LIST);
    delimited(
        p,
        (L_BRACK, R_BRACK),
        Sep::Comma,
        "a dependency (`name: Type`)",
        |p| p.at(IDENT),
        |p| {
            p.start_node(DEP);
            name(p);
            p.expect(COLON);
            types::ty(p);
            p.finish_node();
        },
    );
    p.finish_node();
}

fn class(p: &mut Parser<'_>) {
    p.bump(); // class
    name(p);
    if p.at(LT) {
        generic_params(p);
    }
    if p.at(L_BRACK) {
        dep_list(p);
    }
    if p.at(IMPL_KW) {
        p.start_node(IMPL_CLAUSE);
        p.bump();
        types::ty(p);
        while p.eat(COMMA) {
            types::ty(p);
        }
        p.finish_node();
    }
    member_list(p);
}

fn trait_decl(p: &mut Parser<'_>) {
    p.bump(); // trait
    name(p);
    if p.at(LT) {
        generic_params(p);
    }
    member_list(p);
}

fn stage(p: &mut Parser<'_>) {
    p.bump(); // stage
    name(p);
    if p.at(LT) {
        generic_params(p);
    }
    // `[deps]` and `: Parent` may come in either order.
    loop {
        if p.at(L_BRACK) {
            dep_list(p);
        } else if p.at(COLON) {
            p.start_node(PARENT_CLAUSE);
            p.bump();
            types::ty(p);
            p.finish_node();
        } else {
            break;
        }
    }
    member_list(p);
}

fn instance(p: &mut Parser<'_>) {
    name_ref(p); // the template, in snake_case
    name(p);
    if p.at(L_BRACK) {
        dep_list(p);
    }
    member_list(p);
}

fn error_decl(p: &mut Parser<'_>) {
    p.bump(); // error
    name(p);
    if p.at(L_BRACE) {
        field_list(p);
    }
    end_of_line(p);
}

fn enumeration(p: &mut Parser<'_>) {
    p.bump(); // enum
    name(p);
    if p.at(LT) {
        generic_params(p);
    }
    // Variants may be separated by commas, newlines or just spaces: `{ Active  Paused }`.
    p.start_node(VARIANT_LIST);
    p.expect(L_BRACE);
    while !p.at(R_BRACE) && !p.at_eof() {
        if p.at(IDENT) {
            p.start_node(VARIANT);
            name(p);
            if p.at(L_BRACE) {
                field_list(p);
            }
            p.finish_node();
            p.eat(COMMA);
        } else if at_item_start(p) {
            break;
        } else {
            let found = p.found();
            p.err_and_bump(format!("expected a variant, found {found}"));
        }
    }
    p.expect(R_BRACE);
    p.finish_node();
}

/// `{ name: Type, ... }`: the fields of an error or of an enum variant.
fn field_list(p: &mut Parser<'_>) {
    p.start_node(FIELD_LIST);
    delimited(p, (L_BRACE, R_BRACE), Sep::CommaOrNewline, "a field (`name: Type`)", at_field_name, field);
    p.finish_node();
}

fn field(p: &mut Parser<'_>) {
    p.start_node(FIELD);
    field_name(p, NAME);
    p.expect(COLON);
    if p.at_newline() {
        p.error_expected("a type");
    } else {
        types::ty(p);
    }
    if p.eat(EQ) && !expressions::expr(p) {
        p.error_expected("a default value");
    }
    p.finish_node();
}

/// The `{ ... }` body of a class, trait, stage or instance: fields, methods (with
/// `pub`/`requires`/`override`), and nested declarations such as errors.
fn member_list(p: &mut Parser<'_>) {
    p.start_node(MEMBER_LIST);
    if !p.expect(L_BRACE) {
        p.finish_node();
        return;
    }
    while !p.at(R_BRACE) && !p.at_eof() {
        if (p.at(IDENT) || p.current().is_keyword()) && p.nth_at(1, COLON) {
            field(p);
            if !p.eat(COMMA) {
                end_of_line(p);
            }
        } else if p.at(COMMA) {
            p.bump();
        } else if !item(p, ItemContext::Member) {
            let found = p.found();
            p.err_and_bump(format!("expected a field or a method, found {found}"));
            p.skip_rest_of_line();
        }
    }
    p.expect(R_BRACE);
    p.finish_node();
}
