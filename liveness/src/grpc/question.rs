//! What a `grpc.health.v1` request asks, read from its service name, and
//! its answer, judged at call time on the same road as `/livez`: from memory
//! for the components this process writes, from their files for the others.
//!
//! Names are matched exactly, byte for byte: no trimming, no case folding,
//! so that a typo in a probe's `service` is `NOT_FOUND`, not a guess.

use std::time::Duration;

use tonic_health::pb::{HealthCheckResponse, health_check_response::ServingStatus};

use crate::{
    Component, Status,
    probe::{Source, survey},
};

/// The service name of the liveness question (as is `""`).
pub(crate) const LIVENESS: &str = "liveness";
/// The service name of the readiness question.
pub(crate) const READINESS: &str = "readiness";
/// The service name of the startup question.
pub(crate) const STARTUP: &str = "startup";

/// The longest interval between two looks of a `Watch`: the heartbeat's
/// own throttle never waits longer between writes.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// What a request asks, by its service name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Question {
    /// `""` or `"liveness"`: is every component alive?
    Liveness,
    /// `"readiness"`: is every component ready?
    Readiness,
    /// `"startup"`: has every component started?
    Startup,
    /// A component's name: is that component (each of its instances) alive?
    Component(String),
}

impl Question {
    /// The question `service` asks of `components`, or `None` when it names
    /// nothing here (`NOT_FOUND`). The three questions' names come first: a
    /// component named `startup` is asked about through `""`.
    pub(crate) fn of(components: &[Component], service: &str) -> Option<Question> {
        match service {
            "" | LIVENESS => Some(Question::Liveness),
            READINESS => Some(Question::Readiness),
            STARTUP => Some(Question::Startup),
            name => components
                .iter()
                .any(|c| c.name() == name)
                .then(|| Question::Component(name.to_owned())),
        }
    }

    /// The answer, judged now: `SERVING` or `NOT_SERVING`.
    pub(crate) fn status(&self, components: &[Component]) -> ServingStatus {
        if self.serving(components) {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        }
    }

    /// Whether the answer is `SERVING`, judged now.
    fn serving(&self, components: &[Component]) -> bool {
        let statuses = survey(components, Source::Memory);
        match self {
            Question::Liveness => statuses.iter().all(Status::is_alive),
            Question::Readiness => ready(&statuses),
            Question::Startup => statuses.iter().all(Status::has_started),
            Question::Component(name) => statuses
                .iter()
                .filter(|s| s.name() == name)
                .all(Status::is_alive),
        }
    }

    /// How often a `Watch` of this question looks again: the shortest
    /// throttle interval of the components it concerns (`max_age / 10`, at
    /// most 1 s), so a change is streamed within one interval of it.
    pub(crate) fn interval(&self, components: &[Component]) -> Duration {
        components
            .iter()
            .filter(|c| match self {
                Question::Component(name) => c.name() == name,
                _ => true,
            })
            .map(|c| c.max_age() / 10)
            .fold(MAX_INTERVAL, Duration::min)
            .max(Duration::from_millis(1))
    }
}

/// The message that carries `status`.
pub(crate) fn response(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

/// Readiness: every component started, alive, not `unready`, and the
/// process not draining (as `--ready` and `/readyz` judge it).
fn ready(statuses: &[Status]) -> bool {
    statuses.iter().all(Status::is_ready)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn components() -> Vec<Component> {
        let age = Duration::from_secs(30);
        vec![
            Component::new("worker", "/tmp/liveness-grpc-q/worker", age),
            Component::new("startup", "/tmp/liveness-grpc-q/startup", age),
            Component::new(
                "indexer",
                "/tmp/liveness-grpc-q/indexer",
                Duration::from_secs(3),
            ),
        ]
    }

    #[test]
    fn the_three_questions_and_the_components_have_names() {
        let c = components();
        assert_eq!(Question::of(&c, ""), Some(Question::Liveness));
        assert_eq!(Question::of(&c, "liveness"), Some(Question::Liveness));
        assert_eq!(Question::of(&c, "readiness"), Some(Question::Readiness));
        assert_eq!(Question::of(&c, "startup"), Some(Question::Startup));
        let worker = Question::of(&c, "worker");
        assert_eq!(worker, Some(Question::Component("worker".into())));
        for unknown in [
            "Worker",
            " worker",
            "worker\0",
            "livez",
            "grpc.health.v1.Health",
        ] {
            assert_eq!(Question::of(&c, unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn a_watch_looks_once_per_throttle_interval_of_its_components() {
        let c = components();
        let ms = |q: Question| q.interval(&c).as_millis();
        assert_eq!(ms(Question::Liveness), 300);
        assert_eq!(ms(Question::Component("worker".into())), 1000);
        assert_eq!(ms(Question::Component("indexer".into())), 300);
    }

    #[test]
    fn a_service_of_no_component_is_never_serving() {
        for question in [Question::Liveness, Question::Readiness, Question::Startup] {
            assert_eq!(
                question.status(&[]),
                ServingStatus::NotServing,
                "{question:?}"
            );
        }
        assert_eq!(Question::of(&[], "worker"), None);
        assert_eq!(Question::Liveness.interval(&[]), MAX_INTERVAL);
    }

    proptest! {
        #[test]
        fn any_other_name_is_not_found(service in any::<String>()) {
            let c = components();
            let known = ["", "liveness", "readiness", "startup", "worker", "indexer"];
            prop_assume!(!known.contains(&service.as_str()));
            prop_assert_eq!(Question::of(&c, &service), None);
        }

        #[test]
        fn a_component_is_found_by_its_exact_name(name in "\\PC{1,40}", extra in "\\PC{0,3}") {
            prop_assume!(!["", "liveness", "readiness", "startup"].contains(&name.as_str()));
            let c = [Component::new(name.clone(), "/tmp/liveness-grpc-q/x", Duration::from_secs(9))];
            prop_assert_eq!(Question::of(&c, &name), Some(Question::Component(name.clone())));
            let other = format!("{name}{extra}");
            prop_assert_eq!(Question::of(&c, &other).is_some(), extra.is_empty());
        }
    }
}
