//! Blocks, statements and expressions. Binary operators are parsed by precedence
//! climbing; postfix forms (`.field`, calls, indexing, `!`, `catch`) bind tightest.
//!
//! Line breaks: a statement ends at a newline, except that a line starting with `.`,
//! `catch`, `else` or a binary operator that cannot begin an expression (anything but
//! `-`) continues the expression of the line before. `(`, `[` and `!` only continue an
//! expression on the same line, so a line starting with them is a new statement.

use super::{Parser, Sep, delimited, items, patterns, types};
use crate::SyntaxKind::{self, *};

pub(crate) fn at_expr_start(p: &Parser<'_>) -> bool {
    matches!(
        p.current(),
        INT_NUMBER
            | FLOAT_NUMBER
            | TRUE_KW
            | FALSE_KW
            | NONE_KW
            | STRING_START
            | SELF_KW
            | IDENT
            | L_PAREN
            | L_BRACK
            | L_BRACE
            | IF_KW
            | MATCH_KW
            | RETURN_KW
            | BREAK_KW
            | CONTINUE_KW
            | RAISE_KW
            | MINUS
            | BANG
            | SPAWN_KW
    )
}

// ---- blocks and statements ---------------------------------------------------------------

pub(super) fn block(p: &mut Parser<'_>) {
    if !p.enter() {
        return;
    }
    p.start_node(BLOCK);
    if !p.expect(L_BRACE) {
        // Without its `{` the block is empty; what follows belongs to the enclosing one.
        p.finish_node();
        p.leave();
        return;
    }
    p.with_struct_literals(true, |p| {
        while !p.at(R_BRACE) && !p.at_eof() {
            if at_declaration_keyword(p) {
                // Most likely the block is missing its `}`: leave the declaration to the
                // enclosing item list rather than swallowing it.
                break;
            }
            statement(p);
        }
    });
    p.expect(R_BRACE);
    p.finish_node();
    p.leave();
}

fn at_declaration_keyword(p: &Parser<'_>) -> bool {
    matches!(
        p.current(),
        FN_KW | CLASS_KW | ENUM_KW | TRAIT_KW | ERROR_KW | STAGE_KW | IMPORT_KW | PUB_KW | REQUIRES_KW | OVERRIDE_KW
    )
}

fn statement(p: &mut Parser<'_>) {
    match p.current() {
        LET_KW => let_statement(p),
        WHILE_KW => {
            p.start_node(WHILE_STMT);
            p.bump();
            condition(p);
            block(p);
            p.finish_node();
        }
        FOR_KW => {
            p.start_node(FOR_STMT);
            p.bump();
            patterns::pattern(p);
            p.expect(IN_KW);
            condition(p);
            block(p);
            p.finish_node();
        }
        SEMICOLON => {
            p.err_and_bump("unexpected `;`: Pluto statements end at a newline");
            return;
        }
        _ if at_expr_start(p) => {
            let cp = p.checkpoint();
            expr(p);
            if is_assign_op(p.current()) {
                p.start_node_at(cp, ASSIGN_STMT);
                p.bump();
                if !expr(p) {
                    p.error_expected("an expression");
                }
            } else {
                p.start_node_at(cp, EXPR_STMT);
            }
            p.finish_node();
        }
        _ => {
            let found = p.found();
            p.err_and_bump(format!("expected a statement, found {found}"));
            p.skip_rest_of_line();
            return;
        }
    }
    items::end_of_line(p);
}

fn is_assign_op(kind: SyntaxKind) -> bool {
    matches!(kind, EQ | PLUS_EQ | MINUS_EQ | STAR_EQ | SLASH_EQ | PERCENT_EQ)
}

fn let_statement(p: &mut Parser<'_>) {
    p.start_node(LET_STMT);
    p.bump();
    patterns::pattern(p);
    if p.eat(COLON) {
        types::ty(p);
    }
    if p.expect(EQ) && !expr(p) {
        p.error_expected("an expression");
    }
    p.finish_node();
}

