//! A `Watch`: the answer now, then each change, looked for once per
//! throttle interval of the components it concerns.
//!
//! The stream computes an answer only when the connection asks for the next
//! message, so a client that stops reading holds one answer, never a queue:
//! changes it does not take are coalesced into the latest. Each stream holds
//! a permit of the server's bounded set while it lives.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use tokio::{
    sync::OwnedSemaphorePermit,
    time::{Instant, Sleep},
};
use tonic::codegen::tokio_stream::Stream;
use tonic_health::pb::{HealthCheckResponse, health_check_response::ServingStatus};

use super::question::{Question, response};
use crate::Component;

/// A `Watch` call's stream of answers.
pub struct Watch {
    components: Arc<[Component]>,
    /// `None`: the service is unknown (`SERVICE_UNKNOWN`, once, as the
    /// protocol says; the set of names never changes, so nothing follows).
    question: Option<Question>,
    interval: Duration,
    /// The last answer sent.
    last: Option<ServingStatus>,
    next_look: Pin<Box<Sleep>>,
    _permit: OwnedSemaphorePermit,
}

impl Watch {
    pub(super) fn new(
        components: Arc<[Component]>,
        question: Option<Question>,
        permit: OwnedSemaphorePermit,
    ) -> Watch {
        let interval = question
            .as_ref()
            .map_or(Duration::from_secs(1), |q| q.interval(&components));
        Watch {
            components,
            question,
            interval,
            last: None,
            next_look: Box::pin(tokio::time::sleep(interval)),
            _permit: permit,
        }
    }

    fn answer(&self) -> ServingStatus {
        match &self.question {
            None => ServingStatus::ServiceUnknown,
            Some(question) => question.status(&self.components),
        }
    }
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("question", &self.question)
            .field("interval", &self.interval)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Stream for Watch {
    type Item = Result<HealthCheckResponse, tonic::Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.last.is_none() {
            let status = this.answer();
            this.last = Some(status);
            return Poll::Ready(Some(Ok(response(status))));
        }
        if this.question.is_none() {
            // Open until the client ends it; nothing will change.
            return Poll::Pending;
        }
        loop {
            if this.next_look.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let next = Instant::now() + this.interval;
            this.next_look.as_mut().reset(next);
            let status = this.answer();
            if this.last != Some(status) {
                this.last = Some(status);
                return Poll::Ready(Some(Ok(response(status))));
            }
        }
    }
}
