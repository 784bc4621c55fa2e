//! The stages run on declarations written with `quote!`: the values they
//! yield, and the message of each mistake. Spans are the UI tests' job
//! (`liveness-tests/tests/ui/`): outside a compiler, proc-macro2 has none to compare.

use std::time::Duration;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::DeriveInput;

use crate::attr::Attrs;
use crate::check::{self, Declaration};
use crate::ctxt::Ctxt;
use crate::expand;

/// The declaration of `input`, or the message of each of its mistakes.
fn run(input: TokenStream) -> Result<Declaration, Vec<String>> {
    let input: DeriveInput = syn::parse2(input).expect("a type declaration");
    let mut cx = Ctxt::default();
    let attrs = Attrs::from_ast(&mut cx, &input);
    let declaration = check::declaration(&mut cx, &input, attrs);
    match cx.check() {
        Ok(()) => Ok(declaration),
        Err(error) => Err(error.into_iter().map(|e| e.to_string()).collect()),
    }
}

fn ok(input: TokenStream) -> Declaration {
    run(input).unwrap()
}

fn errors(input: TokenStream) -> Vec<String> {
    match run(input) {
        Ok(_) => panic!("no error"),
        Err(messages) => messages,
    }
}

/// Every identifier of `tokens`, in groups too.
fn idents(tokens: TokenStream) -> Vec<String> {
    let mut idents = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => idents.push(ident.to_string()),
            TokenTree::Group(group) => idents.extend(self::idents(group.stream())),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
    idents
}

#[test]
fn fills_in_the_defaults() {
    let worker = ok(quote!(
        #[liveness(max_age = "90s")]
        struct QueueWorker;
    ));
    assert_eq!(worker.krate.to_token_stream().to_string(), ":: liveness");
    assert_eq!(worker.name, "queue-worker");
    assert_eq!(worker.path, "/tmp/liveness/queue-worker");
    assert_eq!(worker.env, None);
    assert_eq!(worker.startup_grace, Duration::from_secs(90));
    assert_eq!(worker.max_extend, None);
}

#[test]
fn reads_a_literal_that_macro_rules_wrapped_in_invisible_groups() {
    let wrap = |tokens: TokenStream| TokenTree::Group(Group::new(Delimiter::None, tokens));
    let once = wrap(quote!("90s"));
    let twice = wrap(wrap(quote!("/tmp/liveness/w")).into());
    let worker = ok(quote!(
        #[liveness(max_age = #once, path = #twice)]
        struct W;
    ));
    assert_eq!(worker.max_age, Duration::from_secs(90));
    assert_eq!(worker.path, "/tmp/liveness/w");
}

#[test]
fn names_a_raw_identifier_without_its_prefix() {
    let worker = ok(quote!(
        #[liveness(max_age = "90s")]
        struct r#match;
    ));
    assert_eq!(worker.name, "match");
    assert_eq!(worker.path, "/tmp/liveness/match");
}

#[test]
fn reports_every_mistake_in_one_go() {
    let messages = errors(quote! {
        #[liveness(max_age = "0s", path = "liveness/worker", env = "1X", name = "")]
        #[liveness(max_extend = "10", crate = "liveness-rs", timeout = "1s", a::b = 1)]
        struct Worker<T>(T);
    });
    let expected = "max_age, path, env, startup_grace, name, max_extend, crate";
    assert_eq!(
        messages,
        [
            "`max_age` must be greater than zero: write e.g. max_age = \"90s\"",
            "`path` must be absolute: write e.g. path = \"/tmp/liveness/worker\"",
            "`env` must name an environment variable (ASCII letters, digits and `_`, \
             not starting with a digit): write e.g. env = \"WORKER_LIVENESS_PATH\"",
            "`name` must not be blank: write e.g. name = \"worker\"",
            "invalid duration \"10\": time unit needed, for example 10sec or 10ms; \
             write e.g. \"90s\", \"1m 30s\" or \"500ms\"",
            "`crate` must be a path to the liveness crate: write e.g. crate = \"liveness\"",
            &format!("unknown liveness attribute `timeout`; expected one of: {expected}"),
            &format!("unknown liveness attribute `a::b`; expected one of: {expected}"),
            "#[derive(Liveness)] does not support generic types: every instantiation \
             would share one heartbeat file; declare a concrete type",
        ]
    );
}

#[test]
fn reports_each_duplicate_once_across_attributes() {
    let messages = errors(quote! {
        #[liveness(max_age = "90s")]
        #[liveness(max_age = "2m", max_age = "bad")]
        struct Worker;
    });
    let duplicate = "duplicate liveness attribute `max_age`: set it once, remove this one";
    assert_eq!(messages[0], duplicate);
    assert!(messages[1].starts_with("invalid duration \"bad\""));
    assert_eq!(messages[2], duplicate);
    assert_eq!(messages.len(), 3);
}