/// The head of `if`/`while`/`for`/`match`, where `{` opens the body.
fn condition(p: &mut Parser<'_>) {
    let parsed = p.with_struct_literals(false, expr);
    if !parsed {
        p.error_expected("an expression");
    }
}

// ---- expressions -------------------------------------------------------------------------

/// Parses an expression; returns `false` (consuming nothing) if none starts here.
pub(crate) fn expr(p: &mut Parser<'_>) -> bool {
    expr_bp(p, 0)
}

/// Binding powers (left, right) of the binary operator at the current token, and how
/// many tokens it spans.
fn binary_op(p: &Parser<'_>) -> Option<(u8, u8, SyntaxKind, usize)> {
    let (l, r, kind, n) = match p.current() {
        DOT2 | DOT2EQ => (1, 2, p.current(), 1),
        PIPE2 => (3, 4, PIPE2, 1),
        AMP2 => (5, 6, AMP2, 1),
        EQ2 | NEQ | LTEQ => (7, 8, p.current(), 1),
        LT if p.nth_at(1, LT) && p.nth_joined(0) => (15, 16, SHL, 2),
        GT if p.nth_at(1, GT) && p.nth_joined(0) => (15, 16, SHR, 2),
        GT if p.nth_at(1, EQ) && p.nth_joined(0) => (7, 8, GTEQ, 2),
        LT | GT => (7, 8, p.current(), 1),
        PIPE => (9, 10, PIPE, 1),
        CARET => (11, 12, CARET, 1),
        AMP => (13, 14, AMP, 1),
        PLUS | MINUS => (17, 18, p.current(), 1),
        STAR | SLASH | PERCENT => (19, 20, p.current(), 1),
        AS_KW => (21, 22, AS_KW, 1),
        _ => return None,
    };
    Some((l, r, kind, n))
}

fn expr_bp(p: &mut Parser<'_>, min_bp: u8) -> bool {
    if !p.enter() {
        return true;
    }
    let cp = p.checkpoint();
    if !unary(p) {
        p.leave();
        return false;
    }
    while let Some((l_bp, r_bp, kind, n)) = binary_op(p) {
        if l_bp < min_bp || (p.at_newline() && kind == MINUS) {
            break;
        }
        if kind == AS_KW {
            p.start_node_at(cp, CAST_EXPR);
            p.bump();
            types::ty(p);
            p.finish_node();
            continue;
        }
        let node = if matches!(kind, DOT2 | DOT2EQ) { RANGE_EXPR } else { BINARY_EXPR };
        p.start_node_at(cp, node);
        if n == 1 {
            p.bump()
        } else {
            p.bump_joined(kind, n)
        }
        if !expr_bp(p, r_bp) {
            p.error_expected("an expression");
        }
        p.finish_node();
        if node == RANGE_EXPR && matches!(p.current(), DOT2 | DOT2EQ) {
            p.error("ranges cannot be chained: add parentheses");
        }
    }
    p.leave();
    true
}

fn unary(p: &mut Parser<'_>) -> bool {
    let kind = match p.current() {
        MINUS | BANG => PREFIX_EXPR,
        SPAWN_KW => SPAWN_EXPR,
        _ => return postfix(p),
    };
    if !p.enter() {
        return true;
    }
    p.start_node(kind);
    p.bump();
    if !unary(p) {
        p.error_expected("an expression");
    }
    p.finish_node();
    p.leave();
    true
}

