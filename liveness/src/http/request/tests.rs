use proptest::prelude::*;

use super::*;
use crate::http::{
    Check, Judge,
    server::response::{
        JSON, TEXT, answer, check_response,
        tests::{Fixed, ask, respond, response},
    },
};

#[test]
fn query_and_absolute_form_reach_the_path() {
    assert_eq!(ask("GET /livez?verbose HTTP/1.1\r\n\r\n").0, 200);
    assert_eq!(ask("GET http://pod:8080/livez HTTP/1.1\r\n\r\n").0, 200);
    assert_eq!(ask("GET HTTP://pod/livez?x HTTP/1.1\r\n\r\n").0, 200);
    assert_eq!(ask("GET http://pod HTTP/1.1\r\n\r\n").0, 404);
    assert_eq!(ask("GET /livez/ HTTP/1.1\r\n\r\n").0, 404);
    assert_eq!(ask("GET /?/livez HTTP/1.1\r\n\r\n").0, 404);
    assert_eq!(ask("GET * HTTP/1.1\r\n\r\n").0, 404);
}

#[test]
fn accept_chooses_json_only_when_listed() {
    let json = |accept: &str| {
        let request = format!("GET /livez HTTP/1.1\r\nAccept: {accept}\r\n\r\n");
        ask(&request).1.starts_with('{')
    };
    assert!(json("application/json"));
    assert!(json("text/html, Application/JSON;charset=utf-8"));
    assert!(json("text/plain;q=0.5, application/json;q=0.9"));
    assert!(!json("application/json;q=0"));
    assert!(!json("application/json; q=0.000"));
    assert!(!json("*/*"));
    assert!(!json("application/*"));
    assert!(!json("application/jsonx"));
    let two = "GET /livez HTTP/1.1\r\nAccept: text/plain\r\naccept: application/json\r\n\r\n";
    assert!(ask(two).1.starts_with('{'));
}

#[test]
fn a_head_parses_to_what_it_asks_without_a_judge() {
    let parsed =
        parse(b"HEAD http://pod/livez/startup?x HTTP/1.1\r\nAccept: application/json\r\n\r\n");
    let expected = Request {
        method: Method::Head,
        path: "/livez/startup",
        json: true,
        linger: false,
    };
    assert_eq!(parsed, Some(Parsed::Request(expected)));
    let post = parse(b"POST /x HTTP/1.0\r\nContent-Length: 2\r\n\r\n").unwrap();
    assert!(matches!(
        post,
        Parsed::Request(Request {
            method: Method::Other,
            path: "/x",
            json: false,
            linger: true
        })
    ));
    assert_eq!(
        parse(b"GET /livez HTTP/2.0\r\n\r\n"),
        Some(Parsed::Malformed)
    );
    assert_eq!(parse(&[b'a'; MAX_HEAD + 1]), Some(Parsed::TooLarge));
}

