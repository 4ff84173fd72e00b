//! What `--report-on-exit FILE` writes: frames drawn, bytes sent to the terminal, draw time and
//! ingest-to-draw latency percentiles, and peak memory.

use serde::Serialize;
use std::time::Duration;

/// Log-spaced buckets, 2 % wide, from 1 µs to about 100 s: percentiles within 2 % in bounded
/// memory however long the run.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

const GROWTH: f64 = 1.02;
const BUCKETS: usize = 940;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
        }
    }
}

impl Histogram {
    pub fn record(&mut self, d: Duration) {
        let us = d.as_secs_f64() * 1e6;
        let i = if us <= 1.0 {
            0
        } else {
            (us.ln() / GROWTH.ln()).ceil() as usize
        };
        self.counts[i.min(BUCKETS - 1)] += 1;
        self.total += 1;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `p`-th percentile (0–100) in milliseconds: the upper edge of the bucket holding it.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        let i = self.counts.iter().position(|c| {
            seen += c;
            seen >= rank
        })?;
        Some(GROWTH.powi(i as i32) / 1e3)
    }

    fn summary(&self) -> Percentiles {
        Percentiles {
            p50: self.percentile_ms(50.0),
            p99: self.percentile_ms(99.0),
            samples: self.total,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub samples: u64,
}

/// Why the UI stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The user quit.
    Quit,
    /// `--exit-after` elapsed.
    ExitAfter,
    /// The caller's cancellation token fired.
    Cancelled,
    Sigterm,
    Sighup,
    /// The terminal's input ended (stdin closed).
    InputClosed,
}

/// Counters the run loop keeps.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub frames_received: u64,
    pub frames_drawn: u64,
    /// What repainting every cell of every drawn frame would have written.
    pub full_repaint_bytes: u64,
    pub draw_time: Histogram,
    pub ingest_to_draw: Histogram,
}

/// The JSON written on exit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    pub exit: ExitReason,
    pub duration_s: f64,
    pub frames_received: u64,
    pub frames_drawn: u64,
    /// Bytes written to the terminal, escape sequences included.
    pub bytes_written: u64,
    /// What repainting every cell of every drawn frame would have written instead.
    pub full_repaint_bytes: u64,
    /// `bytes_written / full_repaint_bytes`: what redrawing only the changes saves.
    pub bytes_vs_full_repaint: Option<f64>,
    pub draw_time_ms: Percentiles,
    /// From a frame's arrival to the first draw that shows it (frames replaced before being
    /// drawn, or arriving while frozen, are not counted).
    pub ingest_to_draw_ms: Percentiles,
    /// Peak resident memory (`VmHWM`), where the platform says.
    pub peak_rss_kb: Option<u64>,
}

impl RunReport {
    pub fn new(
        exit: ExitReason,
        duration: Duration,
        stats: &Stats,
        bytes_written: u64,
    ) -> RunReport {
        RunReport {
            exit,
            duration_s: duration.as_secs_f64(),
            frames_received: stats.frames_received,
            frames_drawn: stats.frames_drawn,
            bytes_written,
            full_repaint_bytes: stats.full_repaint_bytes,
            bytes_vs_full_repaint: (stats.full_repaint_bytes > 0)
                .then(|| bytes_written as f64 / stats.full_repaint_bytes as f64),
            draw_time_ms: stats.draw_time.summary(),
            ingest_to_draw_ms: stats.ingest_to_draw.summary(),
            peak_rss_kb: peak_rss_kb(),
        }
    }
}

/// `VmHWM` from `/proc/self/status` (Linux); `None` elsewhere.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_within_two_percent() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile_ms(50.0), None);
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.percentile_ms(50.0).unwrap();
        let p99 = h.percentile_ms(99.0).unwrap();
        assert!((50.0..=51.0).contains(&p50), "{p50}");
        assert!((99.0..=101.0).contains(&p99), "{p99}");
        assert_eq!(h.count(), 100);
        h.record(Duration::from_secs(10_000));
        h.record(Duration::ZERO);
        assert_eq!(h.count(), 102);
    }

    #[test]
    fn peak_rss_is_read_from_proc_status() {
        assert_eq!(
            parse_vm_hwm("Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t1 kB\n"),
            Some(12345)
        );
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kb().unwrap() > 0);
        }
    }

    #[test]
    fn the_report_serialises_with_snake_case_fields() {
        let report = RunReport::new(
            ExitReason::ExitAfter,
            Duration::from_secs(2),
            &Stats::default(),
            42,
        );
        let v = serde_json::to_value(&report).unwrap();
        assert_eq!(v["exit"], "exit_after");
        assert_eq!(v["bytes_written"], 42);
        assert!(v["draw_time_ms"]["p50"].is_null());
    }
}
