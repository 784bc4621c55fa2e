//! The keys of `#[liveness(...)]`, each with the example value messages show.

use std::fmt::{self, Display};

use syn::Path;

/// A key of `#[liveness(...)]`.
#[derive(Copy, Clone)]
pub struct Symbol {
    name: &'static str,
    example: &'static str,
}

pub const MAX_AGE: Symbol = Symbol::new("max_age", "90s");
pub const PATH: Symbol = Symbol::new("path", "/tmp/liveness/worker");
pub const ENV: Symbol = Symbol::new("env", "WORKER_LIVENESS_PATH");
pub const STARTUP_GRACE: Symbol = Symbol::new("startup_grace", "2m");
pub const NAME: Symbol = Symbol::new("name", "worker");
pub const MAX_EXTEND: Symbol = Symbol::new("max_extend", "1h");
pub const CRATE: Symbol = Symbol::new("crate", "liveness");

/// Every key, in the order messages list them.
pub const KEYS: [Symbol; 7] = [MAX_AGE, PATH, ENV, STARTUP_GRACE, NAME, MAX_EXTEND, CRATE];

impl Symbol {
    const fn new(name: &'static str, example: &'static str) -> Symbol {
        Symbol { name, example }
    }

    /// The key as source with its example value: `max_age = "90s"`.
    pub fn example(self) -> String {
        format!("{} = \"{}\"", self.name, self.example)
    }
}

impl Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, key: &Symbol) -> bool {
        self.is_ident(key.name)
    }
}

/// The list unknown keys are answered with: `max_age, path, ...`.
pub fn expected() -> String {
    let names: Vec<&str> = KEYS.iter().map(|key| key.name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_key_in_order() {
        assert_eq!(
            expected(),
            "max_age, path, env, startup_grace, name, max_extend, crate"
        );
    }

    #[test]
    fn matches_a_path_of_one_ident_only() {
        let key: Path = syn::parse_quote!(max_age);
        assert!(key == MAX_AGE);
        assert!(key != PATH);
        let krate: Path = syn::parse_quote!(crate);
        assert!(krate == CRATE);
        let long: Path = syn::parse_quote!(liveness::max_age);
        assert!(long != MAX_AGE);
    }

    #[test]
    fn writes_the_fix_as_source() {
        assert_eq!(MAX_EXTEND.example(), "max_extend = \"1h\"");
    }
}