#[test]
fn lingers_only_when_the_client_may_still_be_sending() {
    let linger = |bytes: &[u8]| parse(bytes).expect("needs more").linger();
    assert!(!linger(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert!(!linger(
        b"POST /livez HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
    ));
    assert!(linger(b"POST /livez HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
    assert!(linger(
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    ));
    assert!(linger(
        b"GET /livez HTTP/1.1\r\n\r\nGET /livez HTTP/1.1\r\n"
    ));
    assert!(linger(b"GET /livez HTTP/9.9\r\n"));
    assert!(linger(&[b'a'; MAX_HEAD + 1]));
}

#[test]
fn incomplete_heads_need_more() {
    for partial in [
        "",
        "GET",
        "GET /livez HTTP/1.1",
        "GET /livez HTTP/1.1\r\nHost: x\r\n",
    ] {
        assert_eq!(parse(partial.as_bytes()), None, "{partial:?}");
    }
}

#[test]
fn a_head_parses_once_a_line_ends() {
    let mut head = Head::default();
    for byte in b"GET /livez HTTP/1.1\r\nHost: x\r\n\r" {
        assert_eq!(head.push(&[*byte]), None);
    }
    assert!(head.push(b"\n").is_some());
}

/// A well-formed request head: method, target, version, then headers.
fn request_head(
    method: &str,
    target: &str,
    minor: u8,
    headers: &[(String, String)],
    crlf: bool,
) -> Vec<u8> {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut head = format!("{method} {target} HTTP/1.{minor}{eol}");
    for (name, value) in headers {
        head += &format!("{name}: {value}{eol}");
    }
    head += eol;
    head.into_bytes()
}

fn header() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Za-z][A-Za-z0-9-]{0,15}",
        "[ -~]{0,40}".prop_map(|v| v.trim().to_owned()),
    )
}

proptest! {
    /// Any bytes: a well-formed response or "need more", never a panic,
    /// and "need more" only while the bytes fit the bound.
    #[test]
    fn any_bytes_give_a_response_or_need_more(
        bytes in prop::collection::vec(any::<u8>(), 0..10_000),
        alive in any::<bool>(),
    ) {
        match respond(&bytes, alive) {
            None => prop_assert!(bytes.len() <= MAX_HEAD),
            Some(response) => { check_response(&response); }
        }
    }

    /// Text that looks like a request, arriving in arbitrary chunks:
    /// well-formed answers, the same as for the whole at once (whether
    /// to linger depends on what arrived after the head).
    #[test]
    fn heads_in_chunks_answer_as_a_whole(
        text in "(GET|HEAD|POST|G) (/livez|/|/x)( HTTP/1\\.[01])?(\r?\n([A-Za-z-]{1,8}: [ -~]{0,12})?){0,6}",
        cuts in prop::collection::vec(1usize..16, 0..40),
    ) {
        let bytes = text.as_bytes();
        let mut head = Head::default();
        let (mut at, mut cuts) = (0, cuts.into_iter());
        let mut chunked = None;
        while at < bytes.len() && chunked.is_none() {
            let end = at.saturating_add(cuts.next().unwrap_or(usize::MAX)).min(bytes.len());
            chunked = head
                .push(&bytes[at..end])
                .map(|parsed| answer(&parsed, "/livez", &Fixed(true)));
            at = end;
        }
        let whole = respond(bytes, true);
        if let Some(response) = chunked {
            check_response(&response);
            prop_assert_eq!(Some(response), whole);
        } else if let Some(response) = whole {
            // Parsed only when a line ends: an error after the last
            // newline is answered at the next one, or never (closed).
            prop_assert_eq!(check_response(&response).0, 400);
        }
    }

    /// A head over the bound is 431, however it is sent.
    #[test]
    fn a_head_over_8_kib_is_431(
        method in "GET|HEAD|POST",
        headers in prop::collection::vec(header(), 0..8),
        filler in MAX_HEAD..MAX_HEAD + 2_000,
        chunk in 1usize..5_000,
    ) {
        let mut headers = headers;
        headers.push(("X-Filler".into(), "f".repeat(filler)));
        let bytes = request_head(&method, "/livez", 1, &headers, true);
        let whole = response(&bytes, true);
        prop_assert_eq!(check_response(&whole).0, 431);
        let mut head = Head::default();
        let mut parsed = None;
        for piece in bytes.chunks(chunk) {
            parsed = head.push(piece).map(|parsed| (parsed == Parsed::TooLarge, parsed.linger()));
            if parsed.is_some() {
                break;
            }
        }
        prop_assert_eq!(parsed, Some((true, true)));
        prop_assert!(head.bytes.capacity() <= MAX_HEAD + 1);
    }

    /// A well-formed GET or HEAD on the path: 200 or 503 as the judge
    /// says, its body (none for HEAD), JSON when asked for.
    #[test]
    fn get_and_head_on_the_path_follow_the_judge(
        head_only in any::<bool>(),
        minor in 0u8..=1,
        headers in prop::collection::vec(header(), 0..10),
        json in any::<bool>(),
        query in prop::option::of("[a-z=&]{0,10}"),
        crlf in any::<bool>(),
        alive in any::<bool>(),
    ) {
        let mut headers: Vec<_> = headers
            .into_iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("accept"))
            .collect();
        if json {
            headers.push(("Accept".into(), "text/html, application/json;q=0.8".into()));
        }
        let method = if head_only { "HEAD" } else { "GET" };
        let target = match &query {
            Some(query) => format!("/livez?{query}"),
            None => "/livez".into(),
        };
        let bytes = request_head(method, &target, minor, &headers, crlf);
        prop_assume!(bytes.len() <= MAX_HEAD);
        let judge = Fixed(alive);
        let response = response(&bytes, alive);
        let (code, body) = check_response(&response);
        prop_assert_eq!(code, if alive { 200 } else { 503 });
        let expected = judge.report(Check::Liveness, json).1;
        if head_only {
            prop_assert!(body.is_empty());
            let length = format!("Content-Length: {}\r\n", expected.len());
            prop_assert!(response.windows(length.len()).any(|w| w == length.as_bytes()));
        } else {
            prop_assert_eq!(body, expected.as_bytes());
        }
        let content_type = format!("Content-Type: {}\r\n", if json { JSON } else { TEXT });
        prop_assert!(response.windows(content_type.len()).any(|w| w == content_type.as_bytes()));
    }
}
