//! Turns a [`Declaration`] into the `impl liveness::Liveness` tokens.

use std::time::Duration;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attr::Declaration;

/// Expands `#[derive(Liveness)]` on `input`.
///
/// On a mistake the impl is still emitted, with placeholder values, so the
/// user sees the attribute's errors and not "trait not implemented" cascades.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let (declaration, errors) = Declaration::from_ast(input);
    let errors = errors.map(|e| e.to_compile_error());
    let ident = &input.ident;
    // Generic types are an error (see `attr`); their impl is still emitted,
    // with the type's generics, so that the error stands alone.
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let Declaration {
        name,
        max_age,
        path,
        env,
        startup_grace,
    } = &declaration;
    let max_age = duration(*max_age);
    let startup_grace = duration(*startup_grace);
    let env = match env {
        Some(var) => quote!(::liveness::__private::Option::Some(#var)),
        None => quote!(::liveness::__private::Option::None),
    };
    quote! {
        #errors
        #[automatically_derived]
        impl #impl_generics ::liveness::__private::Liveness for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            const MAX_AGE: ::liveness::__private::Duration = #max_age;
            const PATH: &'static str = #path;
            const PATH_ENV: ::liveness::__private::Option<&'static str> = #env;
            const STARTUP_GRACE: ::liveness::__private::Duration = #startup_grace;

            fn heartbeat() -> &'static ::liveness::__private::Heartbeat {
                static HEARTBEAT: ::liveness::__private::Heartbeat =
                    ::liveness::__private::Heartbeat::new();
                &HEARTBEAT
            }
        }
    }
}

/// A `Duration` as a const expression.
fn duration(duration: Duration) -> TokenStream {
    let secs = duration.as_secs();
    let nanos = duration.subsec_nanos();
    quote!(::liveness::__private::Duration::new(#secs, #nanos))
}
