//! Parses `#[liveness(...)]` into [`Attrs`]: each key read and checked on its
//! own. Checks that look at several keys at once live in `check`.

use std::time::Duration;

use quote::ToTokens;
use syn::{Attribute, DeriveInput, LitStr, Meta, Path, meta::ParseNestedMeta};

use crate::ctxt::Ctxt;
use crate::lit::{skip, string};
use crate::symbol::{self, CRATE, ENV, MAX_AGE, MAX_EXTEND, NAME, PATH, STARTUP_GRACE, Symbol};

/// The attribute's keys as written, each valid on its own.
pub struct Attrs<'a> {
    /// The first `#[liveness(...)]`, where a missing `max_age` is reported.
    pub first: Option<&'a Attribute>,
    /// An attribute could not be read (`#[liveness]`, a syntax error): it
    /// has its own error, and no "missing `max_age`" goes on top of it.
    pub malformed: bool,
    pub max_age: Attr<Duration>,
    pub path: Attr<String>,
    pub env: Attr<String>,
    pub startup_grace: Attr<Duration>,
    pub name: Attr<String>,
    pub max_extend: Attr<Duration>,
    pub krate: Attr<Path>,
}

/// One key: whether it was written, and its value with the literal it was
/// read from, when that value is valid.
pub struct Attr<T> {
    key: Symbol,
    written: bool,
    value: Option<(T, LitStr)>,
}

/// Checks the literal of one key: its value, or what is wrong with it.
type Validator<T> = fn(&LitStr) -> Result<T, String>;

impl<T> Attr<T> {
    fn none(key: Symbol) -> Self {
        Attr {
            key,
            written: false,
            value: None,
        }
    }

    /// Records the key written at `at`, with its value unless that was
    /// refused. A second occurrence is an error, on its key.
    fn set(&mut self, cx: &mut Ctxt, at: &Path, value: Option<(T, LitStr)>) {
        if self.written {
            let key = self.key;
            cx.error_spanned(
                at,
                format!("duplicate liveness attribute `{key}`: set it once, remove this one"),
            );
        } else {
            self.written = true;
            self.value = value;
        }
    }

    /// Reads the `= "..."` after the key, checks it and sets it. A value
    /// `validate` refuses is an error on the literal, with its message.
    fn parse(&mut self, cx: &mut Ctxt, meta: &ParseNestedMeta, validate: Validator<T>) {
        let value = string(cx, meta, self.key).and_then(|lit| match validate(&lit) {
            Ok(value) => Some((value, lit)),
            Err(message) => {
                cx.error(lit.span(), message);
                None
            }
        });
        self.set(cx, &meta.path, value);
    }

    /// Whether the key was written, even with a value that was refused.
    pub fn written(&self) -> bool {
        self.written
    }

    /// The value, when the key was written with a valid one, and the literal
    /// it was read from.
    pub fn get(&self) -> Option<(&T, &LitStr)> {
        self.value.as_ref().map(|(value, lit)| (value, lit))
    }

    /// The value, given up to whoever builds on it.
    pub fn into_value(self) -> Option<T> {
        self.value.map(|(value, _)| value)
    }
}

impl<'a> Attrs<'a> {
    /// Reads every `#[liveness(...)]` of `input`, reporting each mistake.
    pub fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Attrs<'a> {
        let mut attrs = Attrs {
            first: None,
            malformed: false,
            max_age: Attr::none(MAX_AGE),
            path: Attr::none(PATH),
            env: Attr::none(ENV),
            startup_grace: Attr::none(STARTUP_GRACE),
            name: Attr::none(NAME),
            max_extend: Attr::none(MAX_EXTEND),
            krate: Attr::none(CRATE),
        };
        for attr in &input.attrs {
            if !attr.path().is_ident("liveness") {
                continue;
            }
            attrs.first.get_or_insert(attr);
            // #[liveness] or #[liveness = "..."]
            if !matches!(attr.meta, Meta::List(_)) {
                cx.error_spanned(
                    attr,
                    "#[liveness] takes its keys in parentheses: \
                     write #[liveness(max_age = \"90s\")]",
                );
                attrs.malformed = true;
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                attrs.parse_key(cx, &meta);
                Ok(())
            });
            if let Err(error) = result {
                cx.push(error);
                attrs.malformed = true;
            }
        }
        attrs
    }

    /// Parses one `key = "value"`.
    fn parse_key(&mut self, cx: &mut Ctxt, meta: &ParseNestedMeta) {
        let key = &meta.path;
        if *key == MAX_AGE {
            // max_age = "90s"
            self.max_age.parse(cx, meta, max_age);
        } else if *key == PATH {
            // path = "/tmp/liveness/worker"
            self.path.parse(cx, meta, path);
        } else if *key == ENV {
            // env = "WORKER_LIVENESS_PATH"
            self.env.parse(cx, meta, env);
        } else if *key == STARTUP_GRACE {
            // startup_grace = "2m" (or "0s" to disable)
            self.startup_grace.parse(cx, meta, startup_grace);
        } else if *key == NAME {
            // name = "worker"
            self.name.parse(cx, meta, name);
        } else if *key == MAX_EXTEND {
            // max_extend = "1h"
            self.max_extend.parse(cx, meta, max_extend);
        } else if *key == CRATE {
            // crate = "liveness"
            self.krate.parse(cx, meta, krate);
        } else {
            unknown(cx, meta);
        }
    }
}

