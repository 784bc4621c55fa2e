//! systemd's watchdog (feature `systemd`): [`Probe::watchdog`] tells
//! systemd, from a thread of the service, what the probe finds, so that a
//! `Type=notify` unit with `WatchdogSec=` is restarted when a loop stops
//! beating, not only when the whole process hangs.
//!
//! `env.rs` reads systemd's environment, `notify.rs` sends the
//! notifications (`sd-notify`'s messages on a socket connected once),
//! `watch.rs` is the thread: when it judges, and what it sends; `ping.rs`
//! the pings the beats send, and the alarm the thread sleeps on.

mod env;
mod notify;
mod ping;
mod watch;

use std::{
    io,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::Duration,
};

use crate::Probe;

/// Whether a [`Watchdog`] thread runs in this process: two would each send
/// `READY=1` and pings, and the second would vouch for nothing new.
static RUNNING: AtomicBool = AtomicBool::new(false);

impl Probe {
    /// Tells systemd, from a background thread, whether every component is
    /// alive (feature `systemd`): keep the handle
    /// (`let _watchdog = probe.watchdog()?;`) for as long as the service
    /// runs.
    ///
    /// Under systemd (`NOTIFY_SOCKET` set, and `WATCHDOG_PID`, when set,
    /// this process), the thread judges the components as
    /// [`serve_http`](Probe::serve_http) does (from the writers' memory
    /// while their files hold it, the startup grace counted from this
    /// process's start) and sends, in one datagram each time:
    ///
    /// - `STATUS=<the probe's lines>` when they change (joined by `; `,
    ///   dead ones first, cut to 1024 bytes): what `systemctl status` shows;
    /// - `READY=1` once every component has started (recorded a beat, an
    ///   extension or a failure): a `Type=notify` unit is started then;
    /// - `WATCHDOG=1` while every component is alive, when `WatchdogSec=`
    ///   is set (see below);
    /// - `WATCHDOG=trigger` as soon as any component is dead (its
    ///   `max_age` passed without a beat, its extension ran out, or it
    ///   called [`fail`](crate::Liveness::fail), whose reason the status
    ///   then shows): systemd (≥ 244) then restarts it at once, without
    ///   waiting out `WatchdogSec=`.
    ///
    /// The pings come from the beats: once half a ping interval
    /// (`WATCHDOG_USEC / 2`) has passed since the last, the first beat that
    /// reaches its file (a write, at most one per throttle interval; a beat
    /// the throttle skips does nothing more) sends `WATCHDOG=1` from the
    /// loop's own thread, if every component is alive: alive when the
    /// thread last judged them, or beating since. A ping so proves that
    /// the loops run, not only a timer, and it costs no thread a wake-up:
    /// while the beats ping, the thread sleeps (on Linux: on a timer each
    /// ping pushes back). It wakes, judges and sends what is due when a
    /// change is recorded ([`fail`](crate::Liveness::fail),
    /// [`extend`](crate::Liveness::extend), a readiness, the beat that ends
    /// an extension), at the earliest deadline (a component that stops
    /// beating stops the pings there and triggers), and when no beat
    /// pinged for three quarters of `WatchdogSec=` (a component extended and not
    /// beating, writes sparser than the interval, the start): then it
    /// pings itself, as a timer would. The pings from the beats carry
    /// `WATCHDOG=1` alone: `STATUS=` is sent when the thread judges, so the
    /// ages it shows may be older than the last ping. Off Linux the thread
    /// also pings every interval.
    ///
    /// A component within [`extend`](crate::Liveness::extend) is alive, so
    /// the pings go on until its extension runs out: the unit needs no
    /// `EXTEND_TIMEOUT_USEC` (an extension before the first beat counts as
    /// started, as for `--startup`). The probe's `--systemd` prints the unit
    /// settings that go with this.
    ///
    /// Neither the thread nor a beat ever blocks on systemd's socket: what
    /// its full queue refuses the thread sends again 10 ms later (a ping a
    /// beat could not send is the thread's to send), so a systemd that
    /// stops reading holds neither the loops, the thread, nor the handle's
    /// drop.
    ///
    /// Not under systemd the handle does nothing (and says so in the debug
    /// log); [`is_active`](Watchdog::is_active) tells which.
    ///
    /// ```
    /// use liveness::{Component, Liveness, Probe};
    ///
    /// #[derive(Liveness)]
    /// #[liveness(max_age = "30s", path = "/tmp/liveness-doc-watchdog/worker")]
    /// struct Worker;
    ///
    /// let watchdog = Probe::new([Component::of::<Worker>()]).watchdog()?;
    /// // Not started by systemd here: nothing to tell.
    /// # if std::env::var_os("NOTIFY_SOCKET").is_none() {
    /// assert!(!watchdog.is_active());
    /// # }
    /// Worker::beat()?;
    /// watchdog.stop();
    /// # std::fs::remove_dir_all("/tmp/liveness-doc-watchdog")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When systemd's variables are malformed (`InvalidInput`, a line
    /// naming the variable), the probe has no component (`InvalidInput`), a
    /// watchdog already runs in this process (`AlreadyExists`), the socket
    /// cannot be reached, or the thread cannot be started.
    #[cfg_attr(docsrs, doc(cfg(feature = "systemd")))]
    #[must_use = "the watchdog stops when its handle is dropped: keep it (`let _watchdog = probe.watchdog()?;`)"]
    pub fn watchdog(&self) -> io::Result<Watchdog> {
        let [notify_socket, watchdog_usec, watchdog_pid] =
            ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"].map(std::env::var_os);
        let vars = env::Vars {
            notify_socket: notify_socket.as_deref(),
            watchdog_usec: watchdog_usec.as_deref(),
            watchdog_pid: watchdog_pid.as_deref(),
        };
        let watch = env::parse(vars, std::process::id())
            .map_err(|said| io::Error::new(io::ErrorKind::InvalidInput, said))?;
        self.watch(watch)
    }

