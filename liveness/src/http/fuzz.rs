//! The fuzz target's entry point; exists only under `--cfg fuzzing`.

use super::{
    Judge, request,
    server::response::{answer, check_response},
};

struct Fixed(bool);

impl Judge for Fixed {
    fn report(&self, _: super::Check, json: bool) -> (bool, String) {
        let body = match (json, self.0) {
            (true, alive) => format!("{{\"alive\":{alive}}}\n"),
            (false, true) => "fuzz: alive: fixed (/fuzz)\n".to_owned(),
            (false, false) => "fuzz: dead: fixed (/fuzz)\n".to_owned(),
        };
        (self.0, body)
    }
}

/// Answers `data[1..]` as a request head on `/livez`, whole and in
/// chunks of `data[0] / 2 + 1` bytes, for a judge whose verdict is bit 0
/// of `data[0]`; panics unless both give one well-formed response, or
/// both need more, with 200 or 503 only as the judge says.
pub fn check(data: &[u8]) {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let judge = Fixed(control & 1 == 1);
    let whole = request::parse(bytes).map(|parsed| answer(&parsed, "/livez", &judge));
    let mut head = request::Head::default();
    let mut consumed = 0;
    let mut chunked = None;
    for chunk in bytes.chunks(usize::from(control / 2) + 1) {
        consumed += chunk.len();
        chunked = head
            .push(chunk)
            .map(|parsed| answer(&parsed, "/livez", &judge));
        if chunked.is_some() {
            break;
        }
    }
    match (whole.as_deref(), chunked.as_deref()) {
        (None, None) => assert!(bytes.len() <= request::MAX_HEAD),
        (Some(response), None) => {
            // Parsed when a line ends: an error after the last newline
            // waits for the next one.
            assert_eq!(check_response(response).0, 400);
        }
        (_, Some(response)) => {
            let (code, _) = check_response(response);
            if code == 200 || code == 503 {
                assert_eq!(code == 200, judge.0);
            }
            // Once a prefix is answered, more bytes change nothing.
            assert_eq!(whole.as_deref(), Some(response), "whole and chunked differ");
            assert!(consumed <= request::MAX_HEAD + 1 + usize::from(control));
        }
    }
}