fn postfix(p: &mut Parser<'_>) -> bool {
    let cp = p.checkpoint();
    if !primary(p) {
        return false;
    }
    loop {
        match p.current() {
            DOT => {
                p.start_node_at(cp, FIELD_EXPR);
                p.bump();
                if p.at(SELF_KW) {
                    items::name_ref(p);
                } else if p.current().is_keyword() && p.at_newline() {
                    // `x.` then a new line starting with `let`: the name is missing.
                    p.error_expected("a field name");
                } else {
                    items::field_name(p, NAME_REF);
                    // `json.decode<Order>(text)`: type arguments of a called member.
                    if p.at(LT)
                        && let Some(m) = types::scan_generic_args(p, 0)
                        && p.nth_at(m, L_PAREN)
                        && !p.nth_newline(m)
                    {
                        types::generic_args(p);
                    }
                }
                p.finish_node();
            }
            L_PAREN if !p.at_newline() => {
                p.start_node_at(cp, CALL_EXPR);
                arg_list(p);
                p.finish_node();
            }
            L_BRACK if !p.at_newline() => {
                p.start_node_at(cp, INDEX_EXPR);
                p.bump();
                p.with_struct_literals(true, |p| {
                    if !expr(p) {
                        p.error_expected("an index expression");
                    }
                });
                p.expect(R_BRACK);
                p.finish_node();
            }
            BANG if !p.at_newline() => {
                p.start_node_at(cp, PROPAGATE_EXPR);
                p.bump();
                p.finish_node();
            }
            QUESTION if !p.at_newline() => {
                p.start_node_at(cp, TRY_EXPR);
                p.bump();
                p.finish_node();
            }
            CATCH_KW => {
                p.start_node_at(cp, CATCH_EXPR);
                while p.at(CATCH_KW) {
                    catch_clause(p);
                }
                p.finish_node();
            }
            _ => break,
        }
    }
    true
}

fn arg_list(p: &mut Parser<'_>) {
    p.start_node(ARG_LIST);
    delimited(p, (L_PAREN, R_PAREN), Sep::Comma, "an argument", at_expr_start, |p| {
        expr(p);
    });
    p.finish_node();
}

/// `catch e { ... }`, `catch e: NotFound { ... }`, or `catch <default value>`.
fn catch_clause(p: &mut Parser<'_>) {
    p.start_node(CATCH_CLAUSE);
    p.bump(); // catch
    let binding_then_block = p.at(IDENT)
        && p.nth_at(1, L_BRACE)
        && !p.nth_newline(1)
        && !p.nth_text(0).starts_with(|c: char| c.is_uppercase());
    if p.at(IDENT) && p.nth_at(1, COLON) {
        items::name(p);
        p.bump(); // :
        types::ty(p);
        block(p);
    } else if binding_then_block {
        items::name(p);
        block(p);
    } else if !unary(p) {
        p.error_expected("an error binding (`catch e { ... }`) or a default value");
    }
    p.finish_node();
}

fn primary(p: &mut Parser<'_>) -> bool {
    match p.current() {
        INT_NUMBER | FLOAT_NUMBER | TRUE_KW | FALSE_KW | NONE_KW | STRING_START => literal_or_string(p),
        SELF_KW => {
            p.start_node(PATH_EXPR);
            items::name_ref(p);
            p.finish_node();
        }
        IDENT => ident_expr(p),
        L_PAREN => paren_tuple_or_closure(p),
        L_BRACK => {
            p.start_node(ARRAY_LIT);
            delimited(p, (L_BRACK, R_BRACK), Sep::Comma, "an element", at_expr_start, |p| {
                expr(p);
            });
            p.finish_node();
        }
        L_BRACE => {
            p.start_node(BLOCK_EXPR);
            block(p);
            p.finish_node();
        }
        IF_KW => if_expr(p),
        MATCH_KW => match_expr(p),
        RETURN_KW => {
            p.start_node(RETURN_EXPR);
            p.bump();
            if !p.at_newline() && at_expr_start(p) {
                expr(p);
            }
            p.finish_node();
        }
        BREAK_KW | CONTINUE_KW => {
            p.start_node(if p.at(BREAK_KW) { BREAK_EXPR } else { CONTINUE_EXPR });
            p.bump();
            p.finish_node();
        }
        RAISE_KW => {
            p.start_node(RAISE_EXPR);
            p.bump();
            if !expr(p) {
                p.error_expected("the error to raise");
            }
            p.finish_node();
        }
        // Nothing consumed: the caller reports what it expected here.
        _ => return false,
    }
    true
}

