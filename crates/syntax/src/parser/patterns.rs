//! Patterns, in `let`, `for` and `match`: bindings (`x`, `mut x`), `_`, literals,
//! tuples `(a, b)`, and enum variants with fields (`Status.Suspended { reason }`).

use super::{Parser, Sep, delimited, expressions, items};
use crate::SyntaxKind::*;

pub(super) fn at_pattern_start(p: &Parser<'_>) -> bool {
    matches!(
        p.current(),
        IDENT
            | MUT_KW
            | UNDERSCORE
            | L_PAREN
            | INT_NUMBER
            | FLOAT_NUMBER
            | STRING_START
            | TRUE_KW
            | FALSE_KW
            | NONE_KW
            | MINUS
    )
}

pub(super) fn pattern(p: &mut Parser<'_>) {
    if !at_pattern_start(p) {
        p.error_expected("a pattern");
        return;
    }
    if !p.enter() {
        return;
    }
    match p.current() {
        UNDERSCORE => {
            p.start_node(WILDCARD_PAT);
            p.bump();
            p.finish_node();
        }
        MUT_KW => {
            p.start_node(IDENT_PAT);
            p.bump();
            items::name(p);
            p.finish_node();
        }
        L_PAREN => {
            p.start_node(TUPLE_PAT);
            delimited(p, (L_PAREN, R_PAREN), Sep::Comma, "a pattern", at_pattern_start, pattern);
            p.finish_node();
        }
        IDENT if p.nth_at(1, DOT) || (p.nth_at(1, L_BRACE) && !p.nth_newline(1)) => {
            p.start_node(VARIANT_PAT);
            items::path(p);
            if p.at(L_BRACE) && !p.at_newline() {
                p.start_node(RECORD_PAT_FIELD_LIST);
                delimited(p, (L_BRACE, R_BRACE), Sep::Comma, "a field", items::at_field_name, |p| {
                    p.start_node(RECORD_PAT_FIELD);
                    items::field_name(p, NAME_REF);
                    if p.eat(COLON) {
                        pattern(p);
                    }
                    p.finish_node();
                });
                p.finish_node();
            }
            p.finish_node();
        }
        IDENT => {
            p.start_node(IDENT_PAT);
            items::name(p);
            p.finish_node();
        }
        _ => {
            p.start_node(LITERAL_PAT);
            p.eat(MINUS);
            expressions::literal_or_string(p);
            p.finish_node();
        }
    }
    p.leave();
}