#[test]
fn adds_no_missing_max_age_to_an_attribute_with_its_own_error() {
    let missing = "missing `max_age`: add #[liveness(max_age = \"90s\")]";
    assert_eq!(
        errors(quote!(
            struct W;
        )),
        [missing]
    );
    assert_eq!(
        errors(quote!(
            #[liveness(name = "w")]
            struct W;
        )),
        [missing]
    );
    assert_eq!(
        errors(quote!(
            #[liveness]
            struct W;
        )),
        ["#[liveness] takes its keys in parentheses: write #[liveness(max_age = \"90s\")]"]
    );
    assert_eq!(
        errors(quote!(
            #[liveness(max_age)]
            struct W;
        )),
        ["`max_age` needs a value: write max_age = \"90s\""]
    );
    assert_eq!(
        errors(quote!(
            #[liveness(max_age = 90)]
            struct W;
        )),
        ["`max_age` takes a string literal: write max_age = \"90s\""]
    );
}

#[test]
fn wants_max_extend_longer_than_max_age() {
    let extend = |max_age: &str, max_extend: &str| {
        run(quote!(
            #[liveness(max_age = #max_age, max_extend = #max_extend)]
            struct W;
        ))
    };
    let worker = extend("90s", "91s").ok().unwrap();
    assert_eq!(worker.max_extend, Some(Duration::from_secs(91)));
    let refused =
        "`max_extend` must be longer than `max_age` (90s): write e.g. max_extend = \"1h\"";
    assert_eq!(extend("90s", "1m 30s").err().unwrap(), [refused]);
    assert_eq!(extend("90s", "1m").err().unwrap(), [refused]);
    // The example is longer than a long `max_age`.
    assert_eq!(
        extend("2h", "1h").err().unwrap(),
        ["`max_extend` must be longer than `max_age` (2h): write e.g. max_extend = \"4h\""]
    );
    assert_eq!(
        extend("90s", "0s").err().unwrap(),
        ["`max_extend` must be greater than zero: write e.g. max_extend = \"1h\""]
    );
}

#[test]
fn names_the_control_character_to_remove() {
    let path = |path: &str| {
        errors(quote!(
            #[liveness(max_age = "90s", path = #path)]
            struct W;
        ))
    };
    let name = |name: &str| {
        errors(quote!(
            #[liveness(max_age = "90s", name = #name)]
            struct W;
        ))
    };
    let message =
        |key: &str, c: &str| format!("`{key}` must not contain control characters: remove the {c}");
    assert_eq!(
        path("/tmp/liveness/\u{1b}[0m"),
        [message("path", "\\u{1b}")]
    );
    assert_eq!(path("/tmp/liveness/w\0"), [message("path", "\\0")]);
    // Before the relative path's suggestion, which would repeat it.
    assert_eq!(path("worker\n"), [message("path", "\\n")]);
    assert_eq!(name("work\ter"), [message("name", "\\t")]);
    assert_eq!(name("\u{85}"), [message("name", "\\u{85}")]);
}

#[test]
fn suggests_a_file_for_a_path_that_is_not_one() {
    let path = |path: &str| {
        errors(quote!(
            #[liveness(max_age = "90s", path = #path)]
            struct W;
        ))
    };
    let absolute =
        |file: &str| format!("`path` must be absolute: write e.g. path = \"/tmp/liveness/{file}\"");
    assert_eq!(path("worker.beat"), [absolute("worker.beat")]);
    assert_eq!(path("../"), [absolute("worker")]);
    let directory = |path: &str| {
        format!("`path` must name a file, not a directory: write e.g. path = \"{path}\"")
    };
    assert_eq!(
        path("/var/run/liveness/"),
        [directory("/var/run/liveness/worker")]
    );
    assert_eq!(path("/"), [directory("/worker")]);
}

#[test]
fn refuses_a_name_that_makes_no_file_only_without_path() {
    let messages = errors(quote!(
        #[liveness(max_age = "90s", name = "..")]
        struct W;
    ));
    assert!(messages[0].starts_with("`name` \"..\" makes the default path \"/tmp/liveness/..\""));
    let worker = ok(quote! {
        #[liveness(max_age = "90s", name = "team/worker", path = "/tmp/liveness/w")]
        struct W;
    });
    assert_eq!(worker.name, "team/worker");
}

#[test]
fn names_liveness_only_through_the_crate_path() {
    let renamed = expand::derive(&syn::parse_quote! {
        #[liveness(crate = "lv", max_age = "90s", max_extend = "1h")]
        struct Worker;
    });
    let idents = idents(renamed);
    assert!(idents.contains(&"lv".to_owned()));
    assert!(!idents.contains(&"liveness".to_owned()), "{idents:?}");
    // The impl that goes next to errors too.
    let fallback = expand::derive(&syn::parse_quote! {
        #[liveness(crate = "lv")]
        struct Worker;
    });
    assert!(!self::idents(fallback).contains(&"liveness".to_owned()));
}

#[test]
fn takes_a_crate_path_without_generics() {
    let worker = ok(quote!(
        #[liveness(crate = "::service::lv", max_age = "9s")]
        struct W;
    ));
    let krate = worker.krate.to_token_stream().to_string();
    assert_eq!(krate, ":: service :: lv");
    let refused = "`crate` must be a path to the liveness crate: write e.g. crate = \"liveness\"";
    assert_eq!(
        errors(quote!(
            #[liveness(crate = "lv::<u8>", max_age = "9s")]
            struct W;
        )),
        [refused]
    );
    assert_eq!(
        errors(quote!(
            #[liveness(crate = "", max_age = "9s")]
            struct W;
        )),
        [refused]
    );
}
