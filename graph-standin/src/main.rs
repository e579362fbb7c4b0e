//! The `graph-standin` binary: generates a tenant, serves it on loopback, prints the service
//! root as the first line of stdout, and serves until stopped (Ctrl-C or a signal).

use graph_standin::{Config, Faults, Limits, Size, StandIn, Tenant};
use std::time::Duration;

const HELP: &str = "\
graph-standin: a stateful, throttled Microsoft Graph tenant on loopback.

Prints its service root (http://127.0.0.1:PORT) as the first line of stdout, then serves
/v1.0 (and /beta) until stopped. Counters: GET /__standin/stats.

USAGE:
    graph-standin [OPTIONS]

TENANT:
    --port N                    Loopback port; 0 picks a free one [default: 0]
    --users N                   Users [default: 20]
    --chats N                   Chats (one-on-one, group, meeting) [default: 100]
    --teams N                   Teams [default: 5]
    --seed N                    Same seed, same tenant (and same faults) [default: 1]

BEHAVIOUR:
    --limits graph|off|FACTOR   Microsoft's Teams limits, none, or them times FACTOR [default: graph]
    --latency-ms N              Added to every answer [default: 0]
    --jitter-ms N               Up to this much more, at random [default: 0]
    --consistency-delay-ms N    How long an upgrade takes to show in reads [default: 0]
    --fault-503 P               Probability of 503 with Retry-After, before anything is done [default: 0]
    --fault-503-retry-after-ms N   The 503's Retry-After [default: 1000]
    --fault-429-after-write P   Probability of 429 after a write was done [default: 0]
    --page-size N               Page size of installation and catalog lists [default: 100]
    --batch-order given|shuffled   Order of $batch answers [default: shuffled]
    -h, --help                  This text
";

fn parse() -> Result<(Size, u64, Config), String> {
    let mut size = Size {
        users: 20,
        chats: 100,
        teams: 5,
    };
    let mut seed = 1;
    let mut config = Config::default();
    let mut faults = Faults {
        unavailable_retry_after: Duration::from_secs(1),
        ..Faults::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            print!("{HELP}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (see --help)"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: `{v}` is not a whole number"))
        };
        let prob = |v: &str| match v.parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
            _ => Err(format!("{flag}: `{v}` is not a probability from 0 to 1")),
        };
        let ms = |v: &str| num(v).map(Duration::from_millis);
        match flag.as_str() {
            "--port" => {
                config.port = u16::try_from(num(&value)?).map_err(|_| "--port: too large")?
            }
            "--users" => size.users = num(&value)? as usize,
            "--chats" => size.chats = num(&value)? as usize,
            "--teams" => size.teams = num(&value)? as usize,
            "--seed" => seed = num(&value)?,
            "--limits" => {
                config.limits = match value.as_str() {
                    "graph" => Limits::Scaled(1.0),
                    "off" => Limits::Off,
                    f => match f.parse::<f64>() {
                        Ok(f) if f > 0.0 => Limits::Scaled(f),
                        _ => return Err(format!("--limits: `{f}` is not graph, off or a factor")),
                    },
                }
            }
            "--latency-ms" => config.latency = ms(&value)?,
            "--jitter-ms" => config.jitter = ms(&value)?,
            "--consistency-delay-ms" => config.consistency_delay = ms(&value)?,
            "--fault-503" => faults.unavailable = prob(&value)?,
            "--fault-503-retry-after-ms" => faults.unavailable_retry_after = ms(&value)?,
            "--fault-429-after-write" => faults.throttled_after_write = prob(&value)?,
            "--page-size" => config.installed_apps_page_size = num(&value)? as usize,
            "--batch-order" => {
                config.shuffle_batch = match value.as_str() {
                    "given" => false,
                    "shuffled" => true,
                    v => return Err(format!("--batch-order: `{v}` is not given or shuffled")),
                }
            }
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    config.faults = faults;
    config.seed = seed;
    Ok((size, seed, config))
}

fn main() {
    let (size, seed, config) = match parse() {
        Ok(p) => p,
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
