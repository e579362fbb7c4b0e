//! Load test: upgrade calls through the generated client against the loopback stand-in.
//!
//! `cargo run --release -p graph-api-tests --example load -- 100000 64` sends 100,000 calls with 64
//! in flight and exits non-zero on any error.

use graph_api_tests::standin::{Reply, StandIn};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let in_flight: usize = args.next().map_or(Ok(64), |a| a.parse())?;
    let standin = StandIn::start(|_| Reply::status(204)).await?;
    let client = graph_api::GraphClient::builder()
        .base_url(standin.url())
        .bearer_token("load-test")
        .build()?;
    let report = graph_api_tests::load::run(client, calls, in_flight).await;
    let per_sec = report.ok as f64 / report.elapsed.as_secs_f64();
    println!(
        "{calls} calls, {in_flight} in flight: {} ok, {} errors in {:.2?} ({per_sec:.0} calls/s)",
        report.ok, report.errors, report.elapsed
    );
    if let Some(e) = report.first_error {
        return Err(format!("first error: {e}").into());
    }
    Ok(())
}
