//! The pipeline benchmark of issue 6: every stage, the end-to-end `check` and `build`, and the
//! parse floor, on generated workspaces of S = 100, M = 5,000 and L = 100,000 services, in the
//! single-file and per-service layouts.
//!
//! ```text
//! cargo bench --bench pipeline && python3 benches/report.py
//! NIMBUS_BENCH_SIZES=S,M cargo bench --bench pipeline          # quick run, without L
//! NIMBUS_BENCH_LAYOUTS=single cargo bench --bench pipeline     # one layout only
//! ```
//!
//! The workspaces are written once by `examples/gen_workspace.rs` (seed 1) into
//! `target/bench-workspaces/{S,M,L}-{single,per-service}` and reused while the generator's source
//! is unchanged (`generator.stamp` holds it, with the arguments); delete a folder to rewrite it.
//!
//! Each size and layout is one criterion group, named `{size}-{layout}` (`M-per-service`), with
//! one benchmark per measurement; `benches/report.py` reads them back from `target/criterion`.
//! Outputs (the model, the floor's tables) are dropped outside the timed region everywhere, the
//! floor included, so that the ratios compare like with like.

use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use rayon::prelude::*;

use nimbus_lint::compile;
use nimbus_lint::emit::{self, Format, Style};
use nimbus_lint::load::{self, Loaded, Naming, Overlays};
use nimbus_lint::{Analysis, analyze, check_workspace, parse_files, resolve_files};

/// The generator's source, kept in the cache stamp.
const GENERATOR: &str = include_str!("../examples/gen_workspace.rs");
/// Appended to the generated `nimbus.toml` unless the generator wrote a `[workspace]` table of
/// its own: the per-service L workspace has 100,002 entity files, over the default limit of
/// 100,000.
const SETTINGS_EXTRA: &str = "\n[workspace]\nmax_files = 200000\n";
/// The seed of every generated workspace.
const SEED: u64 = 1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Size {
    S,
    M,
    L,
}

impl Size {
    fn name(self) -> &'static str {
        match self {
            Size::S => "S",
            Size::M => "M",
            Size::L => "L",
        }
    }

    fn services(self) -> usize {
        match self {
            Size::S => 100,
            Size::M => 5_000,
            Size::L => 100_000,
        }
    }

    /// Criterion settings, short enough for a full run in about ten minutes on 2 cores: flat
    /// sampling (the same iteration count in every sample) from M up, where an iteration takes
    /// tens of milliseconds, and criterion's fewest samples for L (10 iterations in all, after one
    /// to warm up), whose iterations take around a second each.
    fn configure(self, group: &mut BenchmarkGroup<'_, WallTime>) {
        // A fifth of criterion's default resamples: its analysis runs on one thread here (no
        // `rayon` feature) and the medians do not need tighter intervals than the noise allows.
        group.nresamples(20_000);
        match self {
            Size::S => {
                group
                    .sample_size(30)
                    .warm_up_time(Duration::from_millis(500))
                    .measurement_time(Duration::from_secs(2));
            }
            Size::M => {
                group
                    .sample_size(15)
                    .sampling_mode(SamplingMode::Flat)
                    .warm_up_time(Duration::from_millis(500))
                    .measurement_time(Duration::from_secs(3));
            }
            Size::L => {
                group
                    .sample_size(10)
                    .sampling_mode(SamplingMode::Flat)
                    .warm_up_time(Duration::from_millis(500))
                    .measurement_time(Duration::from_secs(8));
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Single,
    PerService,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Single => "single",
            Layout::PerService => "per-service",
        }
    }
}

