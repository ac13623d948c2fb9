//! A small metrics registry: counters, gauges and histograms, each in a
//! [`Family`] of series told apart by label values.
//!
//! A series is a handful of atomics: recording is lock-free once the series
//! exists (the family's map is read-locked to find it, write-locked only to
//! add it). A family holds at most [`MAX_SERIES_PER_FAMILY`] series; label
//! values beyond that are folded into one series whose every label is
//! [`OVERFLOW`], so a caller that labels by something unbounded costs a
//! wrong figure, never unbounded memory.
//!
//! [`Registry::collect`] reads every family as a [`FamilySnapshot`], which
//! [`super::render`] writes in the text format.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

/// Most series one family holds.
pub const MAX_SERIES_PER_FAMILY: usize = 2_000;

/// The label value of the series that takes what a full family cannot.
pub const OVERFLOW: &str = "_overflow";

/// A `f64` kept in an `AtomicU64` by its bits.
struct AtomicF64(AtomicU64);

impl AtomicF64 {
    fn new(value: f64) -> Self {
        Self(AtomicU64::new(value.to_bits()))
    }

    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    fn add(&self, delta: f64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + delta).to_bits())
            });
    }
}

/// A count that only goes up (from 0 when the process starts).
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.inc_by(1);
    }

    pub fn inc_by(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
pub struct Gauge(AtomicF64);

impl Default for Gauge {
    fn default() -> Self {
        Self(AtomicF64::new(0.0))
    }
}

impl Gauge {
    pub fn set(&self, value: f64) {
        self.0.set(value);
    }

    pub fn add(&self, delta: f64) {
        self.0.add(delta);
    }

    pub fn get(&self) -> f64 {
        self.0.get()
    }
}

/// Upper bounds (seconds) for HTTP requests and other waits a person feels.
pub const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds (seconds) for sagas: a few steps, each a commit, retries
/// with backoff in between.
pub const SAGA_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Upper bounds (seconds) for component calls: fuel-bounded, usually well
/// under a millisecond.
pub const CALL_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// Observations counted into buckets by upper bound, with their sum.
pub struct Histogram {
    /// Upper bounds, ascending; the `+Inf` bucket is implied.
    bounds: &'static [f64],
    /// Per bucket (not cumulative), `bounds.len() + 1` of them.
    buckets: Box<[AtomicU64]>,
    sum: AtomicF64,
}

/// What a histogram holds at one moment, buckets cumulative as the text
/// format writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound, observations at or below it)`, ascending; the last
    /// bound is `+Inf` and its count is `count`.
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    /// A histogram over `bounds`, which must ascend.
    pub fn new(bounds: &'static [f64]) -> Self {
        debug_assert!(
            bounds.windows(2).all(|w| w[0] < w[1]),
            "histogram bounds ascend"
        );
        Self {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicF64::new(0.0),
        }
    }

    pub fn observe(&self, value: f64) {
        let index = self.bounds.partition_point(|bound| *bound < value);
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        self.sum.add(value);
    }

    pub fn observe_duration(&self, elapsed: Duration) {
        self.observe(elapsed.as_secs_f64());
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let bound = self.bounds.get(i).copied().unwrap_or(f64::INFINITY);
            buckets.push((bound, cumulative));
        }
        HistogramSnapshot {
            buckets,
            sum: self.sum.get(),
            count: cumulative,
        }
    }
}

/// The type of a family, as `# TYPE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One series' value at one moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Counter(u64),
    Gauge(f64),
    Histogram(HistogramSnapshot),
}

/// One series: its labels, in the family's order, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Vec<(String, String)>,
    pub value: Value,
}

/// A family at one moment, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilySnapshot {
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

impl FamilySnapshot {
    /// An empty family (samples are pushed by whoever reads them).
    pub fn new(name: &str, help: &str, kind: Kind) -> Self {
        Self {
            name: name.to_owned(),
            help: help.to_owned(),
            kind,
            samples: Vec::new(),
        }
    }

    /// Adds a series; `labels` as `(name, value)`.
    pub fn push(&mut self, labels: &[(&str, &str)], value: Value) {
        self.samples.push(Sample {
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            value,
        });
    }
}

/// What a family's series are: something that can be read as a [`Value`].
pub trait Metric: Send + Sync + 'static {
    const KIND: Kind;
    fn value(&self) -> Value;
}

impl Metric for Counter {
    const KIND: Kind = Kind::Counter;
    fn value(&self) -> Value {
        Value::Counter(self.get())
    }
}

impl Metric for Gauge {
    const KIND: Kind = Kind::Gauge;
    fn value(&self) -> Value {
        Value::Gauge(self.get())
    }
}

impl Metric for Histogram {
    const KIND: Kind = Kind::Histogram;
    fn value(&self) -> Value {
        Value::Histogram(self.snapshot())
    }
}

/// A metric's series, one per set of label values.
pub struct Family<T> {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    make: Box<dyn Fn() -> T + Send + Sync>,
    series: RwLock<BTreeMap<Vec<String>, Arc<T>>>,
}

