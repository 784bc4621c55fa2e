//! Reading: files that grow, large files, and the shared re-read budget.

use super::*;
use crate::{
    host::Identity,
    record::{Event, Parsed},
};

#[test]
fn a_file_that_grew_since_its_size_was_taken_is_read_whole() {
    let path = std::env::temp_dir().join(format!("liveness-grew-{}", std::process::id()));
    let record = Identity::get().record(None, Event::Beat);
    std::fs::write(&path, record.encode().unwrap()).unwrap();
    let file = File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    // `fstat` said 10 bytes; the file holds a whole record.
    let budget = Budget::one_file();
    assert_eq!(
        read_contents(&file, 10, &budget),
        Contents::Parsed(Parsed::Record(record))
    );
    assert_eq!(
        read_contents(&file, 0, &budget),
        read_contents(&file, 1024, &budget)
    );
}

#[test]
fn a_file_larger_than_a_record_is_read_up_to_the_limit() {
    let path = std::env::temp_dir().join(format!("liveness-large-{}", std::process::id()));
    std::fs::write(&path, vec![b'7'; 5000]).unwrap();
    let file = File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    // Whatever size fstat gave (it grew since), the file is read past a
    // record's size, to the limit.
    for said in [10, 1024, 5000] {
        assert_eq!(
            read_contents(&file, said, &Budget::one_file()),
            Contents::Invalid("too large for a heartbeat".into()),
            "{said}"
        );
    }
}

#[test]
fn a_survey_shares_one_budget_of_rereads_across_its_files() {
    // Absolute, as heartbeat paths are, whatever TMPDIR says.
    let dir = std::path::absolute(std::env::temp_dir())
        .unwrap()
        .join(format!("liveness-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let budget = Budget::survey();
    for i in 0..64 {
        let path = dir.join(i.to_string());
        let torn = [b"liveness/2 ".as_slice(), &[b' '; 1013]].concat();
        std::fs::write(&path, if i % 2 == 0 { &[][..] } else { &torn[..] }).unwrap();
        let (contents, _) = read_within(&path, &budget);
        assert!(
            matches!(contents, Contents::Empty | Contents::Invalid(_)),
            "{contents:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // 64 files that stay empty or torn: three files' worth of re-reads
    // in all, not 15 each.
    assert!(budget.used() <= 3 * READ_ATTEMPTS, "{}", budget.used());
    assert!(budget.used() > 0);
}
