//! Helpers shared by the integration tests: run the real binary, make workspaces.

#![allow(dead_code)]

pub mod explain;
pub mod fix22;
pub mod rng;
pub mod syntax;

use std::path::{Path, PathBuf};

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `nimbus-lint ARGS` in `dir`, without colours and at the default width.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    run_with_stdin(dir, args, "")
}

/// Like [`run`], feeding `stdin`.
pub fn run_with_stdin(dir: &Path, args: &[&str], stdin: impl AsRef<[u8]>) -> Run {
    run_with(dir, args, stdin, &[])
}

/// Like [`run_with_stdin`], with the variables `env` set.
pub fn run_with(
    dir: &Path,
    args: &[&str],
    stdin: impl AsRef<[u8]>,
    env: &[(&str, &std::ffi::OsStr)],
) -> Run {
    let out = assert_cmd::Command::cargo_bin("nimbus-lint")
        .expect("binary built")
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        // The tests' own CI must not move the paths of the github and SARIF formats.
        .env_remove("GITHUB_WORKSPACE")
        // Nor a git hook running the tests point `--git-tracked` at its repository.
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .envs(env.iter().copied())
        .write_stdin(stdin.as_ref())
        // A run that hangs (a pipe opened for reading, say) fails its test, not CI.
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("binary runs");
    Run {
        code: out
            .status
            .code()
            .expect("exit code (none: killed after the timeout)"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}

/// A temporary workspace holding `files` (path, text).
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

/// Parses `--format json` output.
pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// The diagnostics of `check --format json` over a workspace of `files` and an empty
/// `nimbus.toml`.
pub fn workspace_diagnostics(files: &[(&str, &str)]) -> Vec<serde_json::Value> {
    let mut all = vec![("nimbus.toml", "")];
    all.extend_from_slice(files);
    let dir = workspace(&all);
    json_diagnostics(dir.path())
}

/// The code and message of each diagnostic, in output order.
pub fn code_messages(found: &[serde_json::Value]) -> Vec<(String, String)> {
    (found.iter())
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            (s("code"), s("message"))
        })
        .collect()
}

/// The diagnostics of `check --format json` in `dir` (a run that did its job: not exit 2).
pub fn json_diagnostics(dir: &Path) -> Vec<serde_json::Value> {
    let r = run(dir, &["check", "--format", "json"]);
    assert_ne!(r.code, 2, "{}", r.stderr);
    json(&r)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .clone()
}

/// The codes of a JSON document's diagnostics, in order.
pub fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_owned())
        .collect()
}

/// Test data kept beside the repository (`../shared/`, not copied into it): the path the
/// variable `var` names (when set and not empty), else `../shared/{rel}` when it is there. `None` (the test then says
/// `NOT RUN`) in a clone that has neither.
pub fn shared_data(var: &str, rel: &str) -> Option<PathBuf> {
    if let Some(set) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(set));
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    beside.exists().then_some(beside)
}

/// Runs `nimbus-lint ARGS` in `dir` with every write held open for a while, sends it SIGTERM
/// as soon as a temporary file appears in `watched`, and returns its exit code and whether a
/// temporary file is left there.
#[cfg(unix)]
pub fn interrupted_mid_write(dir: &Path, args: &[&str], watched: &Path) -> (Option<i32>, bool) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
        .current_dir(dir)
        .args(args)
        .env("NIMBUS_LINT_TEST_WRITE_DELAY_MS", "20000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temp = || {
        std::fs::read_dir(watched)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !temp() {
        assert!(
            std::time::Instant::now() < deadline,
            "`{}` never started writing",
            args.join(" ")
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    (child.wait().unwrap().code(), temp())
}
