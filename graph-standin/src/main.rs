//! The `graph-standin` binary: generates a tenant, serves it on loopback, prints the service
//! root as the first line of stdout, and serves until stopped (Ctrl-C or a signal).

use graph_standin::cli::{self, Command};
use graph_standin::{StandIn, Tenant};

fn main() {
    let (size, seed, config) = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Serve { size, seed, config }) => (size, seed, config),
        Ok(Command::Help) => {
            print!("{}", cli::HELP);
            return;
        }
        Err(e) => {
            eprintln!("graph-standin: {e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("graph-standin: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(async move {
        let tenant = Tenant::generate(size, seed);
        let mut standin = match StandIn::start(tenant, config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("graph-standin: cannot listen on loopback: {e}");
                std::process::exit(1);
            }
        };
        println!("{}", standin.url());
        tokio::select! {
            _ = standin.serve_forever() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
}
