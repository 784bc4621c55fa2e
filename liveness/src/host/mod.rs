//! What the running system says about boot, container and processes.
//!
//! A container incarnation is its mount namespace, its PID namespace and the
//! start of its PID 1 (`/proc/self/ns/mnt`, `/proc/self/ns/pid`,
//! `/proc/1/stat`), within one boot. A restarted container gets new
//! namespaces and a new PID 1, while an `emptyDir` volume keeps the previous
//! container's heartbeat file: the incarnation tells the two apart.
//!
//! A service may run in a namespace of its own inside its container: systemd
//! `PrivateTmp=` and `ProtectSystem=`, `bwrap`, `unshare -m` give it another
//! mount namespace, `unshare -T` another time namespace. So a record also
//! names its writer (pid and start time), and a probe that sees that process
//! still running knows the writer is one of its own container's, whatever
//! its mount namespace. Times are kept on the host's boot clock: a process in
//! a time namespace takes its offset (`/proc/self/timens_offsets`) off its
//! clock readings and off the start times procfs shows it.
//!
//! `LIVENESS_PROC_ROOT` (default `/proc`) names the procfs these facts are
//! read from. It exists for tests, which stand a container restart or a young
//! container up in a directory of their own: `1/stat`, `self/ns/mnt` and
//! `self/ns/pid` (any files: their inodes are the namespace ids),
//! `sys/kernel/random/boot_id`, optionally `self/stat` and
//! `self/timens_offsets`.

mod procfs;

use std::{
    path::PathBuf,
    time::{Duration, SystemTime},
};

pub(crate) use crate::record::{BootId, Incarnation};
use crate::{
    clock,
    record::{Event, Owner, Record, Writer},
};

/// The boot clock and the boot it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Boot {
    pub id: BootId,
    /// The host's boot clock, now.
    pub now: Duration,
}

/// One snapshot of the clocks and of the container, taken once per probe run.
///
/// Verdicts are computed from a `Host` and a record only, so that tests can
/// build any `Host` they need (clock steps, another boot, a young container).
#[derive(Clone, Debug)]
pub(crate) struct Host {
    pub wall: SystemTime,
    pub boot: Option<Boot>,
    pub incarnation: Option<Incarnation>,
    /// How long ago the container (or, for a server in the service, the
    /// process) started: what the startup grace is measured against.
    pub container_age: Option<Duration>,
    /// Where to look for a record's writer.
    pub processes: Processes,
}

/// How a probe tells whether a record's writer still runs.
#[derive(Clone, Debug)]
pub(crate) enum Processes {
    /// Look it up in this procfs, whose start times are shifted by this
    /// time-namespace offset.
    Procfs(PathBuf, procfs::Offset),
    /// These (pid, start) pairs run; for tests.
    #[cfg(any(test, fuzzing))]
    Listed(Vec<(u32, u64)>),
}

impl Host {
    /// Reads procfs, then the clocks.
    ///
    /// Take the snapshot after reading the heartbeats it judges: a beat
    /// written between a clock read and a file read would otherwise look
    /// younger than zero.
    pub fn current() -> Host {
        let proc = procfs::root();
        let offset = procfs::time_offset(&proc);
        let boot_id = procfs::boot_id(&proc);
        let incarnation = procfs::incarnation(&proc, offset, false);
        let wall = clock::wall();
        let now = offset.to_host(clock::boot());
        let container_age = incarnation
            .filter(|_| clock::HAS_BOOT_CLOCK)
            .and_then(|inc| now.checked_sub(procfs::ticks_to_duration(inc.init_start)));
        Host {
            wall,
            boot: boot_id
                .filter(|_| clock::HAS_BOOT_CLOCK)
                .map(|id| Boot { id, now }),
            incarnation,
            container_age,
            processes: Processes::Procfs(proc, offset),
        }
    }

