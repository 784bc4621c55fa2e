//! The watchdog's thread: judges the probe's components the way the
//! `httpGet` endpoint does (from the writers' memory, the startup grace
//! counted from this process's start) and tells systemd what it found.
//!
//! It judges when a ping is due and no beat sent it (`ping.rs`: the beats
//! ping, and push its alarm back), when a component's deadline passes (the
//! moment a verdict can turn dead without anything being recorded), when a
//! writer of this process records a change (`fail`, `extend`: a change
//! fires its alarm), and every [`CHANGE_POLL`] (or ping, when sooner:
//! systemd's watchdog runs during the start too) until every component has
//! started (for `READY=1`: a beat is not a change). In between it sleeps:
//! no polling once started. After each judgement it publishes it for the
//! beats (`ping.rs`). Then, in one datagram:
//! `STATUS=` when the line changed, `READY=1` the first time every component
//! has started, `WATCHDOG=1` while every component is alive (and systemd's
//! watchdog is on), and `WATCHDOG=trigger` once when one turns dead.

use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, SystemTime},
};

use sd_notify::NotifyState;

use super::{
    notify::Notifier,
    ping::{Entry, Shared, Table, ns},
};
use crate::{
    Probe, Status, clock,
    heartbeat::changes,
    probe::{Source, survey},
};

/// How often the thread judges until every component has started.
pub(crate) const CHANGE_POLL: Duration = Duration::from_millis(50);

/// How often the thread judges without systemd's watchdog (`READY=1` and
/// `STATUS=` only, and `WATCHDOG=trigger` on a dead verdict).
const UNWATCHED: Duration = Duration::from_secs(1);

/// How soon a notification that could not be sent is tried again:
/// systemd's queue, shared by every service, is full but for a moment, and
/// a ping must not wait for the next one.
const SEND_RETRY: Duration = Duration::from_millis(10);

/// The longest `STATUS=` sent: systemd drops a notification datagram longer
/// than a pipe buffer (4 KiB), and reads one status line.
pub(crate) const STATUS_MAX: usize = 1024;

/// A judgement of every component, as the thread acts on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Judged {
    pub alive: bool,
    pub started: bool,
    /// The probe's lines on one line: see [`status_line`].
    pub line: String,
}

impl Judged {
    pub fn of(statuses: &[Status]) -> Judged {
        Judged {
            alive: statuses.iter().all(Status::is_alive),
            started: statuses.iter().all(Status::has_started),
            line: status_line(statuses),
        }
    }
}

/// The probe's lines, dead (or still starting) components first, joined by
/// `; ` and cut to [`STATUS_MAX`] bytes at a character boundary, saying how
/// many lines were cut. The lines are the probe's, escaped already:
/// no newline can end the status early.
pub(crate) fn status_line(statuses: &[Status]) -> String {
    const CUT: &str = "…";
    let mut ordered: Vec<&Status> = statuses.iter().collect();
    ordered.sort_by_key(|s| (s.is_alive(), s.has_started()));
    let total = ordered.len();
    let mut line = String::new();
    for (i, status) in ordered.iter().enumerate() {
        let next = status.to_string();
        let sep = if i == 0 { "" } else { "; " };
        let cut = format!(" ({} of {total} lines cut)", total - i);
        // Room for saying what is cut, unless nothing can be.
        let reserve = if i + 1 == total { 0 } else { cut.len() };
        if line.len() + sep.len() + next.len() + reserve <= STATUS_MAX {
            line = line + sep + &next;
            continue;
        }
        let room = STATUS_MAX.saturating_sub(line.len() + sep.len() + CUT.len() + cut.len());
        if room < 32 {
            return line + &cut;
        }
        let end = (0..=room)
            .rev()
            .find(|&e| next.is_char_boundary(e))
            .unwrap_or(0);
        return line + sep + &next[..end] + CUT + &cut;
    }
    line
}

/// What has been told so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Told {
    status: Option<String>,
    ready: bool,
    triggered: bool,
}

