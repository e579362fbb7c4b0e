//! The `graph-standin` command line: its options and their parsing (the binary is `src/main.rs`).

use crate::{Config, Faults, Limits, Size};
use std::time::Duration;

/// The `--help` text.
pub const HELP: &str = "\
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

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Print [`HELP`] and exit.
    Help,
    /// Serve a tenant of this size, generated from this seed, with this configuration.
    Serve {
        /// The tenant's size.
        size: Size,
        /// The tenant's seed.
        seed: u64,
        /// How the stand-in behaves.
        config: Config,
    },
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut size = Size {
        users: 20,
        chats: 100,
        teams: 5,
    };
    let mut seed = 1;
    let mut config = Config::default();
    let mut faults = Faults::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(Command::Help);
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
    Ok(Command::Serve { size, seed, config })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_pinned_options_set_the_tenant_and_the_port() {
        let Ok(Command::Serve { size, seed, config }) =
            parse(args("--port 0 --users 7 --chats 30 --teams 2 --seed 9"))
        else {
            panic!("parses");
        };
        assert_eq!((size.users, size.chats, size.teams, seed), (7, 30, 2, 9));
        assert_eq!((config.port, config.seed), (0, 9));
        assert_eq!(config.limits, Limits::Scaled(1.0));
    }

    #[test]
    fn behaviour_options_reach_the_config() {
        let line = "--limits 0.5 --latency-ms 40 --jitter-ms 10 --consistency-delay-ms 2000 \
                    --fault-503 0.1 --fault-503-retry-after-ms 250 --fault-429-after-write 0.2 \
                    --page-size 5 --batch-order given";
        let Ok(Command::Serve { config, .. }) = parse(args(line)) else {
            panic!("parses");
        };
        assert_eq!(config.limits, Limits::Scaled(0.5));
        assert_eq!(config.latency, Duration::from_millis(40));
        assert_eq!(config.jitter, Duration::from_millis(10));
        assert_eq!(config.consistency_delay, Duration::from_secs(2));
        assert_eq!(config.faults.unavailable, 0.1);
        assert_eq!(
            config.faults.unavailable_retry_after,
            Duration::from_millis(250)
        );
        assert_eq!(config.faults.throttled_after_write, 0.2);
        assert_eq!(config.installed_apps_page_size, 5);
        assert!(!config.shuffle_batch);
        let Ok(Command::Serve { config, .. }) = parse(args("--limits off")) else {
            panic!("parses");
        };
        assert_eq!(config.limits, Limits::Off);
    }

    #[test]
    fn bad_options_are_refused_with_a_reason() {
        assert_eq!(parse(args("--help")), Ok(Command::Help));
        for bad in [
            "--users many",
            "--port 70000",
            "--fault-503 1.5",
            "--limits fast",
            "--batch-order random",
            "--colour blue",
            "--seed",
        ] {
            assert!(parse(args(bad)).is_err(), "{bad}");
        }
        assert!(
            HELP.contains("--consistency-delay-ms") && HELP.contains("--fault-429-after-write")
        );
    }
}
