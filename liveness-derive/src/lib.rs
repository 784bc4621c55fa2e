//! The `#[derive(Liveness)]` macro of the `liveness` crate.
//!
//! Use it through `liveness`, which re-exports it next to the trait of the same
//! name; the attribute keys and their checks are documented there.

mod attr;
mod expand;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `liveness::Liveness` from a `#[liveness(...)]` attribute.
///
/// See the `liveness` crate for the keys (`max_age`, `path`, `env`,
/// `startup_grace`, `name`).
#[proc_macro_derive(Liveness, attributes(liveness))]
pub fn derive_liveness(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