    fn watch(&self, watch: env::Watch) -> io::Result<Watchdog> {
        let (socket, ping) = match watch {
            env::Watch::Not(why) => {
                log::debug!("liveness: systemd's watchdog is off: {why}");
                return Ok(Watchdog::inert());
            }
            env::Watch::Notify { socket, ping } => (socket, ping),
        };
        if self.components().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this probe judges no component: list at least one",
            ));
        }
        let notifier = notify::Notifier::connect(socket)?;
        if RUNNING.swap(true, Ordering::AcqRel) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "a systemd watchdog already runs in this process: keep one handle",
            ));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let shared = ping::Shared::new(ping, Arc::clone(&stop))
            .map(Arc::new)
            .inspect_err(|_| RUNNING.store(false, Ordering::Release))?;
        let watcher = watch::Watcher {
            probe: self.clone(),
            notifier,
            ping,
            shared: Arc::clone(&shared),
        };
        ping::arm(&shared);
        let thread = std::thread::Builder::new()
            .name("liveness-sd".into())
            .spawn(move || watcher.run())
            .inspect_err(|_| {
                ping::disarm();
                RUNNING.store(false, Ordering::Release);
            })?;
        Ok(Watchdog {
            ping,
            stop,
            shared: Some(shared),
            thread: Some(thread),
        })
    }
}

/// A running systemd watchdog, from [`Probe::watchdog`] (feature
/// `systemd`); dropping it stops the thread.
///
/// Keep it for as long as the service runs: with `WatchdogSec=`, systemd
/// kills a service whose pings stop. `let _ = probe.watchdog()?;` drops it
/// at once; bind it, `let _watchdog = probe.watchdog()?;`.
#[cfg_attr(docsrs, doc(cfg(feature = "systemd")))]
#[must_use = "the watchdog stops when this handle is dropped: keep it for as long as the service runs"]
#[derive(Debug)]
pub struct Watchdog {
    ping: Option<Duration>,
    /// Set, and the thread woken, to end it.
    stop: Arc<AtomicBool>,
    /// What the thread shares with the writes: its alarm.
    shared: Option<Arc<ping::Shared>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn inert() -> Watchdog {
        Watchdog {
            ping: None,
            stop: Arc::default(),
            shared: None,
            thread: None,
        }
    }

    /// Whether systemd is told anything: false when this process was not
    /// started by systemd (or its watchdog watches another process).
    pub fn is_active(&self) -> bool {
        self.thread.is_some()
    }

    /// How often the thread pings (`WATCHDOG_USEC / 2`, at least 1 ms), when
    /// systemd's watchdog is on.
    pub fn ping_interval(&self) -> Option<Duration> {
        self.ping
    }

    /// Stops the thread and waits for it to end (what dropping the handle
    /// does too). Nothing more is sent: with `WatchdogSec=`, systemd then
    /// restarts a service that goes on running.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if self.thread.is_some() {
            ping::disarm();
        }
        self.stop.store(true, Ordering::Release);
        if let Some(shared) = &self.shared {
            shared.alarm.fire();
        }
        if let Some(thread) = self.thread.take() {
            // A panic in the thread has been printed already.
            let _ = thread.join();
            RUNNING.store(false, Ordering::Release);
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shut_down();
    }
}

#[cfg(test)]
mod tests;
