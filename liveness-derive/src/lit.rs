//! Reads the value written after a key: a string literal, also one that
//! `macro_rules!` forwarded; steps over a value that cannot be used.

use syn::{Expr, ExprLit, Lit, LitStr, meta::ParseNestedMeta};

use crate::ctxt::Ctxt;
use crate::symbol::Symbol;

/// Reads the `= "..."` after a key.
pub fn string(cx: &mut Ctxt, meta: &ParseNestedMeta, key: Symbol) -> Option<LitStr> {
    let example = key.example();
    let Ok(value) = meta.value() else {
        let message = format!("`{key}` needs a value: write {example}");
        cx.error_spanned(&meta.path, message);
        skip(meta);
        return None;
    };
    let message = format!("`{key}` takes a string literal: write {example}");
    match value.parse::<Expr>().map(ungroup) {
        Ok(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) if lit.suffix().is_empty() => return Some(lit),
        // `"90s"foo`: a suffix on a string literal means nothing here.
        Ok(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) => {
            let suffix = lit.suffix();
            let message =
                format!("`{key}` takes a string literal without a suffix: remove `{suffix}`");
            cx.error_spanned(&lit, message);
        }
        Ok(other) => cx.error_spanned(other, message),
        Err(error) => cx.error(error.span(), message),
    }
    None
}

/// A literal forwarded by `macro_rules!` (`$value:expr`) arrives wrapped in
/// an invisible group: it counts as the literal.
fn ungroup(mut expr: Expr) -> Expr {
    while let Expr::Group(group) = expr {
        expr = *group.expr;
    }
    expr
}

/// Steps over what follows a key that cannot be used (`= value`, or `(...)`
/// in its place), so parsing goes on to the next key.
pub fn skip(meta: &ParseNestedMeta) {
    if let Ok(value) = meta.value() {
        let _ = value.parse::<Expr>();
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.input.parse::<proc_macro2::TokenTree>();
    }
}
