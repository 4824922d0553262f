//! Time and resident memory after each stage of `check` on one workspace (a development tool,
//! not part of the CLI): what BENCHMARKS.md's "What changed" rows quote as "probe".
//!
//! ```sh
//! cargo run --release --example stage_probe -- target/bench-workspaces/L-per-service
//! ```
//!
//! Resident memory (`VmRSS`) and its peak (`VmHWM`) come from `/proc/self/status`, in MiB; where
//! that file does not exist they are left out. Run it once per figure: the allocator keeps
//! freed memory, so a second run in the same process would not start from nothing.

use std::path::Path;
use std::time::{Duration, Instant};

/// `VmRSS` and `VmHWM` in MiB, when the system reports them.
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((kib("VmRSS:")? / 1024, kib("VmHWM:")? / 1024))
}

fn report(stage: &str, took: Duration) {
    match memory() {
        Some((rss, hwm)) => {
            println!("{stage:8} {took:>12.2?}   resident {rss:5} MiB   peak {hwm:5} MiB")
        }
        None => println!("{stage:8} {took:>12.2?}"),
    }
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: stage_probe WORKSPACE");
        std::process::exit(2);
    };
    let root = match Path::new(&dir).canonicalize() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("stage_probe: {dir}: {e}");
            std::process::exit(2);
        }
    };
    let naming = nimbus_lint::load::Naming::from_cwd();
    let t = Instant::now();
    let loaded = nimbus_lint::load::load(&root, &naming, &Default::default());
    report("load", t.elapsed());
    let t = Instant::now();
    let parsed = nimbus_lint::parse_files(&loaded);
    report("parse", t.elapsed());
    let t = Instant::now();
    let (ws, errors, notes) = nimbus_lint::resolve_files(loaded, parsed);
    report("resolve", t.elapsed());
    let t = Instant::now();
    let analysis = nimbus_lint::check_workspace(ws, errors, notes, &[]);
    report("check", t.elapsed());
    println!(
        "{} files, {} diagnostics",
        analysis.ws.sources.len(),
        analysis.diagnostics.len()
    );
}
