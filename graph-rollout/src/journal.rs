//! The journal: an append-only file of JSON lines, synced to disk around every write request, that lets a rollout resume after a crash.
//!
//! The first line names the rollout (`start`: the app, the service root, the tenant when known);
//! then, per installation, `sent` before its upgrade is sent (synced before sending), `answered`
//! with the upgrade's answer (synced as soon as it is known), and `confirmed` once a read shows
//! the target version, or `failed` with the reason. A crash can leave at most a partial last
//! line, which reopening drops. Reopening a journal for another app, service root or tenant
//! fails, so two rollouts never mix.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The journal format's version.
pub const FORMAT: u32 = 1;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// The first line: what this journal is for.
    Start {
        /// The journal format ([`FORMAT`]).
        format: u32,
        /// The app's id in the catalog.
        app: String,
        /// The service root the rollout talks to.
        service_root: String,
        /// The tenant id, when the token says it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tenant: Option<String>,
    },
    /// An upgrade is about to be sent (written and synced before sending).
    Sent {
        /// The installation ([`InstallationKey`](crate::InstallationKey)'s text).
        key: String,
        /// The version installed before, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The version the upgrade moves to.
        to: String,
    },
    /// Graph answered the upgrade (written and synced as soon as the answer came).
    Answered {
        /// The installation.
        key: String,
        /// The HTTP status, when there was an answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The error, in words, when it failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A read showed the installation at `version`: done.
    Confirmed {
        /// The installation.
        key: String,
        /// The version the read showed.
        version: String,
    },
    /// The installation could not be upgraded, and why.
    Failed {
        /// The installation.
        key: String,
        /// Why, in words.
        reason: String,
    },
}

/// A record with the time it was written (seconds since the Unix epoch), as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Line {
    at: u64,
    #[serde(flatten)]
    record: Record,
}

/// What a journal says happened before this run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Installations a read showed at a version, by key (the last such record).
    pub confirmed: HashMap<String, String>,
    /// Installations whose upgrade was sent and never confirmed or failed afterwards.
    pub sent_unconfirmed: HashSet<String>,
    /// Installations whose last record is a failure, with the reason.
    pub failed: HashMap<String, String>,
    /// Every record, in order (for `status`).
    pub records: Vec<(u64, Record)>,
}

impl History {
    fn apply(&mut self, at: u64, record: Record) {
        match &record {
            Record::Start { .. } => {}
            Record::Sent { key, .. } => {
                self.sent_unconfirmed.insert(key.clone());
                self.failed.remove(key);
            }
            Record::Answered { .. } => {}
            Record::Confirmed { key, version } => {
                self.sent_unconfirmed.remove(key);
                self.failed.remove(key);
                self.confirmed.insert(key.clone(), version.clone());
            }
            Record::Failed { key, reason } => {
                self.sent_unconfirmed.remove(key);
                self.failed.insert(key.clone(), reason.clone());
            }
        }
        self.records.push((at, record));
    }
}

/// Why a journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading, writing or syncing the file failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A complete line is not a record this version writes.
    #[error("journal {path}, line {line}: not a rollout journal record ({reason})")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// The journal belongs to another rollout.
    #[error(
        "journal {path} is for {theirs}, not {ours}; use another journal file for this rollout"
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What the journal is for.
        theirs: String,
        /// What this rollout is.
        ours: String,
    },
    /// The run was told to stop after this many records (crash tests).
    #[error("stopped after {0} journal record(s), as asked")]
    Stopped(usize),
}

fn describe(app: &str, root: &str, tenant: Option<&str>) -> String {
    match tenant {
        Some(t) => format!("app {app} at {root} (tenant {t})"),
        None => format!("app {app} at {root}"),
    }
}

/// Reads every complete record of a journal file (a partial last line, left by a crash, is
/// ignored), with the byte length of the complete part.
pub fn read(path: &Path) -> Result<(History, u64), JournalError> {
    let io = |source| JournalError::Io {
        path: path.to_owned(),
        source,
    };
    let mut text = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut text))
        .map_err(io)?;
    let complete = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut history = History::default();
    for (n, line) in text[..complete].split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed: Line = serde_json::from_slice(line).map_err(|e| JournalError::Corrupt {
            path: path.to_owned(),
            line: n + 1,
            reason: e.to_string(),
        })?;
        history.apply(parsed.at, parsed.record);
    }
    Ok((history, complete as u64))
}

