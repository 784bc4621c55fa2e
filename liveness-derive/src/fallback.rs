//! The impl emitted next to the attribute's errors, with placeholder values,
//! so that the user sees those errors and not a cascade of "the trait
//! `Liveness` is not implemented" wherever the type is used.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// The errors, and an impl that compiles whatever the attribute said.
///
/// A generic type keeps its generics here, so that its error stands alone.
pub fn expand(input: &DeriveInput, private: &TokenStream, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let ident = crate::expand::call_site_ident(&input.ident);
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #error

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #private::Liveness for #ident #type_generics #where_clause {
            const NAME: &'static str = "";
            const MAX_AGE: #private::Duration = #private::Duration::MAX;
            const PATH: &'static str = "";

            fn heartbeat() -> &'static #private::Heartbeat {
                ::core::unreachable!()
            }
        }
    }
}
