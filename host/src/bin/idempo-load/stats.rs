//! What a run counts and how it is reported: [`Stats`], one per worker
//! (no sharing while the run goes), merged at the end into a [`Report`],
//! printed as a table or as JSON.
//!
//! Latencies are recorded in microseconds into HDR histograms from 1 µs to
//! [`MAX_LATENCY_US`] with 3 significant digits (a slower answer counts as
//! the maximum).

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::client::Answer;

/// The slowest latency a histogram tells apart: 60 s, in microseconds.
pub const MAX_LATENCY_US: u64 = 60_000_000;

/// One worker's counts and latencies.
pub struct Stats {
    /// Answers the rules accepted (200).
    pub accepted: u64,
    /// Answers that were replays (`Idempotency-Replayed: true`).
    pub replayed: u64,
    /// Refusals, by status and problem type (`422 action-rejected`, ...).
    pub refused: BTreeMap<(u16, String), u64>,
    /// Requests that got no HTTP answer.
    pub transport_errors: u64,
    /// Every answered action.
    pub all: Histogram<u64>,
    /// Accepted actions only.
    pub accepted_latency: Histogram<u64>,
    /// Times a player went back to the lobby because its match ended.
    pub rejoins: u64,
    /// Stamps granted during the run (refills).
    pub refill_stamps: u64,
}

fn histogram() -> Histogram<u64> {
    // The bounds are constants that hdrhistogram accepts.
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid histogram bounds")
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            accepted: 0,
            replayed: 0,
            refused: BTreeMap::new(),
            transport_errors: 0,
            all: histogram(),
            accepted_latency: histogram(),
            rejoins: 0,
            refill_stamps: 0,
        }
    }
}

impl Stats {
    /// Counts one action's answer, which took `latency`.
    pub fn record(&mut self, answer: &Answer, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        match answer {
            Answer::Accepted { replayed } => {
                self.accepted += 1;
                self.replayed += u64::from(*replayed);
                self.accepted_latency.saturating_record(us.max(1));
                self.all.saturating_record(us.max(1));
            }
            Answer::Refused { status, kind } => {
                *self.refused.entry((*status, kind.clone())).or_default() += 1;
                self.all.saturating_record(us.max(1));
            }
            Answer::Transport(_) => self.transport_errors += 1,
        }
    }

    /// Adds `other`'s counts and latencies to these.
    pub fn merge(&mut self, other: &Stats) {
        self.accepted += other.accepted;
        self.replayed += other.replayed;
        for (k, n) in &other.refused {
            *self.refused.entry(k.clone()).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
        // Same bounds on both sides: adding cannot fail.
        let _ = self.all.add(&other.all);
        let _ = self.accepted_latency.add(&other.accepted_latency);
        self.rejoins += other.rejoins;
        self.refill_stamps += other.refill_stamps;
    }
}

/// Percentiles of one histogram, in milliseconds.
#[derive(Debug, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1_000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// A refusal line of the report.
#[derive(Debug, Serialize)]
pub struct Refusal {
    pub status: u16,
    pub kind: String,
    pub count: u64,
}

/// How the run was set up, as the report repeats it.
#[derive(Debug, Serialize)]
pub struct Setup {
    pub base_url: String,
    pub players: usize,
    pub concurrency: usize,
    pub stamped: bool,
    pub action: String,
    pub duration_secs: f64,
    pub matches: usize,
    /// Seconds spent registering, granting and matching before the run.
    pub setup_secs: f64,
    pub stamps_granted_before: u64,
}

/// The figures of a run.
#[derive(Debug, Serialize)]
pub struct Report {
    pub setup: Setup,
    /// Answered actions per second (accepted and refused).
    pub requests_per_sec: f64,
    /// Accepted actions per second: the headline figure.
    pub accepted_per_sec: f64,
    pub accepted: u64,
    pub replayed: u64,
    pub refused_4xx: u64,
    pub errors_5xx: u64,
    pub transport_errors: u64,
    pub refusals: Vec<Refusal>,
    pub rejoins: u64,
    pub refill_stamps: u64,
    pub latency_accepted: Latency,
    pub latency_all: Latency,
}

impl Report {
    pub fn new(setup: Setup, stats: &Stats, elapsed: Duration) -> Self {
        let secs = elapsed.as_secs_f64().max(f64::EPSILON);
        let sum = |f: &dyn Fn(u16) -> bool| {
            stats
                .refused
                .iter()
                .filter(|((s, _), _)| f(*s))
                .map(|(_, n)| n)
                .sum::<u64>()
        };
        Self {
            requests_per_sec: stats.all.len() as f64 / secs,
            accepted_per_sec: stats.accepted as f64 / secs,
            accepted: stats.accepted,
            replayed: stats.replayed,
            refused_4xx: sum(&|s| (400..500).contains(&s)),
            errors_5xx: sum(&|s| s >= 500),
            transport_errors: stats.transport_errors,
            refusals: stats
                .refused
                .iter()
                .map(|((status, kind), count)| Refusal {
                    status: *status,
                    kind: kind.clone(),
                    count: *count,
                })
                .collect(),
            rejoins: stats.rejoins,
            refill_stamps: stats.refill_stamps,
            latency_accepted: Latency::of(&stats.accepted_latency),
            latency_all: Latency::of(&stats.all),
            setup: Setup {
                duration_secs: secs,
                ..setup
            },
        }
    }