/// An open journal, appended to by one rollout.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    written: Mutex<usize>,
    stop_after: Option<usize>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for the rollout of `app` at `service_root`,
    /// and returns what it says happened before. Fails when it is another rollout's.
    pub fn open(
        path: &Path,
        app: &str,
        service_root: &str,
        tenant: Option<&str>,
    ) -> Result<(Journal, History), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let (history, complete) = if path.exists() {
            read(path)?
        } else {
            (History::default(), 0)
        };
        if let Some((_, first)) = history.records.first() {
            let Record::Start {
                app: their_app,
                service_root: their_root,
                tenant: their_tenant,
                ..
            } = first
            else {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: 1,
                    reason: "the first record is not `start`".into(),
                });
            };
            let tenant_differs = matches!((their_tenant, tenant), (Some(a), Some(b)) if a != b);
            if their_app != app || their_root != service_root || tenant_differs {
                return Err(JournalError::Mismatch {
                    path: path.to_owned(),
                    theirs: describe(their_app, their_root, their_tenant.as_deref()),
                    ours: describe(app, service_root, tenant),
                });
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        // Drop a partial last line a crash may have left, then append after the rest.
        file.set_len(complete).map_err(io)?;
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let journal = Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            written: Mutex::new(0),
            stop_after: None,
        };
        if history.records.is_empty() {
            journal.append(&Record::Start {
                format: FORMAT,
                app: app.to_owned(),
                service_root: service_root.to_owned(),
                tenant: tenant.map(str::to_owned),
            })?;
            // `stop_after` counts the records of the run, not the journal's own first line.
            *journal.written.lock().unwrap_or_else(|p| p.into_inner()) = 0;
        }
        Ok((journal, history))
    }

    /// Makes every append after the `n`th fail with [`JournalError::Stopped`], as if the
    /// process had died right after writing it (for crash tests).
    pub fn stop_after(&mut self, n: usize) {
        self.stop_after = Some(n);
    }

    /// Appends one record and syncs it to disk before returning.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = self.stop_after
            && *written >= n
        {
            return Err(JournalError::Stopped(n));
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut line = serde_json::to_vec(&Line {
            at,
            record: record.clone(),
        })
        .map_err(|e| JournalError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|source| JournalError::Io {
                path: self.path.clone(),
                source,
            })?;
        *written += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("graph-rollout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn records_survive_reopening_and_a_partial_last_line_is_dropped() {
        let path = temp("partial.jsonl");
        {
            let (j, h) = Journal::open(&path, "app", "http://root", None).expect("new");
            assert!(h.records.is_empty());
            j.append(&Record::Sent {
                key: "chat/c/i".into(),
                from: Some("1.0.0".into()),
                to: "2.0.0".into(),
            })
            .expect("sent");
            j.append(&Record::Confirmed {
                key: "chat/c/i".into(),
                version: "2.0.0".into(),
            })
            .expect("confirmed");
            j.append(&Record::Sent {
                key: "team/t/i".into(),
                from: None,
                to: "2.0.0".into(),
            })
            .expect("sent");
        }
        // A crash in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(br#"{"at":1,"event":"conf"#).expect("partial");
        drop(f);
        let (j, h) = Journal::open(&path, "app", "http://root", None).expect("reopen");
        assert_eq!(
            h.confirmed.get("chat/c/i").map(String::as_str),
            Some("2.0.0")
        );
        assert!(h.sent_unconfirmed.contains("team/t/i"));
        assert_eq!(h.records.len(), 4);
        j.append(&Record::Failed {
            key: "team/t/i".into(),
            reason: "403".into(),
        })
        .expect("append after the cut");
        let (h, _) = read(&path).expect("read");
        assert_eq!(
            h.records.len(),
            5,
            "the partial line is gone, the new one whole"
        );
        assert!(h.sent_unconfirmed.is_empty());
        assert_eq!(h.failed.get("team/t/i").map(String::as_str), Some("403"));
    }

    #[test]
    fn another_rollouts_journal_is_refused() {
        let path = temp("mismatch.jsonl");
        drop(Journal::open(&path, "app", "http://root", Some("t1")).expect("new"));
        for (app, root, tenant) in [
            ("other", "http://root", Some("t1")),
            ("app", "http://elsewhere", Some("t1")),
            ("app", "http://root", Some("t2")),
        ] {
            let err = Journal::open(&path, app, root, tenant).expect_err("refused");
            assert!(matches!(err, JournalError::Mismatch { .. }), "{err}");
            assert!(err.to_string().contains("use another journal"), "{err}");
        }
        assert!(Journal::open(&path, "app", "http://root", Some("t1")).is_ok());
    }

    #[test]
    fn a_stopped_journal_writes_nothing_more() {
        let path = temp("stop.jsonl");
        let (mut j, _) = Journal::open(&path, "app", "http://root", None).expect("new");
        j.stop_after(1);
        let rec = Record::Confirmed {
            key: "k".into(),
            version: "1".into(),
        };
        j.append(&rec).expect("first");
        assert!(matches!(j.append(&rec), Err(JournalError::Stopped(1))));
        let (h, _) = read(&path).expect("read");
        assert_eq!(h.records.len(), 2, "start and the one record");
    }
}