/// A literal token or a string literal; used by expressions and literal patterns.
pub(super) fn literal_or_string(p: &mut Parser<'_>) {
    if p.at(STRING_START) {
        string(p);
        return;
    }
    if !matches!(p.current(), INT_NUMBER | FLOAT_NUMBER | TRUE_KW | FALSE_KW | NONE_KW) {
        p.error_expected("a literal");
        return;
    }
    p.start_node(LITERAL);
    p.bump();
    p.finish_node();
}

fn string(p: &mut Parser<'_>) {
    p.start_node(STRING_LIT);
    p.bump(); // " or f"
    loop {
        match p.current() {
            STRING_TEXT => p.bump(),
            INTERP_START => {
                p.start_node(INTERPOLATION);
                p.bump();
                let parsed = p.with_struct_literals(true, expr);
                if !parsed {
                    p.error_expected("an expression inside `{}` (write `{{` for a literal brace)");
                }
                if !p.at(INTERP_END) && !p.at_eof() && !p.at_newline() {
                    let found = p.found();
                    p.error(format!("expected `}}` to close the interpolation, found {found}"));
                    p.start_node(ERROR);
                    while !p.at(INTERP_END) && !p.at_eof() && !p.at_newline() {
                        p.bump();
                    }
                    p.finish_node();
                }
                p.eat(INTERP_END);
                p.finish_node();
            }
            STRING_END => {
                p.bump();
                break;
            }
            // Unterminated: the lexer has reported it.
            _ => break,
        }
    }
    p.finish_node();
}

/// A name, a generic call head (`chan<int>(16)`), or a brace literal (`Order { ... }`,
/// `Map<string, int> { ... }`, `Set<int> { ... }`).
fn ident_expr(p: &mut Parser<'_>) {
    if !p.no_struct_literal {
        // `a.b.C`, with type arguments after any segment: `Map<string, int>`,
        // `Maybe<int>.Just`.
        let mut n = 1;
        let mut last_segment = 0;
        let mut has_args = false;
        loop {
            if p.nth_at(n, DOT) && p.nth_at(n + 1, IDENT) {
                last_segment = n + 1;
                n += 2;
            } else if !has_args && p.nth_at(n, LT) {
                match types::scan_generic_args(p, n) {
                    Some(m) => {
                        has_args = true;
                        n = m;
                    }
                    None => break,
                }
            } else {
                break;
            }
        }
        if p.nth_at(n, L_BRACE) && !p.nth_newline(n) {
            let kind = match p.nth_text(last_segment) {
                "Map" => MAP_LIT,
                "Set" => SET_LIT,
                _ => STRUCT_LIT,
            };
            brace_literal(p, kind);
            return;
        }
    }
    p.start_node(PATH_EXPR);
    items::name_ref(p);
    if p.at(LT)
        && let Some(m) = types::scan_generic_args(p, 0)
        && matches!(p.nth(m), L_PAREN | DOT)
        && !p.nth_newline(m)
    {
        types::generic_args(p);
    }
    p.finish_node();
}