    /// This process's view, without reading procfs again: its identity
    /// (read once), the clocks now, and the startup grace counted from the
    /// start of this process. For a server inside the service.
    pub fn of_process() -> Host {
        let identity = Identity::get();
        let now = identity.boot_now();
        // The process's start; without it, its container's.
        let started = identity
            .writer
            .start
            .or(identity.incarnation.map(|inc| inc.init_start))
            .map(ticks_to_duration);
        Host {
            wall: clock::wall(),
            boot: identity.boot_id.map(|id| Boot { id, now }),
            incarnation: identity.incarnation,
            container_age: started.and_then(|start| now.checked_sub(start)),
            processes: Processes::Procfs(identity.proc.clone(), identity.offset),
        }
    }

    /// This host's incarnation with its PID namespace, read now if the
    /// snapshot left it out.
    pub fn incarnation_with_pid_ns(&self) -> Option<Incarnation> {
        let mut incarnation = self.incarnation?;
        if incarnation.pid_ns == 0 {
            incarnation.pid_ns = match &self.processes {
                Processes::Procfs(proc, _) => procfs::pid_ns(proc)?,
                #[cfg(any(test, fuzzing))]
                Processes::Listed(_) => return Some(incarnation),
            };
        }
        Some(incarnation)
    }

    /// Whether no container was detected: the probe runs in the kernel's
    /// initial PID namespace (inode `0xEFFFFFFC`), and `container_age` is
    /// PID 1's, i.e. the system's uptime.
    pub fn outside_container(&self) -> bool {
        const INITIAL_PID_NS: u64 = 0xEFFF_FFFC;
        let Some(incarnation) = self.incarnation_with_pid_ns() else {
            return false;
        };
        let init_age = self.boot.and_then(|boot| {
            boot.now
                .checked_sub(ticks_to_duration(incarnation.init_start))
        });
        incarnation.pid_ns == INITIAL_PID_NS && init_age.is_some() && init_age == self.container_age
    }

    /// Whether `writer` runs now, as this host sees it: its pid shows a
    /// process that started when the record says.
    pub fn runs(&self, writer: &Writer) -> bool {
        let Some(start) = writer.start.filter(|_| writer.pid != 0) else {
            return false;
        };
        match &self.processes {
            Processes::Procfs(proc, offset) => {
                procfs::start_ticks(proc, &writer.pid.to_string(), *offset) == Some(start)
            }
            #[cfg(any(test, fuzzing))]
            Processes::Listed(running) => running.contains(&(writer.pid, start)),
        }
    }
}

/// Ticks since boot as a time.
pub(crate) fn ticks_to_duration(ticks: u64) -> Duration {
    procfs::ticks_to_duration(ticks)
}

/// What a writer stamps on every record; read once per process.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub boot_id: Option<BootId>,
    pub incarnation: Option<Incarnation>,
    pub writer: Writer,
    /// This process's time-namespace offset, taken off its clock readings.
    pub offset: procfs::Offset,
    /// The procfs it was read from.
    pub proc: PathBuf,
}

impl Identity {
    /// The identity of this process, read from procfs on first use.
    pub fn get() -> &'static Identity {
        static IDENTITY: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();
        IDENTITY.get_or_init(|| {
            let proc = procfs::root();
            let offset = procfs::time_offset(&proc);
            Identity {
                boot_id: procfs::boot_id(&proc).filter(|_| clock::HAS_BOOT_CLOCK),
                incarnation: procfs::incarnation(&proc, offset, true),
                writer: Writer {
                    pid: procfs::outer_pid(&proc).unwrap_or_else(std::process::id),
                    start: procfs::start_ticks(&proc, "self", offset),
                },
                offset,
                proc,
            }
        })
    }

    /// The host's boot clock, now, as this process reads it.
    pub fn boot_now(&self) -> Duration {
        self.offset.to_host(clock::boot())
    }

    /// A record of this process, now.
    pub fn record(&self, owner: Option<Owner>, event: Event) -> Record {
        Record {
            wall: clock::wall(),
            boot: self.boot_id.map(|id| (id, self.boot_now())),
            writer: self.writer,
            incarnation: self.incarnation,
            owner,
            event,
            ready: crate::record::Readiness::Ready,
            location: None,
        }
    }
}
