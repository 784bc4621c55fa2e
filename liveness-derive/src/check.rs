//! The checks that look at several keys at once, or at the type, and the
//! [`Declaration`] they let through.

use std::time::Duration;

use heck::ToKebabCase;
use syn::{DeriveInput, Ident, Path, ext::IdentExt};

use crate::attr::Attrs;
use crate::ctxt::Ctxt;

/// A component's declaration, every default filled in.
pub struct Declaration {
    /// The `liveness` crate, `::liveness` unless `crate = "..."` says.
    pub krate: Path,
    pub name: String,
    pub max_age: Duration,
    pub path: String,
    pub env: Option<String>,
    pub startup_grace: Duration,
    pub max_extend: Option<Duration>,
}

/// Checks `attrs` as a whole and fills in the defaults.
///
/// Every mistake goes to `cx`. Where a value is missing or wrong the
/// declaration holds a placeholder; there is an error then, and only `krate`
/// is used, by the fallback impl.
pub fn declaration(cx: &mut Ctxt, input: &DeriveInput, attrs: Attrs) -> Declaration {
    generics(cx, input);
    max_age_given(cx, input, &attrs);
    default_path_is_a_file(cx, &attrs);
    max_extend_above_max_age(cx, &attrs);
    let max_age = attrs.max_age.into_value().unwrap_or(Duration::MAX);
    let name = attrs.name.into_value();
    let name = name.unwrap_or_else(|| default_name(&input.ident));
    let path = attrs.path.into_value();
    let krate = attrs.krate.into_value();
    Declaration {
        krate: krate.unwrap_or_else(|| syn::parse_quote!(::liveness)),
        path: path.unwrap_or_else(|| default_path(&name)),
        name,
        max_age,
        env: attrs.env.into_value(),
        startup_grace: attrs.startup_grace.into_value().unwrap_or(max_age),
        max_extend: attrs.max_extend.into_value(),
    }
}

/// The type name in kebab-case, without the `r#` of a raw identifier.
fn default_name(ident: &Ident) -> String {
    ident.unraw().to_string().to_kebab_case()
}

fn default_path(name: &str) -> String {
    format!("/tmp/liveness/{name}")
}

/// One type, one heartbeat file: a generic type would share it between
/// every instantiation.
fn generics(cx: &mut Ctxt, input: &DeriveInput) {
    if !input.generics.params.is_empty() {
        cx.error_spanned(
            &input.generics,
            "#[derive(Liveness)] does not support generic types: \
             every instantiation would share one heartbeat file; declare a concrete type",
        );
    }
}

/// `max_age` has no default. Reported at the attribute, or at the type name
/// when there is none; not when `max_age` was written with a wrong value, or
/// an attribute could not be read, as those have their own errors.
fn max_age_given(cx: &mut Ctxt, input: &DeriveInput, attrs: &Attrs) {
    if attrs.max_age.written() || attrs.malformed {
        return;
    }
    let message = "missing `max_age`: add #[liveness(max_age = \"90s\")]";
    match attrs.first {
        Some(attr) => cx.error_spanned(attr, message),
        None => cx.error(input.ident.span(), message),
    }
}

/// Without `path`, the name makes the path, which must be a file directly
/// in /tmp/liveness.
fn default_path_is_a_file(cx: &mut Ctxt, attrs: &Attrs) {
    let Some((name, lit)) = attrs.name.get() else {
        return;
    };
    let not_a_file = name.contains('/') || name == "." || name == "..";
    // A `path` with a wrong value has its own error.
    if attrs.path.written() || !not_a_file {
        return;
    }
    let path = default_path(name);
    cx.error(
        lit.span(),
        format!(
            "`name` {name:?} makes the default path {path:?}, not a file in /tmp/liveness: \
             write e.g. name = \"worker\", or set path = \"/tmp/liveness/worker\""
        ),
    );
}

/// An extension no longer than `max_age` buys nothing: `max_extend` must be
/// longer. Reported on `max_extend`, with a value that would do.
fn max_extend_above_max_age(cx: &mut Ctxt, attrs: &Attrs) {
    let (Some((max_age, max_age_lit)), Some((max_extend, lit))) =
        (attrs.max_age.get(), attrs.max_extend.get())
    else {
        return;
    };
    if max_extend > max_age {
        return;
    }
    let hour = Duration::from_secs(60 * 60);
    let example = if *max_age < hour {
        "1h".to_owned()
    } else {
        humantime::format_duration(max_age.saturating_mul(2)).to_string()
    };
    cx.error(
        lit.span(),
        format!(
            "`max_extend` must be longer than `max_age` ({}): write e.g. max_extend = \"{example}\"",
            max_age_lit.value()
        ),
    );
}
