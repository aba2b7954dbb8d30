//! Request counters and latency histograms by method, route and status, and the count of
//! SQL statements sent to the database, rendered in the Prometheus text format together
//! with gauges the caller supplies.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Histogram bucket bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        let entry = series
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                entry.buckets[i] += 1;
            }
        }
    }

    /// The request metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let Ok(series) = self.series.lock() else {
            return;
        };
        out.push_str("# HELP kirana_http_requests_total HTTP requests served.\n");
        out.push_str("# TYPE kirana_http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "kirana_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP kirana_http_request_duration_seconds Time to produce a response.\n");
        out.push_str("# TYPE kirana_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in series.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "kirana_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "kirana_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "kirana_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "kirana_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        drop(series);
        render_statements(out, crate::db::statements_executed());
    }
}

/// Read before the scrape's own queries run, so two scrapes in a row differ by exactly
/// what the first one cost plus whatever else ran in between.
fn render_statements(out: &mut String, total: u64) {
    out.push_str(
        "# HELP kirana_db_statements_total SQL statements sent to the database, BEGIN and COMMIT included.\n",
    );
    out.push_str("# TYPE kirana_db_statements_total counter\n");
    let _ = writeln!(out, "kirana_db_statements_total {total}");
}

/// Writes one gauge with its help line.
pub fn gauge(out: &mut String, name: &str, help: &str, samples: &[(&str, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counted_per_route_and_status() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/products", 200, Duration::from_millis(3));
        m.observe("GET", "/api/v1/products", 200, Duration::from_millis(300));
        m.observe("GET", "/api/v1/products", 404, Duration::from_millis(1));
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains(
            "kirana_http_requests_total{method=\"GET\",route=\"/api/v1/products\",status=\"200\"} 2"
        ));
        assert!(out.contains(
            "kirana_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/products\",status=\"200\",le=\"0.005\"} 1"
        ));
        assert!(out.contains(
            "kirana_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/products\",status=\"200\",le=\"0.5\"} 2"
        ));
        assert!(out.contains("status=\"404\"} 1"));
    }

    #[test]
    fn statements_are_a_counter() {
        let mut out = String::new();
        render_statements(&mut out, 42);
        assert!(out.contains("# TYPE kirana_db_statements_total counter\n"));
        assert!(out.ends_with("\nkirana_db_statements_total 42\n"));
    }
}
