//! The answer for a large pool, summarised: every instance that is dead or
//! has not started is named (up to [`LISTED_AT_MOST`] per pool), the others
//! are counted. A full pool's answer stays a few KiB, however many instances
//! it has, so that a check costs the server little and fits a socket buffer.

use std::path::Path;

use crate::{Status, escape};

/// A component with more instance statuses than this is summarised.
pub(super) const SUMMARISED_ABOVE: usize = 32;

/// Instances of a summarised pool named one by one, at most.
pub(super) const LISTED_AT_MOST: usize = 32;

/// The statuses an answer shows one by one, and the pools it counts.
pub(super) struct Summary<'a> {
    pub listed: Vec<&'a Status>,
    pub pools: Vec<Counted>,
}

/// A summarised pool: what its line and its JSON entry say.
#[derive(serde::Serialize)]
pub(super) struct Counted {
    /// Escaped.
    name: String,
    /// `<path>.*`, escaped.
    path: String,
    instances: usize,
    /// Alive, started and ready, not listed.
    alive_not_listed: usize,
    /// Dead, not started or not ready, past the listed ones.
    more_not_listed: usize,
}

impl Counted {
    /// The line the text answer shows for the pool.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}: {} of {} instances alive, not listed one by one",
            self.name, self.alive_not_listed, self.instances
        );
        if self.more_not_listed > 0 {
            line += &format!(
                "; {} more dead, not started or not ready, not listed",
                self.more_not_listed
            );
        }
        line + &format!(" ({})", self.path)
    }
}

/// Groups `statuses` by component (they come in order) and summarises each
/// pool of more than [`SUMMARISED_ABOVE`] statuses.
pub(super) fn summarise(statuses: &[Status]) -> Summary<'_> {
    let mut summary = Summary {
        listed: Vec::new(),
        pools: Vec::new(),
    };
    let mut rest = statuses;
    while let Some(first) = rest.first() {
        let len = rest
            .iter()
            .position(|s| s.name() != first.name())
            .unwrap_or(rest.len());
        let (group, after) = rest.split_at(len);
        rest = after;
        if group.len() <= SUMMARISED_ABOVE {
            summary.listed.extend(group);
            continue;
        }
        let mut counted = Counted {
            name: escape::text(first.name()).to_string(),
            path: pool_path(group),
            instances: group.iter().filter(|s| s.instance().is_some()).count(),
            alive_not_listed: 0,
            more_not_listed: 0,
        };
        let mut listed = 0;
        for status in group {
            if status.is_alive() && status.has_started() && status.is_ready() {
                counted.alive_not_listed += 1;
            } else if listed < LISTED_AT_MOST {
                listed += 1;
                summary.listed.push(status);
            } else {
                counted.more_not_listed += 1;
            }
        }
        summary.pools.push(counted);
    }
    summary
}

/// `<path>.*`, from an instance's `<path>.<i>`.
fn pool_path(group: &[Status]) -> String {
    let instance = group.iter().find(|s| s.instance().is_some());
    let path = instance.map_or_else(|| group[0].path(), Status::path);
    escape::path(&Path::new(path).with_extension("*")).to_string()
}
