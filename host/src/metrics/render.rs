//! The Prometheus text exposition format, version 0.0.4: per family a
//! `# HELP` line, a `# TYPE` line, then its samples, one per line; a
//! histogram's series as cumulative `_bucket{le=...}` samples ending at
//! `le="+Inf"`, then `_sum` and `_count`. HELP text escapes `\` and line
//! feeds; label values escape `\`, `"` and line feeds. No timestamps: the
//! scrape's time is the samples' time.

use std::fmt::Write as _;

use super::registry::{FamilySnapshot, Kind, Value};

/// The `Content-Type` of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `families` in the text format. Each name must appear once.
pub fn render(families: &[FamilySnapshot]) -> String {
    let mut out = String::new();
    for family in families {
        write_family(&mut out, family);
    }
    out
}

fn write_family(out: &mut String, family: &FamilySnapshot) {
    let name = &family.name;
    let _ = writeln!(out, "# HELP {name} {}", escape_help(&family.help));
    let _ = writeln!(out, "# TYPE {name} {}", family.kind.as_str());
    for sample in &family.samples {
        let labels: Vec<(&str, &str)> = sample
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        match (&sample.value, family.kind) {
            (Value::Counter(n), _) => line(out, name, "", &labels, &n.to_string()),
            (Value::Gauge(v), _) => line(out, name, "", &labels, &number(*v)),
            (Value::Histogram(h), Kind::Histogram) => {
                for (bound, count) in &h.buckets {
                    let le = number(*bound);
                    let mut with_le = labels.clone();
                    with_le.push(("le", &le));
                    line(out, name, "_bucket", &with_le, &count.to_string());
                }
                line(out, name, "_sum", &labels, &number(h.sum));
                line(out, name, "_count", &labels, &h.count.to_string());
            }
            // A histogram's value in a family of another type: a bug of
            // whoever built the snapshot; its sample is left out.
            (Value::Histogram(_), _) => {
                debug_assert!(false, "{name}: a histogram sample in a {:?}", family.kind);
            }
        }
    }
}

fn line(out: &mut String, name: &str, suffix: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape_label(value));
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// A float as the format writes it: `+Inf`, `-Inf`, `NaN`, else decimal.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::Histogram;

    #[test]
    fn a_counter_is_written_with_help_type_and_escaped_labels() {
        let mut family =
            FamilySnapshot::new("hits_total", "Hits, by \\ and\nroute.", Kind::Counter);
        family.push(&[("route", "/a \"b\"\n\\c")], Value::Counter(3));
        assert_eq!(
            render(&[family]),
            "# HELP hits_total Hits, by \\\\ and\\nroute.\n\
             # TYPE hits_total counter\n\
             hits_total{route=\"/a \\\"b\\\"\\n\\\\c\"} 3\n"
        );
    }

    #[test]
    fn a_histogram_is_written_as_cumulative_buckets_sum_and_count() {
        let h = Histogram::new(&[0.5, 1.0]);
        h.observe(0.25);
        h.observe(2.0);
        let mut family = FamilySnapshot::new("wait_seconds", "Waits.", Kind::Histogram);
        family.push(&[("kind", "trade")], Value::Histogram(h.snapshot()));
        assert_eq!(
            render(&[family]),
            "# HELP wait_seconds Waits.\n\
             # TYPE wait_seconds histogram\n\
             wait_seconds_bucket{kind=\"trade\",le=\"0.5\"} 1\n\
             wait_seconds_bucket{kind=\"trade\",le=\"1\"} 1\n\
             wait_seconds_bucket{kind=\"trade\",le=\"+Inf\"} 2\n\
             wait_seconds_sum{kind=\"trade\"} 2.25\n\
             wait_seconds_count{kind=\"trade\"} 2\n"
        );
    }

    #[test]
    fn a_gauge_without_labels_and_odd_floats() {
        let mut family = FamilySnapshot::new("level", "Level.", Kind::Gauge);
        family.push(&[], Value::Gauge(0.000_05));
        family.push(&[("x", "nan")], Value::Gauge(f64::NAN));
        assert_eq!(
            render(&[family]),
            "# HELP level Level.\n# TYPE level gauge\nlevel 0.00005\nlevel{x=\"nan\"} NaN\n"
        );
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
    }
}
