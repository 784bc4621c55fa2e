//! Parses `#[liveness(...)]` into a [`Declaration`], collecting every mistake.

use std::time::Duration;

use heck::ToKebabCase;
use proc_macro2::Span;
use syn::{Attribute, DeriveInput, LitStr, Meta, meta::ParseNestedMeta, spanned::Spanned};

/// The keys `#[liveness(...)]` accepts, in the order messages list them.
const KEYS: &str = "max_age, path, env, startup_grace, name";

/// A component's declaration, every default filled in.
///
/// When the attribute has mistakes, the fields hold placeholders so that the
/// impl can still be emitted and the user sees only the attribute's errors.
pub struct Declaration {
    pub name: String,
    pub max_age: Duration,
    pub path: String,
    pub env: Option<String>,
    pub startup_grace: Duration,
}

/// The keys as written, before defaults and cross-key checks.
#[derive(Default)]
struct Keys {
    max_age: Option<Duration>,
    path: Option<String>,
    env: Option<String>,
    startup_grace: Option<Duration>,
    name: Option<String>,
    /// Where `name` was written, for the check against the default path.
    name_span: Option<Span>,
    /// Keys met so far, to report a duplicate at its second occurrence.
    seen: Vec<String>,
}

/// Collects errors so that one compile reports every bad key.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// An error spanning all of `tokens` (on stable, `span()` of several
    /// tokens is only the first one).
    fn error_spanned(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }
}

impl Declaration {
    /// Reads the declaration of `input`, with placeholders where it is wrong;
    /// the error, when there is one, carries every mistake found.
    pub fn from_ast(input: &DeriveInput) -> (Declaration, Option<syn::Error>) {
        let mut errors = Errors::default();
        let mut keys = Keys::default();
        let mut first_attr: Option<&Attribute> = None;
        // A `#[liveness]` without parentheses: its own error, and no
        // "missing `max_age`" on top of it.
        let mut malformed = false;

        for attr in input.attrs.iter().filter(|a| a.path().is_ident("liveness")) {
            first_attr.get_or_insert(attr);
            // #[liveness] or #[liveness = "..."]
            if !matches!(attr.meta, Meta::List(_)) {
                errors.error_spanned(
                    attr,
                    "#[liveness] takes its keys in parentheses: \
                     write #[liveness(max_age = \"90s\")]",
                );
                malformed = true;
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                parse_key(&meta, &mut keys, &mut errors);
                Ok(())
            });
            if let Err(error) = result {
                errors.push(error);
            }
        }

        // Checks that look at the type or at several keys at once.
        if !input.generics.params.is_empty() {
            errors.error_spanned(
                &input.generics,
                "#[derive(Liveness)] does not support generic types: \
                 every instantiation would share one heartbeat file; declare a concrete type",
            );
        }
        let max_age = keys.max_age.unwrap_or_else(|| {
            // An invalid `max_age` has its own error already.
            if !malformed && !keys.seen.iter().any(|k| k == "max_age") {
                let message = "missing `max_age`: add #[liveness(max_age = \"90s\")]";
                match first_attr {
                    Some(attr) => errors.error_spanned(attr, message),
                    None => errors.error(input.ident.span(), message),
                }
            }
            Duration::from_secs(1)
        });
        let name = keys
            .name
            .unwrap_or_else(|| input.ident.to_string().to_kebab_case());
        let path = keys.path.unwrap_or_else(|| format!("/tmp/liveness/{name}"));
        // The default path must be a file directly in /tmp/liveness; an
        // invalid `path` has its own error already.
        let default_path = !keys.seen.iter().any(|k| k == "path");
        let not_a_file = name.contains('/') || name == "." || name == "..";
        if let Some(span) = keys.name_span.filter(|_| default_path && not_a_file) {
            errors.error(
                span,
                format!(
                    "`name` {name:?} makes the default path {path:?}, not a file in /tmp/liveness: \
                     write e.g. name = \"worker\", or set path = \"/tmp/liveness/worker\""
                ),
            );
        }
        let declaration = Declaration {
            startup_grace: keys.startup_grace.unwrap_or(max_age),
            max_age,
            path,
            env: keys.env,
            name,
        };
        (declaration, errors.0)
    }
}