impl<T: Metric> Family<T> {
    fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        make: Box<dyn Fn() -> T + Send + Sync>,
    ) -> Self {
        Self {
            name,
            help,
            labels,
            make,
            series: RwLock::new(BTreeMap::new()),
        }
    }

    /// The series of `values` (one per label, in the family's order), made
    /// at zero if new. A full family answers its overflow series.
    pub fn with(&self, values: &[&str]) -> Arc<T> {
        debug_assert_eq!(
            values.len(),
            self.labels.len(),
            "{}: label values for {:?}",
            self.name,
            self.labels
        );
        let key: Vec<String> = (0..self.labels.len())
            .map(|i| values.get(i).copied().unwrap_or_default().to_owned())
            .collect();
        if let Some(series) = self.series.read().get(&key) {
            return series.clone();
        }
        let mut series = self.series.write();
        let key = if series.len() < MAX_SERIES_PER_FAMILY || series.contains_key(&key) {
            key
        } else {
            vec![OVERFLOW.to_owned(); self.labels.len()]
        };
        series
            .entry(key)
            .or_insert_with(|| Arc::new((self.make)()))
            .clone()
    }

    pub fn snapshot(&self) -> FamilySnapshot {
        let mut family = FamilySnapshot::new(self.name, self.help, T::KIND);
        for (values, series) in self.series.read().iter() {
            let labels: Vec<(&str, &str)> = self
                .labels
                .iter()
                .zip(values)
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            family.push(&labels, series.value());
        }
        family
    }
}

/// Something the registry can read at scrape.
trait Collect: Send + Sync {
    fn name(&self) -> &'static str;
    fn collect(&self) -> FamilySnapshot;
}

impl<T: Metric> Collect for Family<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn collect(&self) -> FamilySnapshot {
        self.snapshot()
    }
}

/// The families one exposition serves, in the order they were registered.
#[derive(Default)]
pub struct Registry {
    families: Mutex<Vec<Arc<dyn Collect>>>,
}

impl Registry {
    fn register<T: Metric>(&self, family: Family<T>) -> Arc<Family<T>> {
        let family = Arc::new(family);
        let mut families = self.families.lock();
        debug_assert!(
            families.iter().all(|f| f.name() != family.name),
            "{} registered twice",
            family.name
        );
        families.push(family.clone());
        family
    }

    pub fn counter(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Arc<Family<Counter>> {
        self.register(Family::new(name, help, labels, Box::new(Counter::default)))
    }

    pub fn gauge(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Arc<Family<Gauge>> {
        self.register(Family::new(name, help, labels, Box::new(Gauge::default)))
    }

    pub fn histogram(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        bounds: &'static [f64],
    ) -> Arc<Family<Histogram>> {
        let make = Box::new(move || Histogram::new(bounds));
        self.register(Family::new(name, help, labels, make))
    }

    /// Every family as it stands.
    pub fn collect(&self) -> Vec<FamilySnapshot> {
        let families = self.families.lock().clone();
        families.iter().map(|f| f.collect()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_lands_in_the_first_bucket_whose_bound_holds_it() {
        let h = Histogram::new(&[0.1, 1.0]);
        h.observe(0.1);
        h.observe(0.5);
        h.observe(7.0);
        let s = h.snapshot();
        assert_eq!(
            s.buckets,
            vec![(0.1, 1), (1.0, 2), (f64::INFINITY, 3)],
            "cumulative, `le` inclusive"
        );
        assert_eq!(s.count, 3);
        assert!((s.sum - 7.6).abs() < 1e-9);
    }

    #[test]
    fn a_series_is_made_once_per_label_values_and_counts_from_zero() {
        let registry = Registry::default();
        let hits = registry.counter("hits_total", "Hits.", &["route"]);
        hits.with(&["/a"]).inc();
        hits.with(&["/a"]).inc_by(2);
        hits.with(&["/b"]);
        let family = &registry.collect()[0];
        assert_eq!(family.kind, Kind::Counter);
        let values: Vec<_> = family
            .samples
            .iter()
            .map(|s| (s.labels[0].1.as_str(), s.value.clone()))
            .collect();
        assert_eq!(
            values,
            vec![("/a", Value::Counter(3)), ("/b", Value::Counter(0))]
        );
    }

    #[test]
    fn a_full_family_folds_new_label_values_into_its_overflow_series() {
        let registry = Registry::default();
        let hits = registry.counter("hits_total", "Hits.", &["id"]);
        for i in 0..MAX_SERIES_PER_FAMILY + 5 {
            hits.with(&[&i.to_string()]).inc();
        }
        hits.with(&["0"]).inc();
        let family = &registry.collect()[0];
        assert_eq!(family.samples.len(), MAX_SERIES_PER_FAMILY + 1);
        let overflow = family
            .samples
            .iter()
            .find(|s| s.labels[0].1 == OVERFLOW)
            .expect("an overflow series");
        assert_eq!(overflow.value, Value::Counter(5));
    }

    #[test]
    fn a_gauge_is_set_and_moved() {
        let g = Gauge::default();
        g.set(3.0);
        g.add(-1.5);
        assert_eq!(g.get(), 1.5);
    }
}
