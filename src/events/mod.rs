//! The transactional outbox and its delivery: events are rows written with the state
//! change, delivered afterwards at least once (to in-process subscribers, or through
//! RabbitMQ with `events.bus = "rabbitmq"`), retried with backoff, and parked or
//! dead-lettered when they keep failing.

mod dispatcher;
mod outbox;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;
pub mod routes;

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use dispatcher::{Dispatcher, EventBus, LEASE, Subscriber};
pub use outbox::{OutboxEntry, OutboxStatus, enqueue, list, retry_parked, status_counts};

use crate::breaker::CircuitBreaker;
use crate::config::Settings;
use crate::db::Db;

/// How this instance delivers events, as `events.bus` and `outbox.dispatch` say; made
/// before the server (its broker link shows in `/readyz`), started after.
pub struct Delivery {
    settings: Settings,
    #[cfg(feature = "rabbitmq")]
    link: Option<Arc<rabbitmq::Link>>,
}

impl Delivery {
    pub fn new(settings: &Settings) -> Self {
        #[cfg(feature = "rabbitmq")]
        let link = (settings.events.bus == "rabbitmq").then(|| {
            let mut parts = 0;
            if settings.outbox.dispatch {
                parts |= rabbitmq::PUBLISHER;
            }
            if settings.events.consume {
                parts |= rabbitmq::CONSUMERS;
            }
            rabbitmq::Link::new(parts)
        });
        Self {
            settings: settings.clone(),
            #[cfg(feature = "rabbitmq")]
            link,
        }
    }

    /// The broker connection as a dependency of `/readyz` and `/metrics` (none in process).
    pub fn breakers(&self) -> Vec<Arc<CircuitBreaker>> {
        #[cfg(feature = "rabbitmq")]
        if let Some(link) = &self.link {
            return vec![link.breaker()];
        }
        Vec::new()
    }

    /// Starts the dispatcher (in process), or the outbox publisher and the consumers
    /// (RabbitMQ); each stops after its current step once `stop` turns true.
    pub fn start(self, db: Db, bus: EventBus, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        #[cfg(feature = "rabbitmq")]
        if let Some(link) = self.link {
            if self.settings.outbox.dispatch {
                let publisher = rabbitmq::Publisher {
                    db: db.clone(),
                    bus: bus.clone(),
                    outbox: self.settings.outbox.clone(),
                    events: self.settings.events.clone(),
                    link: link.clone(),
                };
                tasks.push(tokio::spawn(publisher.run(stop.clone())));
            }
            if self.settings.events.consume {
                if bus.is_empty() {
                    link.up(rabbitmq::CONSUMERS);
                } else {
                    let consumers = rabbitmq::Consumers {
                        db,
                        bus,
                        events: self.settings.events.clone(),
                        link,
                    };
                    tasks.push(tokio::spawn(consumers.run(stop)));
                }
            }
            return tasks;
        }
        if self.settings.outbox.dispatch {
            let dispatcher = Dispatcher::new(db, bus, self.settings.outbox.clone());
            tasks.push(tokio::spawn(dispatcher.run(stop)));
        }
        tasks
    }
}
