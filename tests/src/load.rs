//! A load generator: many upgrade calls through the generated client, a fixed number in flight.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a load run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Calls that returned `Ok`.
    pub ok: usize,
    /// Calls that returned an error.
    pub errors: usize,
    /// The first error seen, as text.
    pub first_error: Option<String>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// Sends `calls` upgrade requests through `client`, at most `in_flight` at a time.
pub async fn run(client: graph_api::GraphClient, calls: usize, in_flight: usize) -> LoadReport {
    let permits = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    let mut report = LoadReport {
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
    };
    for i in 0..calls {
        let permit = Arc::clone(&permits).acquire_owned().await;
        let client = client.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let chat = format!("19:load-{i}@thread.v2");
            client
                .chat(&chat)
                .installed_app("app")
                .upgrade()
                .send()
                .await
        });
        // Collect finished calls as we go, so the set stays small.
        while let Some(done) = tasks.try_join_next() {
            tally(&mut report, done);
        }
    }
    while let Some(done) = tasks.join_next().await {
        tally(&mut report, done);
    }
    report.elapsed = start.elapsed();
    report
}

fn tally(
    report: &mut LoadReport,
    done: Result<Result<(), graph_api::Error>, tokio::task::JoinError>,
) {
    match done {
        Ok(Ok(())) => report.ok += 1,
        Ok(Err(e)) => {
            report.errors += 1;
            report.first_error.get_or_insert_with(|| e.to_string());
        }
        Err(e) => {
            report.errors += 1;
            report.first_error.get_or_insert_with(|| e.to_string());
        }
    }
}
