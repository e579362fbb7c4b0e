//! The `graph-rollout` command: upgrade a Teams app across a tenant, or report on a journal.

fn main() -> std::process::ExitCode {
    graph_rollout::cli::main(
        std::env::args().skip(1).collect(),
        std::env::var("GRAPH_TOKEN").ok(),
    )
}