/// Reports a key that is not ours, and steps over its value.
fn unknown(cx: &mut Ctxt, meta: &ParseNestedMeta) {
    let key = meta.path.to_token_stream().to_string().replace(' ', "");
    let expected = symbol::expected();
    let message = format!("unknown liveness attribute `{key}`; expected one of: {expected}");
    cx.error_spanned(&meta.path, message);
    skip(meta);
}

fn max_age(lit: &LitStr) -> Result<Duration, String> {
    positive(lit, MAX_AGE)
}

fn path(lit: &LitStr) -> Result<String, String> {
    let value = lit.value();
    no_control_characters(&value, PATH)?;
    if !value.starts_with('/') {
        // Suggest the file name under the default directory.
        let file = match value.rsplit('/').find(|part| !part.is_empty()) {
            Some(file) if file != "." && file != ".." => file,
            _ => "worker",
        };
        return Err(format!(
            "`path` must be absolute: write e.g. path = \"/tmp/liveness/{file}\""
        ));
    }
    if value.ends_with('/') {
        let dir = value.trim_end_matches('/');
        return Err(format!(
            "`path` must name a file, not a directory: write e.g. path = \"{dir}/worker\""
        ));
    }
    Ok(value)
}

fn env(lit: &LitStr) -> Result<String, String> {
    let value = lit.value();
    let valid = value.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        let message = "`env` must name an environment variable (ASCII letters, digits and `_`, \
                       not starting with a digit): write e.g. env = \"WORKER_LIVENESS_PATH\"";
        return Err(message.to_owned());
    }
    Ok(value)
}

fn startup_grace(lit: &LitStr) -> Result<Duration, String> {
    duration(lit)
}

fn name(lit: &LitStr) -> Result<String, String> {
    let value = lit.value();
    no_control_characters(&value, NAME)?;
    if value.trim().is_empty() {
        return Err("`name` must not be blank: write e.g. name = \"worker\"".to_owned());
    }
    Ok(value)
}

fn max_extend(lit: &LitStr) -> Result<Duration, String> {
    positive(lit, MAX_EXTEND)
}

/// `crate`: a path such as `lv` or `::service::lv`. Its tokens carry the
/// literal's span, so that a crate that does not exist is reported there.
fn krate(lit: &LitStr) -> Result<Path, String> {
    lit.parse_with(Path::parse_mod_style).map_err(|_| {
        "`crate` must be a path to the liveness crate: write e.g. crate = \"liveness\"".to_owned()
    })
}

/// No control character (a newline, an escape, NUL): a path cannot hold a
/// NUL at all, and the others make a file or a component that is hard to
/// name, and to read in the probe's one-line verdicts.
fn no_control_characters(value: &str, key: Symbol) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => {
            let c = c.escape_debug();
            Err(format!(
                "`{key}` must not contain control characters: remove the {c}"
            ))
        }
        None => Ok(()),
    }
}

/// A duration greater than zero.
fn positive(lit: &LitStr, key: Symbol) -> Result<Duration, String> {
    let value = duration(lit)?;
    if value.is_zero() {
        let example = key.example();
        return Err(format!(
            "`{key}` must be greater than zero: write e.g. {example}"
        ));
    }
    Ok(value)
}

/// A humantime duration; the parser's own message goes into the error.
fn duration(lit: &LitStr) -> Result<Duration, String> {
    let value = lit.value();
    humantime::parse_duration(&value).map_err(|error| {
        format!("invalid duration {value:?}: {error}; write e.g. \"90s\", \"1m 30s\" or \"500ms\"")
    })
}
