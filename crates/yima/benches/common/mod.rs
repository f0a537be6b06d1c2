//! Paired timing for the benches: criterion measures each function in its own time slice, so on a machine
//! shared with other work (this one has 2 cores and concurrent compiles) a baseline and a candidate measured
//! seconds apart see different loads. `paired` alternates short rounds of the two and reports the median
//! of the per-round ratios, which cancels slow drifts in machine load.

// Each bench binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Result of [`paired`].
#[derive(Debug, Clone, Copy)]
pub struct Paired {
    /// Median time per call of the baseline.
    pub baseline: Duration,
    /// Median time per call of the candidate.
    pub candidate: Duration,
    /// Median over rounds of candidate time / baseline time.
    pub ratio: f64,
    /// First and third quartile of the per-round ratios.
    pub ratio_iqr: (f64, f64),
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn quartiles(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let q = |p: usize| v.get(v.len() * p / 4).copied().unwrap_or(f64::NAN);
    (q(1), q(3))
}

/// Alternates `rounds` rounds of `iters` calls of `baseline` and of `candidate` (the order flips every
/// round) and prints and returns the medians.
pub fn paired(
    label: &str,
    rounds: usize,
    iters: usize,
    mut baseline: impl FnMut(),
    mut candidate: impl FnMut(),
) -> Paired {
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        t.elapsed().as_secs_f64() / iters as f64
    };
    // Warm-up.
    time(&mut baseline);
    time(&mut candidate);
    let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (ta, tb) = if round % 2 == 0 {
            let ta = time(&mut baseline);
            (ta, time(&mut candidate))
        } else {
            let tb = time(&mut candidate);
            (time(&mut baseline), tb)
        };
        a.push(ta);
        b.push(tb);
        r.push(tb / ta);
    }
    let p = Paired {
        baseline: Duration::from_secs_f64(median(&mut a)),
        candidate: Duration::from_secs_f64(median(&mut b)),
        ratio: median(&mut r),
        ratio_iqr: quartiles(&mut r),
    };
    println!(
        "PAIRED {label}: baseline {:.2} µs/op, candidate {:.2} µs/op, ratio {:.3} (IQR {:.3}–{:.3}, {rounds} rounds × {iters})",
        p.baseline.as_secs_f64() * 1e6,
        p.candidate.as_secs_f64() * 1e6,
        p.ratio,
        p.ratio_iqr.0,
        p.ratio_iqr.1,
    );
    p
}

/// CPU time (user + system) of the calling thread, from `/proc/thread-self/stat` (Linux; `None`
/// elsewhere). Its resolution is one clock tick (10 ms), so callers time runs of seconds.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ, 100 per second on every mainstream architecture.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Runs `f` for about `seconds` of wall time and prints its rate per second of wall time and per second
/// of this thread's CPU time. On a machine shared with other work the second is the better estimate of
/// what one dedicated core does (it excludes time spent waiting for a CPU).
pub fn per_core(label: &str, seconds: f64, mut f: impl FnMut()) {
    let (wall0, cpu0) = (Instant::now(), thread_cpu_time());
    let mut n = 0u64;
    while wall0.elapsed().as_secs_f64() < seconds {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    let wall = wall0.elapsed().as_secs_f64();
    match (cpu0, thread_cpu_time()) {
        (Some(a), Some(b)) if b > a => {
            let cpu = (b - a).as_secs_f64();
            println!(
                "PER-CORE {label}: {:.0}/s per CPU-second ({:.0}/s of wall time, {:.0}% of a CPU), {n} calls",
                n as f64 / cpu,
                n as f64 / wall,
                100.0 * cpu / wall
            );
        }
        _ => println!(
            "PER-CORE {label}: {:.0}/s of wall time (no CPU clock), {n} calls",
            n as f64 / wall
        ),
    }
}
