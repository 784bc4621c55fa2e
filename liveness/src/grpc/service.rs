//! The `grpc.health.v1.Health` service: `Check` judges at call time, `Watch`
//! streams changes (`watch.rs`), at most [`MAX_WATCHES`] at once.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tonic::{Request, Response};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse, health_server::Health};

use super::{
    question::{Question, response},
    watch::Watch,
};
use crate::{Component, escape};

/// `Watch` streams open at once, per service: each costs a timer and a
/// survey per throttle interval.
pub(super) const MAX_WATCHES: usize = 64;

/// The `grpc.health.v1.Health` service of a [`Probe`](crate::Probe), from
/// [`Probe::grpc_service`](crate::Probe::grpc_service) (feature `grpc`):
/// its components, judged at each call.
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
#[derive(Clone, Debug)]
pub struct GrpcHealth {
    components: Arc<[Component]>,
    watches: Arc<Semaphore>,
}

impl GrpcHealth {
    pub(super) fn new(components: &[Component]) -> GrpcHealth {
        GrpcHealth {
            components: components.into(),
            watches: Arc::new(Semaphore::new(MAX_WATCHES)),
        }
    }
}

/// `NOT_FOUND`, naming the service (escaped: it is the client's text).
fn not_found(service: &str) -> tonic::Status {
    tonic::Status::not_found(format!(
        "unknown service \"{}\": ask \"\", \"liveness\", \"readiness\", \"startup\" or a component's name",
        escape::text(service)
    ))
}

#[tonic::async_trait]
impl Health for GrpcHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, tonic::Status> {
        let service = &request.get_ref().service;
        let question = Question::of(&self.components, service).ok_or_else(|| not_found(service))?;
        Ok(Response::new(response(question.status(&self.components))))
    }

    type WatchStream = Watch;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Watch>, tonic::Status> {
        let permit = self.watches.clone().try_acquire_owned().map_err(|_| {
            tonic::Status::resource_exhausted(format!(
                "{MAX_WATCHES} watches are open already: retry later"
            ))
        })?;
        let question = Question::of(&self.components, &request.get_ref().service);
        Ok(Response::new(Watch::new(
            self.components.clone(),
            question,
            permit,
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn watches_beyond_the_cap_are_refused_until_one_ends() {
        let age = Duration::from_secs(60);
        let health = GrpcHealth::new(&[Component::new("job", "/tmp/liveness-grpc-cap/job", age)]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let watch = || health.watch(Request::new(HealthCheckRequest { service: "".into() }));
            let mut open = Vec::new();
            for _ in 0..MAX_WATCHES {
                open.push(watch().await.unwrap());
            }
            let refused = watch().await.unwrap_err();
            assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
            assert_eq!(
                refused.message(),
                "64 watches are open already: retry later"
            );
            drop(open.pop());
            assert!(watch().await.is_ok());
        });
    }
}
