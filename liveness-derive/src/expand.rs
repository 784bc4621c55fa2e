//! Turns a [`Declaration`] into the `impl liveness::Liveness` tokens.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::{DeriveInput, Ident, Path};

use crate::attr::Attrs;
use crate::check::{self, Declaration};
use crate::ctxt::Ctxt;
use crate::fallback;

/// Expands `#[derive(Liveness)]` on `input`.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let attrs = Attrs::from_ast(&mut cx, input);
    let declaration = check::declaration(&mut cx, input, attrs);
    let private = private(&declaration.krate);
    match cx.check() {
        Ok(()) => expand(input, &private, &declaration),
        Err(error) => fallback::expand(input, &private, &error),
    }
}

/// The hidden module generated code names everything through:
/// `::liveness::__private`, or `<crate>::__private` with `crate = "..."`.
///
/// It takes the span of the crate's path, which is the `crate` literal when
/// there is one: a path that leads nowhere is reported there.
fn private(krate: &Path) -> TokenStream {
    let span = krate
        .segments
        .last()
        .map_or_else(Span::call_site, |segment| segment.ident.span());
    quote_spanned!(span=> #krate::__private)
}

fn expand(input: &DeriveInput, private: &TokenStream, declaration: &Declaration) -> TokenStream {
    let Declaration {
        krate: _,
        name,
        max_age,
        path,
        env,
        startup_grace,
        max_extend,
    } = declaration;
    let ident = call_site_ident(&input.ident);
    let max_age = duration(private, *max_age);
    let startup_grace = duration(private, *startup_grace);
    let env = option(private, env.as_ref());
    let max_extend = option(private, max_extend.map(|d| duration(private, d)));
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #private::Liveness for #ident {
            const NAME: &'static str = #name;
            const MAX_AGE: #private::Duration = #max_age;
            const PATH: &'static str = #path;
            const PATH_ENV: #private::Option<&'static str> = #env;
            const STARTUP_GRACE: #private::Duration = #startup_grace;
            const MAX_EXTEND: #private::Option<#private::Duration> = #max_extend;

            fn heartbeat() -> &'static #private::Heartbeat {
                static HEARTBEAT: #private::Heartbeat = #private::Heartbeat::new();
                &HEARTBEAT
            }
        }
    }
}

/// The type's name as the generated impl names it: at the user's token for
/// messages, with the hygiene of the call site (thiserror does the same).
pub fn call_site_ident(ident: &Ident) -> Ident {
    let mut ident = ident.clone();
    ident.set_span(ident.span().resolved_at(Span::call_site()));
    ident
}

/// A `Duration` as a const expression.
fn duration(private: &TokenStream, duration: Duration) -> TokenStream {
    let secs = duration.as_secs();
    let nanos = duration.subsec_nanos();
    quote!(#private::Duration::new(#secs, #nanos))
}

/// An `Option` as a const expression.
fn option(private: &TokenStream, value: Option<impl ToTokens>) -> TokenStream {
    match value {
        Some(value) => quote!(#private::Option::Some(#value)),
        None => quote!(#private::Option::None),
    }
}
