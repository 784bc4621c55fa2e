//! Parses `#[liveness(...)]` into a [`Declaration`], collecting every mistake.

use std::time::Duration;

use heck::ToKebabCase;
use proc_macro2::Span;
use syn::{DeriveInput, LitStr, meta::ParseNestedMeta, spanned::Spanned};

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
}

impl Declaration {
    /// Reads the declaration of `input`; `Err` carries every mistake found.
    pub fn from_ast(input: &DeriveInput) -> (Declaration, Option<syn::Error>) {
        let mut errors = Errors::default();
        let mut keys = Keys::default();
        let mut first_attr = None;

        for attr in input.attrs.iter().filter(|a| a.path().is_ident("liveness")) {
            first_attr.get_or_insert(attr.span());
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
            errors.error(
                input.generics.span(),
                "#[derive(Liveness)] does not support generic types: \
                 every instantiation would share one heartbeat file; declare a concrete type",
            );
        }
        let max_age = keys.max_age.unwrap_or_else(|| {
            // An invalid `max_age` has its own error already.
            if !keys.seen.iter().any(|k| k == "max_age") {
                let span = first_attr.unwrap_or_else(|| input.ident.span());
                errors.error(
                    span,
                    "missing `max_age`: add #[liveness(max_age = \"90s\")]",
                );
            }
            Duration::from_secs(1)
        });
        let name = keys
            .name
            .unwrap_or_else(|| input.ident.to_string().to_kebab_case());
        let path = keys.path.unwrap_or_else(|| format!("/tmp/liveness/{name}"));
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
        errors.error(
            meta.path.span(),
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
        errors.error(key_span, format!("duplicate liveness attribute `{key}`"));
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
                        "`max_age` must be greater than zero, e.g. \"90s\"",
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
                errors.error(
                    lit.span(),
                    format!(
                        "`path` must be absolute, e.g. \"/tmp/liveness/{}\"",
                        value.trim_start_matches("./").trim_start_matches('/')
                    ),
                );
                None
            } else if value.ends_with('/') || value.contains('\0') {
                errors.error(
                    lit.span(),
                    "`path` must name a file, e.g. \"/tmp/liveness/worker\"",
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
                    "`env` must name an environment variable, e.g. \"WORKER_LIVENESS_PATH\"",
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
                errors.error(lit.span(), "`name` must be a non-empty, single-line string");
                None
            } else {
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
        _ => "\"...\"",
    };
    let value = match meta.value() {
        Ok(value) => value,
        Err(_) => {
            errors.error(
                meta.path.span(),
                format!("`{key}` needs a value: write {key} = {example}"),
            );
            return None;
        }
    };
    let expr: syn::Expr = match value.parse() {
        Ok(expr) => expr,
        Err(error) => {
            errors.push(error);
            return None;
        }
    };
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(lit),
        other => {
            errors.error(
                other.span(),
                format!("`{key}` takes a string literal: write {key} = {example}"),
            );
            None
        }
    }
}

/// Consumes `= value` after a key that is not ours, so parsing goes on.
fn skip_value(meta: &ParseNestedMeta) {
    if let Ok(value) = meta.value() {
        let _ = value.parse::<syn::Expr>();
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