/// Parses one `key = "value"` pair into `keys`, recording mistakes.
fn parse_key(meta: &ParseNestedMeta, keys: &mut Keys, errors: &mut Errors) {
    let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
        errors.error_spanned(
            &meta.path,
            format!("unknown liveness attribute; expected one of: {KEYS}"),
        );
        skip_value(meta);
        return;
    };
    let key_span = meta.path.span();
    if !KEYS.split(", ").any(|k| k == key) {
        errors.error(
            key_span,
            format!("unknown liveness attribute `{key}`; expected one of: {KEYS}"),
        );
        skip_value(meta);
        return;
    }
    if keys.seen.contains(&key) {
        errors.error(
            key_span,
            format!("duplicate liveness attribute `{key}`: set it once, remove this one"),
        );
        skip_value(meta);
        return;
    }
    keys.seen.push(key.clone());
    let Some(lit) = string_value(meta, &key, errors) else {
        return;
    };
    match key.as_str() {
        // max_age = "90s"
        "max_age" => {
            let value = duration(&lit, errors).and_then(|d| {
                if d.is_zero() {
                    errors.error(
                        lit.span(),
                        "`max_age` must be greater than zero: write e.g. max_age = \"90s\"",
                    );
                    None
                } else {
                    Some(d)
                }
            });
            keys.max_age = value;
        }
        // path = "/tmp/liveness/worker"
        "path" => {
            let value = lit.value();
            let value = if !value.starts_with('/') {
                // Suggest the file name under the default directory.
                let file = match value.rsplit('/').find(|part| !part.is_empty()) {
                    Some(file) if file != "." && file != ".." => file,
                    _ => "worker",
                };
                errors.error(
                    lit.span(),
                    format!("`path` must be absolute: write e.g. path = \"/tmp/liveness/{file}\""),
                );
                None
            } else if value.ends_with('/') {
                errors.error(
                    lit.span(),
                    "`path` must name a file, not a directory: \
                     write e.g. path = \"/tmp/liveness/worker\"",
                );
                None
            } else if value.contains('\0') {
                errors.error(
                    lit.span(),
                    "`path` must not contain a NUL byte: remove the \\0",
                );
                None
            } else {
                Some(value)
            };
            keys.path = value;
        }
        // env = "WORKER_LIVENESS_PATH"
        "env" => {
            let value = lit.value();
            let valid = value.chars().next().is_some_and(|c| !c.is_ascii_digit())
                && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let value = if valid {
                Some(value)
            } else {
                errors.error(
                    lit.span(),
                    "`env` must name an environment variable (ASCII letters, digits and `_`, \
                     not starting with a digit): write e.g. env = \"WORKER_LIVENESS_PATH\"",
                );
                None
            };
            keys.env = value;
        }
        // startup_grace = "2m" (or "0s" to disable)
        "startup_grace" => {
            let value = duration(&lit, errors);
            keys.startup_grace = value;
        }
        // name = "worker"
        "name" => {
            let value = lit.value();
            let value = if value.trim().is_empty() || value.contains(['\n', '\r']) {
                errors.error(
                    lit.span(),
                    "`name` must be a non-empty, single-line string: write e.g. name = \"worker\"",
                );
                None
            } else {
                keys.name_span = Some(lit.span());
                Some(value)
            };
            keys.name = value;
        }
        _ => unreachable!("keys are checked against KEYS above"),
    }
}

/// Reads the `= "..."` after a key; a missing or non-string value is an error.
fn string_value(meta: &ParseNestedMeta, key: &str, errors: &mut Errors) -> Option<LitStr> {
    let example = match key {
        "max_age" | "startup_grace" => "\"90s\"",
        "path" => "\"/tmp/liveness/worker\"",
        "env" => "\"WORKER_LIVENESS_PATH\"",
        _ => "\"worker\"",
    };
    let value = match meta.value() {
        Ok(value) => value,
        Err(_) => {
            errors.error(
                meta.path.span(),
                format!("`{key}` needs a value: write {key} = {example}"),
            );
            skip_group(meta);
            return None;
        }
    };
    let expr: syn::Expr = match value.parse() {
        Ok(expr) => expr,
        Err(error) => {
            errors.error(
                error.span(),
                format!("`{key}` takes a string literal: write {key} = {example}"),
            );
            return None;
        }
    };
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(lit),
        other => {
            errors.error_spanned(
                other,
                format!("`{key}` takes a string literal: write {key} = {example}"),
            );
            None
        }
    }
}

/// Consumes `= value` or `(...)` after a key that is not ours, so parsing
/// goes on to the next key.
fn skip_value(meta: &ParseNestedMeta) {
    if let Ok(value) = meta.value() {
        let _ = value.parse::<syn::Expr>();
    } else {
        skip_group(meta);
    }
}

/// Consumes a `(...)` written after a key in place of `= value`.
fn skip_group(meta: &ParseNestedMeta) {
    if meta.input.peek(syn::token::Paren) {
        let _ = meta.input.parse::<proc_macro2::TokenTree>();
    }
}

/// Parses a humantime duration; the parser's own message goes on the literal.
fn duration(lit: &LitStr, errors: &mut Errors) -> Option<Duration> {
    match humantime::parse_duration(&lit.value()) {
        Ok(duration) => Some(duration),
        Err(error) => {
            errors.error(
                lit.span(),
                format!(
                    "invalid duration {:?}: {error}; write e.g. \"90s\", \"1m 30s\" or \"500ms\"",
                    lit.value()
                ),
            );
            None
        }
    }
}
