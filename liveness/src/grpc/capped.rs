//! The listener's connections, capped: over [`MAX_CONNECTIONS`], a newcomer
//! takes the slot of the oldest open connection, which is closed.
//!
//! A kubelet opens a connection per check and uses it at once, so idle
//! connections held by someone else, however many, cost it nothing: the
//! oldest go first. The cap is also at most half the process's limit of open
//! files ([`cap`]), and an error from `accept` (out of file descriptors
//! all the same) closes the oldest connection and pauses accepting for a
//! moment rather than spinning.

use std::{
    collections::VecDeque,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Waker},
    time::Duration,
};

use tokio::{
    net::{TcpListener, TcpStream},
    time::Sleep,
};

/// Connections open at once: the memory bound (a connection's buffers are
/// a few KiB), below the usual limit of 1024 file descriptors.
pub(super) const MAX_CONNECTIONS: usize = 512;

/// The cap for this process: [`MAX_CONNECTIONS`], or half its limit of
/// open files (`RLIMIT_NOFILE`) when that is lower, so that idle clients
/// never leave the server (or the service) without a file descriptor.
pub(super) fn cap() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    let half = limit.map_or(usize::MAX, |n| usize::try_from(n / 2).unwrap_or(usize::MAX));
    MAX_CONNECTIONS.min(half).max(1)
}

/// How long accepting pauses after `accept` fails.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// A connection's fate, shared by its stream and the listener.
#[derive(Default)]
pub(super) struct Link {
    evicted: AtomicBool,
    closed: AtomicBool,
    /// The connection's task, woken to notice its eviction.
    waker: Mutex<Option<Waker>>,
}

/// The accepted connections of a listener, capped.
pub(super) struct Incoming {
    listener: TcpListener,
    open: VecDeque<Arc<Link>>,
    max: usize,
    pause: Option<Pin<Box<Sleep>>>,
}

impl Incoming {
    pub(super) fn new(listener: TcpListener, max: usize) -> Incoming {
        Incoming {
            listener,
            open: VecDeque::new(),
            max: max.max(1),
            pause: None,
        }
    }

    /// Makes room for one more: forgets closed connections, then evicts the
    /// oldest open ones over the cap.
    fn make_room(&mut self) {
        self.open
            .retain(|link| !link.closed.load(Ordering::Acquire));
        while self.open.len() >= self.max {
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        let Some(oldest) = self.open.pop_front() else {
            return;
        };
        oldest.evicted.store(true, Ordering::Release);
        let waker = oldest
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Link {
    /// Whether evicted; else remembers the task to wake when it is.
    pub(super) fn evicted(&self, cx: &Context<'_>) -> bool {
        let mut waker = self.waker.lock().unwrap_or_else(PoisonError::into_inner);
        if self.evicted.load(Ordering::Acquire) {
            return true;
        }
        if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *waker = Some(cx.waker().clone());
        }
        false
    }

    /// Says the connection is closed: its slot is free.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
}

impl Incoming {
    /// The next connection, and the link that closes it once evicted.
    pub(super) fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<(TcpStream, Arc<Link>)> {
        let this = self;
        if let Some(pause) = &mut this.pause {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.pause = None;
        }
        match this.listener.poll_accept(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => {
                log::debug!("grpc: accept failed, closing the oldest connection: {error}");
                this.open
                    .retain(|link| !link.closed.load(Ordering::Acquire));
                this.evict_oldest();
                this.pause = Some(Box::pin(tokio::time::sleep(ACCEPT_PAUSE)));
                // Polled again at once, to register with the pause's timer.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Ok((stream, _))) => {
                this.make_room();
                let link = Arc::new(Link::default());
                this.open.push_back(link.clone());
                Poll::Ready((stream, link))
            }
        }
    }
}