fn brace_literal(p: &mut Parser<'_>, kind: SyntaxKind) {
    p.start_node(kind);
    p.start_node(PATH_TYPE);
    // Type arguments before a later segment (`Maybe<int>.Just`) stay inside the path.
    p.start_node(PATH);
    items::name_ref(p);
    loop {
        if p.at(DOT) && p.nth_at(1, IDENT) {
            p.bump();
            items::name_ref(p);
        } else if p.at(LT) && types::scan_generic_args(p, 0).is_some_and(|m| p.nth_at(m, DOT)) {
            types::generic_args(p);
        } else {
            break;
        }
    }
    p.finish_node();
    if p.at(LT) {
        types::generic_args(p);
    }
    p.finish_node();
    match kind {
        MAP_LIT => delimited(p, (L_BRACE, R_BRACE), Sep::Comma, "a map entry (`key: value`)", at_expr_start, |p| {
            p.start_node(MAP_ENTRY);
            expr(p);
            p.expect(COLON);
            if !expr(p) {
                p.error_expected("a value");
            }
            p.finish_node();
        }),
        SET_LIT => delimited(p, (L_BRACE, R_BRACE), Sep::Comma, "an element", at_expr_start, |p| {
            expr(p);
        }),
        _ => delimited(p, (L_BRACE, R_BRACE), Sep::Comma, "a field (`name: value`)", items::at_field_name, |p| {
            p.start_node(FIELD_INIT);
            items::field_name(p, NAME_REF);
            if p.eat(COLON) && !expr(p) {
                p.error_expected("a value");
            }
            p.finish_node();
        }),
    }
    p.finish_node();
}

/// Finds the `)` matching the `(` at the current token, looking at most a few hundred
/// tokens ahead.
fn matching_paren(p: &Parser<'_>) -> Option<usize> {
    let mut depth = 0u32;
    for n in 0..512 {
        match p.nth(n) {
            L_PAREN => depth += 1,
            R_PAREN => {
                depth -= 1;
                if depth == 0 {
                    return Some(n);
                }
            }
            EOF => return None,
            _ => {}
        }
    }
    None
}

fn paren_tuple_or_closure(p: &mut Parser<'_>) {
    if let Some(close) = matching_paren(p)
        && p.nth_at(close + 1, FAT_ARROW)
    {
        p.start_node(CLOSURE_EXPR);
        items::param_list(p);
        p.bump(); // =>
        if p.at(L_BRACE) {
            p.start_node(BLOCK_EXPR);
            block(p);
            p.finish_node();
        } else if !expr(p) {
            p.error_expected("the closure's body");
        }
        p.finish_node();
        return;
    }
    let cp = p.checkpoint();
    p.bump(); // (
    let mut elements = 0;
    let mut trailing_comma = false;
    p.with_struct_literals(true, |p| {
        while !p.at(R_PAREN) && !p.at_eof() {
            if !expr(p) {
                break;
            }
            elements += 1;
            trailing_comma = p.eat(COMMA);
            if !trailing_comma {
                break;
            }
        }
    });
    p.expect(R_PAREN);
    let kind = if elements == 1 && !trailing_comma { PAREN_EXPR } else { TUPLE_EXPR };
    p.start_node_at(cp, kind);
    p.finish_node();
}

/// `if c { } else if d { } else { }`: each `else if` is an `IF_EXPR` nested in the one
/// before, built in a loop so a long chain needs no recursion.
fn if_expr(p: &mut Parser<'_>) {
    let mut open = 0;
    loop {
        p.start_node(IF_EXPR);
        open += 1;
        p.bump(); // if
        condition(p);
        block(p);
        if !p.eat(ELSE_KW) {
            break;
        }
        if !p.at(IF_KW) {
            block(p);
            break;
        }
    }
    for _ in 0..open {
        p.finish_node();
    }
}

fn match_expr(p: &mut Parser<'_>) {
    p.start_node(MATCH_EXPR);
    p.bump(); // match
    condition(p);
    p.start_node(MATCH_ARM_LIST);
    delimited(
        p,
        (L_BRACE, R_BRACE),
        Sep::CommaOrNewline,
        "a match arm (`pattern => value`)",
        patterns::at_pattern_start,
        |p| {
            p.start_node(MATCH_ARM);
            patterns::pattern(p);
            p.expect(FAT_ARROW);
            if !expr(p) {
                p.error_expected("an expression");
            }
            p.finish_node();
        },
    );
    p.finish_node();
    p.finish_node();
}
