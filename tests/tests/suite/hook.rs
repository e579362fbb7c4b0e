//! The per-attempt hook: headers it adds reach every attempt, it sees each attempt's status and
//! latency, and it can neither read the credentials nor replace the client's own headers.

use graph_api::GraphClient;
use graph_api::hook::{AttemptHook, AttemptOutcome, OutgoingAttempt};
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    before: Vec<(u32, Option<String>, bool, bool)>,
    after: Vec<(u32, Option<u16>, bool, Option<String>)>,
}

struct Recorder(Arc<Mutex<Seen>>);

impl AttemptHook for Recorder {
    fn before_send(&self, attempt: &mut OutgoingAttempt<'_>) {
        let tagged = attempt
            .insert_header("x-contoso-tenant", "fabrikam")
            .is_ok();
        let refused = attempt
            .insert_header("Authorization", "Bearer stolen")
            .is_err()
            && attempt.insert_header("client-request-id", "x").is_err()
            && attempt.insert_header("bad header", "v").is_err();
        let mut seen = self.0.lock().expect("lock");
        seen.before.push((
            attempt.attempt,
            attempt.header("authorization").map(str::to_owned),
            tagged,
            refused && attempt.url().ends_with("/upgrade"),
        ));
    }

    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let mut seen = self.0.lock().expect("lock");
        seen.after.push((
            outcome.attempt,
            outcome.status,
            outcome.error.is_some() == (outcome.status != Some(204)),
            outcome.request_id.map(str::to_owned),
        ));
    }
}

#[tokio::test(start_paused = true)]
async fn every_attempt_carries_the_hooks_header_and_is_observed() {
    let calls = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&calls);
    let server = StandIn::start(move |_: &Recorded| {
        let mut n = counter.lock().expect("lock");
        *n += 1;
        if *n == 1 {
            Reply::graph_error(429, "TooManyRequests", "slow down").with_header("Retry-After", "1")
        } else {
            Reply::status(204).with_header("request-id", "r-2")
        }
    })
    .await
    .expect("listener");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let client = GraphClient::builder()
        .base_url(server.url())
        .bearer_token("eyJ0eXAiOiJKV1QifQ.e30.secret-signature")
        .on_attempt(Recorder(Arc::clone(&seen)))
        // On the paused clock, waits for sockets would jump to the attempt timeout (see
        // `faults::paused_client_for`).
        .no_connect_timeout()
        .no_attempt_timeout()
        .no_timeout()
        .build()
        .expect("config");
    client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("the 429 is retried");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.header("x-contoso-tenant"), Some("fabrikam"));
        assert_eq!(
            r.header("authorization"),
            Some("Bearer eyJ0eXAiOiJKV1QifQ.e30.secret-signature"),
            "the hook could not replace the credentials"
        );
    }
    assert_eq!(
        reqs[0].header("client-request-id"),
        reqs[1].header("client-request-id")
    );
    let seen = seen.lock().expect("lock");
    assert_eq!(
        seen.before,
        [(1, None, true, true), (2, None, true, true)],
        "attempt numbers, no credentials shown, header set, own headers refused"
    );
    assert_eq!(
        seen.after,
        [
            (
                1,
                Some(429),
                true,
                Some("00000000-0000-0000-0000-00000000beef".to_owned())
            ),
            (2, Some(204), true, Some("r-2".to_owned()))
        ]
    );
    assert!(!format!("{:?}", client).contains("secret-signature"));
}