/// A comma-separated selection from an environment variable (all of `all` when unset).
fn select<T: Copy>(var: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Vec<T> {
    let Ok(value) = std::env::var(var) else {
        return all.to_vec();
    };
    let wanted: Vec<String> = value
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    for w in &wanted {
        assert!(
            all.iter().any(|&t| name(t).eq_ignore_ascii_case(w)),
            "{var}: unknown value `{w}` (expected one of {})",
            all.iter().map(|&t| name(t)).collect::<Vec<_>>().join(", ")
        );
    }
    all.iter()
        .copied()
        .filter(|&t| wanted.iter().any(|w| name(t).eq_ignore_ascii_case(w)))
        .collect()
}

/// `target/` (or `$CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// What `generator.stamp` holds: the generator's source and its arguments. A workspace whose
/// stamp differs is written anew; `benches/cli.sh` writes and compares the same bytes, so the two
/// share the folders.
fn stamp(size: Size, layout: Layout) -> String {
    format!(
        "{GENERATOR}// generated by: gen_workspace --services {} --layout {} --seed {SEED} --unknown-refs 0; max_files = 200000 unless set\n",
        size.services(),
        layout.name()
    )
}

/// The generated workspace of `size` and `layout`, written on first use.
fn workspace(size: Size, layout: Layout) -> PathBuf {
    let base = target_dir().join("bench-workspaces");
    let dir = base.join(format!("{}-{}", size.name(), layout.name()));
    let stamp_file = dir.join("generator.stamp");
    let stamp = stamp(size, layout);
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        return dir;
    }
    let tmp = base.join(format!("{}-{}.tmp", size.name(), layout.name()));
    for d in [&dir, &tmp] {
        if d.exists() {
            std::fs::remove_dir_all(d).expect("remove a stale bench workspace");
        }
    }
    eprintln!(
        "generating {} ({} services, {} layout)...",
        dir.display(),
        size.services(),
        layout.name()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "--quiet",
            "--release",
            "--example",
            "gen_workspace",
            "--",
        ])
        .args(["--services", &size.services().to_string()])
        .args(["--layout", layout.name()])
        .args(["--seed", &SEED.to_string()])
        .arg("--out")
        .arg(&tmp)
        .status()
        .expect("run cargo for the workspace generator");
    assert!(status.success(), "gen_workspace failed: {status}");
    let settings = tmp.join(load::SETTINGS_FILE);
    let mut text = std::fs::read_to_string(&settings).expect("read the generated nimbus.toml");
    if !text.lines().any(|l| l.trim() == "[workspace]") {
        text.push_str(SETTINGS_EXTRA);
    }
    std::fs::write(&settings, text).expect("write nimbus.toml");
    // Not a `.toml` file: neither the loader nor the floor reads it.
    std::fs::write(tmp.join("generator.stamp"), stamp).expect("write the stamp");
    std::fs::rename(&tmp, &dir).expect("move the bench workspace in place");
    dir
}

/// Every TOML file of the workspace, `nimbus.toml` included, found by the loader's walk
/// (`load::walker`). The generated workspaces have no `exclude` globs and no nested
/// workspaces, so the floor reads the same files as the loader.
fn toml_files(root: &Path) -> Vec<PathBuf> {
    load::walker(root)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect()
}

/// The floor: the same files read and parsed by the `toml` crate into an untyped
/// `toml::Table`, nothing else.
///
/// To keep it honest it does what the loader must do and no more: the same directory walk
/// (`toml_files`), then every file read whole with `std::fs::read`, checked as UTF-8 and parsed,
/// on rayon's pool with one task per file (`par_iter`, as the loader reads), however few files
/// there are. It skips what the loader adds: the `stat` before each read (for
/// `max_file_size`), sorting paths, line indexes, the settings' validation. Each file is parsed
/// whole on one thread, as `toml` does; nimbus-lint cuts a large file into batches parsed in
/// parallel, so on the single-file layout it can come out *below* this floor on 2 cores.
fn floor(root: &Path) -> Vec<toml::Table> {
    toml_files(root)
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).expect("read a bench file");
            let text = String::from_utf8(bytes).expect("bench files are UTF-8");
            text.parse::<toml::Table>()
                .expect("bench files are valid TOML")
        })
        .collect()
}

/// Bytes and file count of the workspace's TOML files.
fn input_size(root: &Path) -> (u64, usize) {
    let files = toml_files(root);
    let bytes = files
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    (bytes, files.len())
}

fn load_ws(root: &Path, naming: &Naming) -> Loaded {
    load::load(root, naming, &Overlays::new())
}

/// Load, parse, resolve and check: what `nimbus-lint check` does before it prints.
fn check_e2e(root: &Path, naming: &Naming) -> Analysis {
    analyze(load_ws(root, naming), &[])
}

/// The emit stage: the bundle written as JSON (as `build` does) and the diagnostics rendered in
/// the default human format (as `check` does), both to `io::sink()`.
fn emit_all(analysis: &Analysis, bundle: &compile::Bundle<'_>) {
    compile::write(bundle, &mut io::sink()).expect("write to a sink");
    let style = Style {
        color: false,
        width: 100,
    };
    emit::render(
        Format::Human,
        std::slice::from_ref(analysis),
        &[],
        false,
        style,
        &mut io::sink(),
    )
    .expect("render to a sink");
}

