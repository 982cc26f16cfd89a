//! Types: named and generic types (`Map<string, int>`, `http.Router`), arrays `[T]`,
//! nullable `T?`, function types `fn(int) bool` and tuples `(A, B)`.

use super::{Parser, Sep, delimited, items};
use crate::SyntaxKind::*;

pub(super) fn at_type_start(p: &Parser<'_>) -> bool {
    matches!(p.current(), IDENT | L_BRACK | FN_KW | L_PAREN)
}

pub(super) fn ty(p: &mut Parser<'_>) {
    if !at_type_start(p) {
        p.error_expected("a type");
        return;
    }
    if !p.enter() {
        return;
    }
    let cp = p.checkpoint();
    match p.current() {
        IDENT => {
            p.start_node(PATH_TYPE);
            items::path(p);
            if p.at(LT) {
                generic_args(p);
            }
            p.finish_node();
        }
        L_BRACK => {
            p.start_node(ARRAY_TYPE);
            p.bump();
            ty(p);
            p.expect(R_BRACK);
            p.finish_node();
        }
        FN_KW => {
            p.start_node(FN_TYPE);
            p.bump();
            type_list(p);
            if !p.at_newline() && at_type_start(p) && !p.at(L_PAREN) {
                p.start_node(RET_TYPE);
                ty(p);
                p.finish_node();
            }
            p.finish_node();
        }
        _ => {
            p.start_node(TUPLE_TYPE);
            type_list(p);
            p.finish_node();
        }
    }
    while p.at(QUESTION) && !p.at_newline() {
        p.start_node_at(cp, NULLABLE_TYPE);
        p.bump();
        p.finish_node();
    }
    p.leave();
}

fn type_list(p: &mut Parser<'_>) {
    p.start_node(TYPE_LIST);
    delimited(p, (L_PAREN, R_PAREN), Sep::Comma, "a type", at_type_start, ty);
    p.finish_node();
}

pub(super) fn generic_args(p: &mut Parser<'_>) {
    p.start_node(GENERIC_ARG_LIST);
    delimited(p, (LT, GT), Sep::Comma, "a type argument", at_type_start, ty);
    p.finish_node();
}

/// Looks ahead from a `<` at token `n` for a list of type arguments closed by `>`,
/// without consuming anything; returns the index just past the `>`.
pub(super) fn scan_generic_args(p: &Parser<'_>, mut n: usize) -> Option<usize> {
    debug_assert!(p.nth_at(n, LT));
    let mut depth = 0u32;
    loop {
        match p.nth(n) {
            LT | L_PAREN | L_BRACK => depth += 1,
            GT | R_PAREN | R_BRACK => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return if p.nth(n) == GT { Some(n + 1) } else { None };
                }
            }
            IDENT | COMMA | DOT | QUESTION | FN_KW | COLON => {}
            _ => return None,
        }
        n += 1;
        if n > 64 {
            return None;
        }
    }
}
