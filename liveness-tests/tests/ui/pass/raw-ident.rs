// A raw identifier names the component without its `r#`.

#![allow(non_camel_case_types)]

use liveness::Liveness;

#[derive(Liveness)]
#[liveness(max_age = "90s")]
struct r#match;

fn main() {
    assert_eq!(<r#match as Liveness>::NAME, "match");
    assert_eq!(<r#match as Liveness>::PATH, "/tmp/liveness/match");
}