    /// The report as a table for people.
    pub fn table(&self) -> String {
        let s = &self.setup;
        let mut out = format!(
            "idempo-load: {} players x {} in flight, {} actions{}, {:.1} s, {} matches, {}\n\
             setup: {:.1} s ({} stamps granted)\n\n",
            s.players,
            s.concurrency,
            s.action,
            if s.stamped {
                ", stamped"
            } else {
                ", unstamped"
            },
            s.duration_secs,
            s.matches,
            s.base_url,
            s.setup_secs,
            s.stamps_granted_before,
        );
        let line = |out: &mut String, what: &str, n: u64, rate: Option<f64>| {
            let rate = rate.map_or(String::new(), |r| format!("{r:>12.1}/s"));
            out.push_str(&format!("{what:<34}{n:>10}{rate}\n"));
        };
        line(
            &mut out,
            "answered actions",
            self.latency_all.count,
            Some(self.requests_per_sec),
        );
        line(
            &mut out,
            "accepted (200)",
            self.accepted,
            Some(self.accepted_per_sec),
        );
        line(&mut out, "  of which replayed", self.replayed, None);
        for r in &self.refusals {
            line(&mut out, &format!("{} {}", r.status, r.kind), r.count, None);
        }
        line(&mut out, "4xx in all", self.refused_4xx, None);
        line(&mut out, "5xx in all", self.errors_5xx, None);
        line(&mut out, "transport errors", self.transport_errors, None);
        line(&mut out, "lobby re-joins", self.rejoins, None);
        line(
            &mut out,
            "stamps refilled during the run",
            self.refill_stamps,
            None,
        );
        out.push_str(&format!(
            "\n{:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n",
            "latency ms", "count", "p50", "p90", "p99", "p99.9", "max"
        ));
        for (what, l) in [
            ("accepted", &self.latency_accepted),
            ("all", &self.latency_all),
        ] {
            out.push_str(&format!(
                "{what:<12}{:>10}{:>10.2}{:>10.2}{:>10.2}{:>10.2}{:>10.2}\n",
                l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_stats_count_every_answer_once() {
        let mut a = Stats::default();
        a.record(
            &Answer::Accepted { replayed: false },
            Duration::from_millis(2),
        );
        let mut b = Stats::default();
        b.record(
            &Answer::Refused {
                status: 422,
                kind: "action-rejected".into(),
            },
            Duration::from_millis(4),
        );
        b.record(&Answer::Transport("reset".into()), Duration::from_millis(9));
        a.merge(&b);
        let setup = Setup {
            base_url: "http://x".into(),
            players: 1,
            concurrency: 1,
            stamped: true,
            action: "move".into(),
            duration_secs: 0.0,
            matches: 1,
            setup_secs: 0.0,
            stamps_granted_before: 0,
        };
        let report = Report::new(setup, &a, Duration::from_secs(1));
        assert_eq!(report.accepted, 1);
        assert_eq!(report.refused_4xx, 1);
        assert_eq!(report.transport_errors, 1);
        assert_eq!(report.latency_all.count, 2);
        assert!((report.latency_accepted.p50_ms - 2.0).abs() < 0.01);
        assert!(report.table().contains("422 action-rejected"));
    }
}