fn bench_workspace(c: &mut Criterion, size: Size, layout: Layout) {
    let root = workspace(size, layout);
    let naming = Naming::from_cwd();
    let (bytes, files) = input_size(&root);

    // The generated workspaces are valid: a check that finds errors means a broken generator
    // or a broken pipeline, and `build` would measure nothing.
    let reference = check_e2e(&root, &naming);
    assert!(
        reference.load_errors.is_empty() && !reference.has_errors(),
        "{}: the generated workspace does not check clean: {:?} {:?}",
        root.display(),
        reference.load_errors,
        reference
            .diagnostics
            .iter()
            .take(5)
            .map(|d| &d.message)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        reference.ws.sources.len(),
        files,
        "{}: the loader and the floor do not see the same files",
        root.display()
    );
    let bundle = compile::compile(&reference.ws, &reference.transfers);

    let name = format!("{}-{}", size.name(), layout.name());
    eprintln!("{name}: {bytes} bytes in {files} files");
    let mut g = c.benchmark_group(&name);
    size.configure(&mut g);
    g.throughput(Throughput::Bytes(bytes));
    let batch = BatchSize::LargeInput;

    // The floor and the two end-to-end figures first, next to each other in time, so that the
    // ratios between them suffer the least from a machine whose load drifts.
    g.bench_function("floor", |b| {
        b.iter_batched(|| (), |()| floor(black_box(&root)), batch)
    });
    g.bench_function("e2e-check", |b| {
        b.iter_batched(|| (), |()| check_e2e(black_box(&root), &naming), batch)
    });
    // As `nimbus-lint build -o -` does: the bundle compiled and written entity by entity
    // (`write_workspace`), never whole in memory.
    g.bench_function("e2e-build", |b| {
        b.iter_batched(
            || (),
            |()| {
                let a = check_e2e(black_box(&root), &naming);
                assert!(!a.has_errors());
                compile::write_workspace(&a.ws, &a.transfers, &mut io::sink())
                    .expect("write to a sink");
                a
            },
            batch,
        )
    });

    // Each stage alone; its input is prepared outside the timed region.
    g.bench_function("load", |b| {
        b.iter_batched(|| (), |()| load_ws(black_box(&root), &naming), batch)
    });
    let loaded = load_ws(&root, &naming);
    g.bench_function("parse", |b| {
        b.iter_batched(|| (), |()| parse_files(black_box(&loaded)), batch)
    });
    drop(loaded);
    g.bench_function("resolve", |b| {
        b.iter_batched(
            || {
                let loaded = load_ws(&root, &naming);
                let parsed = parse_files(&loaded);
                (loaded, parsed)
            },
            |(loaded, parsed)| resolve_files(loaded, parsed),
            batch,
        )
    });
    g.bench_function("check", |b| {
        b.iter_batched(
            || {
                let loaded = load_ws(&root, &naming);
                let parsed = parse_files(&loaded);
                resolve_files(loaded, parsed)
            },
            |(ws, errors, notes)| check_workspace(ws, errors, notes, &[]),
            batch,
        )
    });
    g.bench_function("compile", |b| {
        b.iter_batched(
            || (),
            |()| compile::compile(black_box(&reference.ws), &reference.transfers),
            batch,
        )
    });
    g.bench_function("emit", |b| {
        b.iter(|| emit_all(black_box(&reference), &bundle))
    });
    // Compile and emit fused, as `build` runs them: `compile::write_workspace` to a sink.
    g.bench_function("bundle-streamed", |b| {
        b.iter(|| {
            compile::write_workspace(
                black_box(&reference.ws),
                &reference.transfers,
                &mut io::sink(),
            )
            .expect("write to a sink")
        })
    });
    g.finish();
}

fn main() {
    let sizes = select(
        "NIMBUS_BENCH_SIZES",
        &[Size::S, Size::M, Size::L],
        Size::name,
    );
    let layouts = select(
        "NIMBUS_BENCH_LAYOUTS",
        &[Layout::Single, Layout::PerService],
        Layout::name,
    );
    let mut c = Criterion::default().configure_from_args();
    for &size in &sizes {
        for &layout in &layouts {
            bench_workspace(&mut c, size, layout);
        }
    }
    c.final_summary();
}