impl Told {
    /// What to send for `judged`, with pings when `pinging`.
    pub fn next<'a>(&mut self, judged: &'a Judged, pinging: bool) -> Vec<NotifyState<'a>> {
        let mut states = Vec::new();
        if self.status.as_deref() != Some(judged.line.as_str()) {
            self.status = Some(judged.line.clone());
            states.push(NotifyState::Status(&judged.line));
        }
        if judged.started && !self.ready {
            self.ready = true;
            states.push(NotifyState::Ready);
        }
        if judged.alive {
            self.triggered = false;
            if pinging {
                states.push(NotifyState::Watchdog);
            }
        } else if !self.triggered {
            self.triggered = true;
            states.push(NotifyState::WatchdogTrigger);
        }
        states
    }
}

/// The judgements the thread made, for the tests: how often it woke.
#[cfg(test)]
pub(crate) static JUDGEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The thread's loop, until `stop` is set (and the alarm fired).
pub(crate) struct Watcher {
    pub probe: Probe,
    pub notifier: Notifier,
    pub ping: Option<Duration>,
    pub shared: Arc<Shared>,
}

impl Watcher {
    pub fn run(mut self) {
        let mut told = Told::default();
        let mut failed_sends = 0u32;
        loop {
            #[cfg(test)]
            JUDGEMENTS.fetch_add(1, Ordering::Relaxed);
            // Counted before judging: a change during the survey is judged
            // again, and keeps the writes from pinging meanwhile.
            let seen = changes();
            let statuses = survey(self.probe.components(), Source::Memory);
            let judged = Judged::of(&statuses);
            let before = told.clone();
            let states = told.next(&judged, self.ping.is_some());
            let mut unsent = false;
            if !states.is_empty() {
                match self.notifier.send(&states) {
                    Ok(()) => failed_sends = 0,
                    Err(error) => {
                        // Not told: said again soon.
                        told = before;
                        unsent = true;
                        failed_sends += 1;
                        if failed_sends == 1 {
                            log::warn!("liveness: cannot notify systemd: {error}");
                        }
                    }
                }
            }
            let now = clock::boot_ns();
            if !unsent && states.iter().any(|s| matches!(s, NotifyState::Watchdog)) {
                self.shared.last_ping.store(now, Ordering::Release);
            }
            self.publish(&statuses, &judged, seen, unsent, now);
            // Asleep until the next judgement is due, or a change.
            let mut until = until_next(&statuses, &judged, self.ping);
            if unsent {
                until = until.min(SEND_RETRY);
            }
            let stop = &self.shared.stop;
            self.shared
                .alarm
                .sleep_until(now.saturating_add(ns(until)), seen, stop);
            if stop.load(Ordering::Acquire) {
                return;
            }
        }
    }

    /// Publishes this judgement for the writes that ping.
    fn publish(&self, statuses: &[Status], judged: &Judged, seen: u64, unsent: bool, now: u64) {
        let components = self.probe.components();
        self.shared.publish(Table {
            pingable: self.ping.is_some() && judged.alive && judged.started && !unsent,
            changes: seen,
            entries: statuses
                .iter()
                .map(|status| Entry::of(components, status, now))
                .collect(),
            socket: self.notifier.datagram(),
        });
    }
}

/// Until the next judgement: the next ping, the first deadline (and a
/// millisecond, to judge past it), or the next poll while starting,
/// whichever comes first.
pub(crate) fn until_next(statuses: &[Status], judged: &Judged, ping: Option<Duration>) -> Duration {
    if !judged.started {
        return ping.map_or(CHANGE_POLL, |ping| ping.min(CHANGE_POLL));
    }
    let now = SystemTime::now();
    let deadline = statuses
        .iter()
        .filter_map(Status::deadline)
        .map(|d| d.duration_since(now).unwrap_or_default() + Duration::from_millis(1))
        .min();
    let ping = ping.unwrap_or(UNWATCHED);
    deadline.map_or(ping, |d| d.min(ping))
}

#[cfg(test)]
mod tests;
