//! The `#[derive(Liveness)]` macro of the `liveness` crate.
//!
//! Use it through `liveness`, which re-exports it next to the trait of the same
//! name; the attribute keys and their checks are documented there.
//!
//! The stages, one file each: `attr` reads `#[liveness(...)]` key by key
//! (`lit` reads the literal after a key), `check` looks at the keys together
//! and fills in the defaults, `expand` writes the impl, `fallback` the impl
//! that goes next to errors. `ctxt` collects the errors of every stage;
//! `symbol` names the keys.

mod attr;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod lit;
mod symbol;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `liveness::Liveness` from a `#[liveness(...)]` attribute.
///
/// See the `liveness` crate for the keys (`max_age`, `path`, `env`,
/// `startup_grace`, `name`, `max_extend`, `crate`).
#[proc_macro_derive(Liveness, attributes(liveness))]
pub fn derive_liveness(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
