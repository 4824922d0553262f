//! The command line: exit codes, the summary line, quiet mode, level flags, stdin.

mod common;

use common::{codes, fixture, json, repo, run, run_with_stdin, workspace};

#[test]
fn example_is_clean() {
    let r = run(&repo(), &["check", "fixtures/example"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 5 files\n");
}

#[test]
fn missing_path_exits_2() {
    let r = run(&repo(), &["check", "does/not/exist"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: does/not/exist: no such file or directory\n"
    );
}

#[test]
fn a_file_named_as_a_folder_exits_2() {
    // `org.toml/` names a folder to the system (`ls` says "Not a directory"); the tool
    // says so too, rather than read the file.
    for suffix in ["/", "/.", "/..", "//"] {
        let r = run(
            &repo(),
            &["check", &format!("fixtures/example/org.toml{suffix}")],
        );
        assert_eq!(r.code, 2, "{}", r.stdout);
        assert_eq!(
            r.stderr,
            format!(
                "error: fixtures/example/org.toml: a file, named as a folder (`{suffix}` after \
                 it): drop the `{suffix}`\n"
            )
        );
    }
    let r = run_with_stdin(
        &repo(),
        &[
            "check",
            "--stdin-filename",
            "fixtures/example/org.toml/",
            "-",
        ],
        "[ou.x]\n",
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("names a folder (`/` at its end)"),
        "{}",
        r.stderr
    );
    // `..` after a file, or after nothing, is refused as the system refuses it.
    for (path, why) in [
        (
            "fixtures/example/org.toml/x/..",
            "a part of the path is a file, not a folder",
        ),
        (
            "fixtures/example/org.toml/../org.toml",
            "a part of the path is a file, not a folder",
        ),
        (
            "fixtures/example/missing.toml/..",
            "no such file or directory",
        ),
    ] {
        let r = run(&repo(), &["check", path]);
        assert_eq!((r.code, r.stderr), (2, format!("error: {path}: {why}\n")));
    }
    // A name that is not UTF-8, too.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", "[ou.root]\n")]);
        std::fs::write(
            ws.path().join(std::ffi::OsStr::from_bytes(b"\xff.toml")),
            "",
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
            .current_dir(ws.path())
            .arg("check")
            .arg(std::ffi::OsStr::from_bytes(b"\xff.toml/"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("a file, named as a folder (`/` after it)"),
            "{stderr}"
        );
    }
    // Folders may end so.
    for folder in [
        "fixtures/example/",
        "fixtures/example/.",
        "fixtures/example/services/..",
    ] {
        let r = run(&repo(), &["check", folder]);
        assert_eq!(r.code, 0, "{folder}: {}", r.stderr);
    }
}

#[test]
fn folder_without_toml_exits_2() {
    let ws = workspace(&[("readme.md", "nothing here")]);
    let r = run(ws.path(), &["check", "."]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.starts_with("error: .: no TOML files found"),
        "{}",
        r.stderr
    );
    // Its TOML files all hidden or ignored: none to read, and the message says why there may be.
    let ws = workspace(&[
        (".gitignore", "*.toml\n"),
        ("a.toml", "[ou.r]\n"),
        (".b.toml", ""),
    ]);
    let r = run(ws.path(), &["check", "."]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.starts_with(
            "error: .: no TOML files found (none there, or all hidden, ignored, excluded or another tool's)"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn empty_workspace_with_settings_is_clean() {
    let ws = workspace(&[("nimbus.toml", "# nothing yet\n")]);
    let r = run(ws.path(), &["check"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 1 file\n")
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_exits_2_and_names_it() {
    let ws = workspace(&[("nimbus.toml", ""), ("ous.toml", "[ou.contoso]\n")]);
    // A socket cannot be opened as a file, even by root.
    let _listener =
        std::os::unix::net::UnixListener::bind(ws.path().join("broken.toml")).expect("socket");
    let r = run(ws.path(), &["check", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("error: broken.toml: "), "{}", r.stderr);
    assert!(
        r.stdout
            .ends_with("0 errors, 0 warnings in 2 files; not every file could be read\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn errors_exit_1_and_warnings_only_with_deny_warnings() {
    let warn_only = fixture("rules/self-transfer");
    let r = run(&warn_only, &["check", "."]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.ends_with("0 errors, 1 warning in 4 files\n"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stderr, "");
    let r = run(&warn_only, &["check", ".", "--deny-warnings", "-q"]);
    assert_eq!(r.code, 1);
    // The summary says "0 errors": stderr says why the run failed all the same.
    assert_eq!(r.stdout, "0 errors, 1 warning in 4 files\n");
    assert_eq!(r.stderr, "error: warnings are denied (--deny-warnings)\n");
    // With errors, they say it.
    let r = run(
        &fixture("rules/ou-cycle"),
        &["check", "--deny-warnings", "-q"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
}

#[test]
fn quiet_prints_only_the_summary() {
    let r = run(&fixture("rules/ou-cycle"), &["check", "-q"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stdout.starts_with("1 error, 0 warnings in "),
        "{}",
        r.stdout
    );
}

#[test]
fn level_flags_win_over_defaults_and_last_flag_wins() {
    let dir = fixture("rules/self-transfer");
    let doc = json(&run(
        &dir,
        &["check", "--format", "json", "--deny", "self-transfer"],
    ));
    assert_eq!(doc["diagnostics"][0]["severity"], "error");
    let doc = json(&run(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "-D",
            "self-transfer",
            "-A",
            "self-transfer",
        ],
    ));
    assert!(codes(&doc).is_empty());
    // The other order: the error wins, and fails the check.
    let r = run(
        &dir,
        &[
            "check",
            "--format",
            "short",
            "-A",
            "self-transfer",
            "-D",
            "self-transfer",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains(": error[self-transfer]:"), "{}", r.stdout);
    let r = run(
        &dir,
        &[
            "check",
            "--format",
            "short",
            "-D",
            "self-transfer",
            "-W",
            "self-transfer",
        ],
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains(": warning[self-transfer]:"),
        "{}",
        r.stdout
    );
}

#[test]
fn unknown_or_hard_codes_on_the_command_line_exit_2() {
    let dir = fixture("example");
    let r = run(&dir, &["check", "--allow", "self-transfr"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `self-transfer`?"),
        "{}",
        r.stderr
    );
    // A family named by its start: every code of it.
    let r = run(&dir, &["explain", "unused"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: unknown rule code `unused`; did you mean `unused-messaging-entry`, \
         `unused-connector` or `unused-suppression`? (`nimbus-lint explain --list` lists every \
         code)\n"
    );
    let r = run(&dir, &["check", "--allow", "syntax"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`syntax` cannot be lowered"),
        "{}",
        r.stderr
    );
    // A flag given nothing (an empty variable in a script) is refused; a trailing comma is not.
    for empty in ["", ",", " "] {
        let r = run(&dir, &["check", "-W", "self-transfer", "-A", empty]);
        assert_eq!(r.code, 2, "{empty:?}");
        assert_eq!(
            r.stderr,
            "error: `--allow` was given no rule code: name one, or leave the flag out \
             (`nimbus-lint explain --list` lists every code)\n"
        );
    }
    let r = run(&dir, &["check", "-A", "self-transfer,"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_file_path_checks_its_whole_workspace() {
    let r = run(
        &repo(),
        &[
            "check",
            "fixtures/example/services/sales.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(json(&r)["summary"]["files"], 5);
}

#[test]
fn the_same_workspace_twice_is_checked_once() {
    let r = run(
        &repo(),
        &[
            "check",
            "fixtures/example",
            "fixtures/example/org.toml",
            "-q",
        ],
    );
    assert_eq!(r.stdout, "0 errors, 0 warnings in 5 files\n");
}

#[test]
fn stdin_replaces_the_named_file() {
    let broken = std::fs::read_to_string(fixture("example/org.toml"))
        .unwrap()
        .replacen("parent = \"contoso\"", "parent = \"contosoo\"", 1);
    let r = run_with_stdin(
        &repo(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "fixtures/example/org.toml",
            "--format",
            "short",
        ],
        &broken,
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("fixtures/example/org.toml:9:10: error[unknown-reference]"),
        "{}",
        r.stdout
    );
}

#[test]
fn stdin_that_is_not_utf8_gets_the_same_syntax_error_as_the_file_on_disk() {
    let bad: &[u8] = b"[ou.sales]\nname = \"Caf\xe9\"\nparent = \"contoso\"\n";
    let ws = workspace(&[("org.toml", "[ou.contoso]\n"), ("sales.toml", "")]);
    std::fs::write(ws.path().join("sales.toml"), bad).unwrap();
    let expected =
        "sales.toml:2:12: error[syntax]: file is not valid UTF-8\n1 error, 0 warnings in 2 files\n";
    let disk = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        (disk.code, disk.stdout.as_str()),
        (1, expected),
        "{}",
        disk.stderr
    );
    std::fs::write(ws.path().join("sales.toml"), "").unwrap();
    let args = [
        "check",
        "-",
        "--stdin-filename",
        "sales.toml",
        "--format",
        "short",
    ];
    let piped = run_with_stdin(ws.path(), &args, bad);
    assert_eq!(
        (piped.code, piped.stdout.as_str()),
        (1, expected),
        "{}",
        piped.stderr
    );
}

#[test]
fn stdin_in_a_folder_that_does_not_exist_yet_is_a_workspace_of_its_own() {
    // No nimbus.toml anywhere: the buffer's own (new) folder is the root, not the nearest
    // existing folder above it, whose unrelated TOML files must not be read.
    let ws = workspace(&[("Cargo.toml", "[package]\nname = \"x\"\n")]);
    let r = run_with_stdin(
        ws.path(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "new/folder/org.toml",
            "--format",
            "short",
        ],
        "[ou.contoso]\nname = 1\n",
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "new/folder/org.toml:2:8: error[invalid-value]: `name` must be a string, found an integer\n1 error, 0 warnings in 1 file\n"
    );
}

#[test]
fn explain_prints_the_long_form_and_rejects_unknown_codes() {
    let r = run(&repo(), &["explain", "im-unreachable"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("# im-unreachable (error by default)\n")
    );
    assert!(r.stdout.contains("## Fix"));
    let r = run(&repo(), &["explain", "im-unreachble"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `im-unreachable`?"),
        "{}",
        r.stderr
    );
    let r = run(&repo(), &["explain", "--list"]);
    assert_eq!(
        r.stdout.lines().count(),
        nimbus_lint::rules::Code::ALL.len()
    );
    // Which codes cannot be lowered or silenced, without a round trip to find out.
    let always = ": cannot be lowered or silenced)";
    for line in r.stdout.lines() {
        let code = line.split_whitespace().next().unwrap();
        let hard = nimbus_lint::rules::Code::parse(code).unwrap().rule().hard;
        assert_eq!(line.ends_with(always), hard, "{line}");
    }
}

#[test]
fn a_path_that_does_not_exist_fails_the_machine_formats_too() {
    // Exit 2 before any workspace is read: the SARIF log and the annotations must not read as
    // a clean run, with the reason on stderr only.
    let ws = workspace(&[("nimbus.toml", ""), ("ous.toml", "[ou.contoso]\n")]);
    let r = run(ws.path(), &["check", "--format", "sarif", "missing"]);
    assert_eq!(r.code, 2);
    let doc = json(&r);
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["message"]["text"],
        "missing: no such file or directory"
    );
    let r = run(ws.path(), &["check", "--format", "github", ".", "missing"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "::error file=missing,title=not read::no such file or directory\n\
         0 errors, 0 warnings in 2 files; not every file could be read\n"
    );
    assert_eq!(r.stderr, "error: missing: no such file or directory\n");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_not_waited_for() {
    let ws = workspace(&[("nimbus.toml", ""), ("ous.toml", "[ou.contoso]\n")]);
    let made = std::process::Command::new("mkfifo")
        .arg(ws.path().join("pipe.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    let r = run(ws.path(), &["check", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "error: pipe.toml: not a regular file (a pipe, socket or device), not read\n"
    );
    // Named with no nimbus.toml above it, where a file is read to tell whether it is another
    // tool's: not opened there either.
    std::fs::remove_file(ws.path().join("nimbus.toml")).unwrap();
    let r = run(ws.path(), &["check", "pipe.toml"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.ends_with(
            "error: pipe.toml: not a regular file (a pipe, socket or device), not read\n"
        ),
        "{}",
        r.stderr
    );
    std::fs::write(ws.path().join("nimbus.toml"), "").unwrap();
    // Machine formats carry it too, once: an annotation, a failed SARIF invocation.
    let r = run(ws.path(), &["check", "--format", "github", "."]);
    assert_eq!(
        r.stdout,
        "::error file=pipe.toml,title=not read::not a regular file (a pipe, socket or device), not read\n\
         0 errors, 0 warnings in 2 files; not every file could be read\n"
    );
    let doc = json(&run(ws.path(), &["check", "--format", "sarif", "."]));
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 1, "{notifications:?}");
    assert_eq!(
        notifications[0]["message"]["text"],
        "pipe.toml: not a regular file (a pipe, socket or device), not read"
    );
    let location = |doc: &serde_json::Value| {
        let n = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
        n["locations"][0]["physicalLocation"]["artifactLocation"].clone()
    };
    assert_eq!(
        location(&doc),
        serde_json::json!({"uri": "pipe.toml", "uriBaseId": "%SRCROOT%"})
    );
    // From outside the workspace, a `file://` URI, as the results name such files.
    let outside = workspace(&[]);
    let named = ws.path().canonicalize().unwrap();
    let doc = json(&run(
        outside.path(),
        &["check", "--format", "sarif", named.to_str().unwrap()],
    ));
    assert_eq!(
        location(&doc),
        serde_json::json!({"uri": format!("file://{}/pipe.toml", named.display())})
    );
}

#[cfg(unix)]
#[test]
fn a_nimbus_toml_that_links_out_of_the_workspace_or_is_a_pipe_is_not_read() {
    let outer = workspace(&[
        ("ws/ous.toml", "[ou.contoso]\n"),
        ("secret.txt", "SECRET_KEY=hunter2\n"),
        ("ws/inside.txt", "[workspace]\nexclude = [\"drafts/**\"]\n"),
        ("ws/drafts/d.toml", "[ou.broken\n"),
    ]);
    let ws = outer.path().join("ws");
    let settings = ws.join("nimbus.toml");
    // A link out of the workspace: its target's text would be shown in a snippet.
    std::os::unix::fs::symlink("../secret.txt", &settings).unwrap();
    let r = run(&ws, &["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("hunter2"), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "error: nimbus.toml: symbolic link to a file outside the workspace or in a hidden \
         folder, not read: make it a file of its own\n"
    );
    // A link to a hidden file inside (`.env`, `.git/config`) is refused alike.
    std::fs::remove_file(&settings).unwrap();
    std::fs::write(ws.join(".env"), "TOKEN=hunter3\n").unwrap();
    std::os::unix::fs::symlink(".env", &settings).unwrap();
    let r = run(&ws, &["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("hunter3"), "{}", r.stdout);
    // A link to a file of the workspace is read (its `exclude` applies).
    std::fs::remove_file(&settings).unwrap();
    std::os::unix::fs::symlink("inside.txt", &settings).unwrap();
    let r = run(&ws, &["check", "--format", "short"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A pipe is refused at once, not waited for.
    std::fs::remove_file(&settings).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&settings)
        .status()
        .unwrap();
    assert!(made.success());
    let r = run(&ws, &["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "error: nimbus.toml: not a regular file (a pipe, socket or device), not read\n"
    );
}

#[cfg(unix)]
#[test]
fn an_ignore_file_that_is_a_pipe_or_a_device_is_refused_not_waited_for() {
    let mkfifo = |path: &std::path::Path| {
        let made = std::process::Command::new("mkfifo").arg(path).status();
        assert!(made.unwrap().success());
    };
    let files = [
        ("nimbus.toml", ""),
        ("ous.toml", "[ou.contoso]\n"),
        ("sub/a.toml", "[ou.a]\nparent = \"contoso\"\n"),
    ];
    let error = |file: &str| {
        format!(
            "error: {file}: not a regular file (a pipe, socket or device), not read: it decides \
             which files are read, so the folder was not checked\n"
        )
    };
    // In a folder below the root: that folder is left out, the rest is checked.
    let ws = workspace(&files);
    mkfifo(&ws.path().join("sub/.gitignore"));
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, error("sub/.gitignore"));
    assert!(
        r.stdout
            .ends_with("0 errors, 0 warnings in 2 files; not every file could be read\n"),
        "{}",
        r.stdout
    );
    // At the root, as a link to a device, or as a repository's exclude file: nothing is walked.
    let ws = workspace(&files);
    std::os::unix::fs::symlink("/dev/zero", ws.path().join(".gitignore")).unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!((r.code, r.stderr), (2, error(".gitignore")));
    let ws = workspace(&files);
    std::fs::create_dir_all(ws.path().join(".git/info")).unwrap();
    mkfifo(&ws.path().join(".git/info/exclude"));
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!((r.code, r.stderr), (2, error(".git/info/exclude")));
    // In a nested workspace's folder, which the outer walk never enters: no concern of the
    // outer workspace.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("ous.toml", "[ou.contoso]\n"),
        ("inner/nimbus.toml", ""),
    ]);
    mkfifo(&ws.path().join("inner/.gitignore"));
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn limits_out_of_range_are_invalid_values_and_the_defaults_stay() {
    let ws = workspace(&[
        (
            "nimbus.toml",
            "[workspace]\nmax_file_size = 5_000_000_000\nmax_files = 0\n",
        ),
        ("ous.toml", "[ou.contoso]\n"),
    ]);
    let r = run(ws.path(), &["check", "--format", "json"]);
    let doc = json(&r);
    let got: Vec<(String, String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
                d["help"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        (
            "invalid-value",
            "`max_file_size` is over its largest value, 4294967295",
            "write at most `max_file_size = 4294967295`",
        ),
        (
            "invalid-value",
            "`max_files` must be a positive integer",
            "write e.g. `max_files = 100000`",
        ),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r.code, 1);
}

#[cfg(unix)]
#[test]
fn an_endless_stdin_is_read_up_to_the_size_limit_only() {
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nmax_file_size = 1000\n"),
        ("ous.toml", "[ou.contoso]\n"),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
        .current_dir(ws.path())
        .args([
            "check",
            "--format",
            "short",
            "--stdin-filename",
            "new.toml",
            "-",
        ])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: new.toml: the file has at least 1001 bytes, more than the limit of 1000 \
         (`[workspace] max_file_size` in nimbus.toml)\n"
    );
}

#[test]
fn arguments_are_refused_with_what_to_do_instead() {
    let ex = fixture("example");
    for command in ["build", "graph"] {
        let r = run(&ex, &[command, "-"]);
        assert_eq!(r.code, 2);
        assert_eq!(
            r.stderr,
            "error: `-` (the file on stdin) is for `check --stdin-filename PATH -`; this command \
             reads files on disk only\n"
        );
    }
    // A rule code is shown with its control characters escaped.
    let r = run(&ex, &["explain", "x\u{1b}[31m"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: unknown rule code `x\\u{1b}[31m` (`nimbus-lint explain --list` lists every code)\n"
    );
    // No code at all: the same (clap's own "required argument" would not name `--list`).
    for args in [&["explain", ""][..], &["explain"]] {
        let r = run(&ex, args);
        assert_eq!(r.code, 2);
        assert_eq!(
            r.stderr,
            "error: no rule code given (`nimbus-lint explain --list` lists every code)\n"
        );
    }
    // `-o` names a file, never a folder.
    for folder in ["out/", ".", ".."] {
        let r = run(&ex, &["build", "-o", folder]);
        assert_eq!(r.code, 2, "{folder}");
        assert!(
            r.stderr
                .starts_with(&format!("error: -o must name a file, not `{folder}`")),
            "{}",
            r.stderr
        );
    }
    assert!(!ex.join("out").exists());
}

#[test]
fn graph_draws_a_workspace_with_errors_and_says_it_may_be_incomplete() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("ous.toml", "[ou.contoso]\n"),
        ("broken.toml", "[ou.sales\n"),
    ]);
    let r = run(ws.path(), &["graph"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("flowchart") || r.stdout.starts_with("graph"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.ends_with(
            "note: the configuration has 1 error (`nimbus-lint check` shows them): the graph \
             shows what could be read\n"
        ),
        "{}",
        r.stderr
    );
    let ws = workspace(&[("nimbus.toml", ""), ("ous.toml", "[ou.contoso]\n")]);
    assert_eq!(run(ws.path(), &["graph"]).stderr, "");
}

#[cfg(unix)]
#[test]
fn a_named_path_that_the_walk_leaves_out_gets_a_note_not_a_silent_pass() {
    let outer = workspace(&[
        ("ws/nimbus.toml", "[workspace]\nexclude = [\"drafts/**\"]\n"),
        ("ws/ous.toml", "[ou.contoso]\n"),
        ("ws/drafts/d.toml", "[ou.broken\n"),
        ("ws/.hidden/h.toml", "[ou.broken\n"),
        ("elsewhere/e.toml", "[ou.broken\n"),
    ]);
    let ws = outer.path().join("ws");
    std::os::unix::fs::symlink("../elsewhere", ws.join("linked")).unwrap();
    for (path, why) in [
        (
            "drafts/d.toml",
            "it is excluded by `[workspace] exclude` in nimbus.toml; take it out of the globs to have it checked",
        ),
        (
            ".hidden/h.toml",
            "it is hidden (its name or a folder's starts with `.`); rename it to have it checked",
        ),
        (
            "linked",
            "the walk of its workspace leaves this folder out (a symbolic link, hidden, ignored or excluded)",
        ),
        (
            "drafts",
            "its workspace reads no file below it (none there, or all hidden, ignored, excluded or another tool's)",
        ),
    ] {
        let r = run(&ws, &["check", "--format", "short", path]);
        assert_eq!(r.code, 0, "{path}: {}", r.stderr);
        assert_eq!(r.stderr, format!("note: {path}: not checked: {why}\n"));
    }
    // A file that is read gets no note.
    assert_eq!(run(&ws, &["check", "ous.toml"]).stderr, "");
    // A link to a file of the workspace is read at its target, if the workspace reads that.
    std::os::unix::fs::symlink("ous.toml", ws.join("to-ous.toml")).unwrap();
    std::os::unix::fs::symlink("drafts/d.toml", ws.join("to-draft.toml")).unwrap();
    let r = run(&ws, &["check", "--format", "short"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "note: to-draft.toml: symbolic link to another file of the workspace, not read: the \
         workspace does not read its target either\n\
         note: to-ous.toml: symbolic link to another file of the workspace, read at its target\n"
    );
}

#[cfg(unix)]
#[test]
fn a_backslash_in_a_file_name_is_kept_as_written() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("a\\b.toml", "[ou.root]\n"),
        ("c.toml", "[ou.root]\n"),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "c.toml:1:1: error[duplicate-id]: duplicate OU id `root`\n1 error, 0 warnings in 3 files\n"
    );
    let r = run(ws.path(), &["check"]);
    assert!(r.stdout.contains("╭─[a\\b.toml:1:1]"), "{}", r.stdout);
    assert!(!r.stdout.contains("a/b.toml"), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn a_workspace_reached_by_two_spellings_is_checked_once() {
    let ws = workspace(&[
        ("real/nimbus.toml", ""),
        (
            "real/org.toml",
            "[ou.contoso]\n[ou.sales]\nparent = \"contosso\"\n",
        ),
        ("real/services/a.toml", "[ou.north]\nparent = \"contoso\"\n"),
    ]);
    std::os::unix::fs::symlink("real", ws.path().join("link")).unwrap();
    let once = "real/org.toml:3:10: error[unknown-reference]: `parent` names an unknown OU \
                `contosso`\n1 error, 0 warnings in 3 files\n";
    let r = run(ws.path(), &["check", "--format", "short", "real", "link"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, once), "{}", r.stderr);
    // A file by its linked path, another by its real one.
    let r = run(
        ws.path(),
        &[
            "check",
            "--format",
            "short",
            "real/org.toml",
            "link/services/a.toml",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, once), "{}", r.stderr);
    // `--fix` mends it once, and has no second spelling to find changed.
    let r = run(ws.path(), &["check", "--fix", "-q", "link", "real"]);
    assert_eq!(r.stderr, "fixed 1 problem in 1 file\n");
}

#[test]
fn workspaces_are_listed_in_path_order_whatever_the_order_of_the_arguments() {
    let ws = workspace(&[
        ("s2/nimbus.toml", ""),
        ("s2/a.toml", "[ou.x]\nname = 1\n"),
        ("s3/nimbus.toml", ""),
        ("s3/a.toml", "[ou.x]\nname = 1\n"),
    ]);
    let short = |args: &[&str]| {
        let mut all = vec!["check", "--format", "short"];
        all.extend_from_slice(args);
        run(ws.path(), &all).stdout
    };
    let forward = short(&["s2", "s3"]);
    assert_eq!(forward, short(&["s3", "s2"]));
    assert!(forward.starts_with("s2/a.toml:2:8:"), "{forward}");
}

#[test]
fn a_utf16_file_is_told_to_be_saved_as_utf8() {
    let ws = workspace(&[("nimbus.toml", "")]);
    let utf16 = |text: &str, bom: &[u8], le: bool| {
        let mut bytes = bom.to_vec();
        for unit in text.encode_utf16() {
            let pair = if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            bytes.extend_from_slice(&pair);
        }
        bytes
    };
    std::fs::write(
        ws.path().join("le.toml"),
        utf16("[ou.root]\n", &[0xff, 0xfe], true),
    )
    .unwrap();
    std::fs::write(ws.path().join("be.toml"), utf16("[ou.other]\n", &[], false)).unwrap();
    std::fs::write(ws.path().join("bad.toml"), b"[ou.x]\nname = \"a\xff\"\n").unwrap();
    // NUL bytes alone are no UTF-16 text.
    std::fs::write(ws.path().join("nul.toml"), [0u8; 40]).unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        r.stdout,
        "bad.toml:2:10: error[syntax]: file is not valid UTF-8\n\
         be.toml:1:1: error[syntax]: file is UTF-16 text, not UTF-8\n\
         le.toml:1:1: error[syntax]: file is UTF-16 text, not UTF-8\n\
         nul.toml:1:1: error[syntax]: invalid TOML: invalid unquoted key, expected letters, numbers, `-`, `_`\n\
         4 errors, 0 warnings in 5 files\n"
    );
    // The invalid byte itself is underlined, not an empty place before it.
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let bad = &doc["diagnostics"][0];
    assert_eq!(
        (bad["column"].as_u64(), bad["end_column"].as_u64()),
        (Some(10), Some(11))
    );
}

#[cfg(unix)]
#[test]
fn a_deleted_current_folder_is_an_error_for_relative_paths_only() {
    let ws = workspace(&[("gone/.keep", "")]);
    let bin = env!("CARGO_BIN_EXE_nimbus-lint");
    let example = fixture("example");
    let sh = |command: &str| {
        let script = format!("cd gone && rm .keep && rmdir ../gone && {command}");
        let out = std::process::Command::new("sh")
            .current_dir(ws.path())
            .args(["-c", &script])
            .output()
            .unwrap();
        std::fs::create_dir_all(ws.path().join("gone")).unwrap();
        std::fs::write(ws.path().join("gone/.keep"), "").unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let error = "error: the current folder cannot be read (no such file or directory; deleted?): \
                 run from an existing folder, or give absolute paths\n";
    assert_eq!(sh(&format!("{bin} check")), (Some(2), error.to_owned()));
    assert_eq!(
        sh(&format!(
            "echo '[ou.x]' | {bin} check --stdin-filename x.toml -"
        )),
        (Some(2), error.to_owned())
    );
    let (code, stderr) = sh(&format!("{bin} check {}", example.display()));
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
}

#[test]
fn a_long_first_line_after_a_byte_order_mark_keeps_its_column() {
    let line = format!("\u{feff}[ou.root]\nname = \"{}\" x = 1\n", "a".repeat(300));
    let first = format!("\u{feff}[ou.{}] x\n", "b".repeat(300));
    let ws = workspace(&[("nimbus.toml", ""), ("a.toml", &line), ("b.toml", &first)]);
    let short = run(ws.path(), &["check", "--format", "short"]).stdout;
    let human = run(ws.path(), &["check"]).stdout;
    for place in short.lines().filter_map(|l| l.split(": ").next()) {
        if place.contains(".toml:") {
            assert!(human.contains(&format!("╭─[{place}]")), "{place}\n{human}");
        }
    }
    // The places themselves: the byte order mark is no column.
    let places: Vec<&str> = short.lines().filter_map(|l| l.split(": ").next()).collect();
    assert_eq!(places[..2], ["a.toml:2:311", "b.toml:1:307"], "{short}");
}

#[test]
fn colours_only_where_asked_for() {
    // Argument errors on a pipe: plain text.
    let r = run(&repo(), &["check", "--bogus"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unexpected argument '--bogus'"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
    // `--color always` colours `build`'s diagnostics on stderr, even on a pipe.
    let dir = fixture("rules/self-transfer");
    let dir = dir.to_str().unwrap();
    let r = run(&repo(), &["build", dir, "-o", "-", "--color", "always"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("\u{1b}["), "{:?}", r.stderr);
    let r = run(&repo(), &["build", dir, "-o", "-"]);
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
}

/// Runs `nimbus-lint check DIR` with stdout on a terminal of `columns` (a pty made by
/// util-linux's `script`), `NO_COLOR` set or not and `COLUMNS` unset; its output.
#[cfg(unix)]
fn check_on_a_terminal(dir: &str, columns: u16, no_color: bool) -> String {
    let bin = env!("CARGO_BIN_EXE_nimbus-lint");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec"])
        .arg(format!(
            "stty rows 50 cols {columns}; exec '{bin}' check --format human '{dir}'"
        ))
        .arg("/dev/null")
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .env_remove("TERM");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().expect("util-linux's script runs");
    String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
}

#[cfg(unix)]
#[test]
fn on_a_terminal_the_report_is_coloured_and_fits_its_width_and_on_a_pipe_plain() {
    let dir = fixture("rules/missing-messaging-entry");
    let dir = dir.to_str().unwrap();
    let coloured = check_on_a_terminal(dir, 60, false);
    assert!(coloured.contains("\u{1b}["), "{coloured:?}");
    // Prose is wrapped to the terminal's 60 columns (source lines are kept whole).
    let plain: String = {
        let mut out = String::new();
        let mut chars = coloured.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|c| c.is_ascii_alphabetic());
            } else {
                out.push(c);
            }
        }
        out
    };
    let help = plain
        .lines()
        .find(|l| l.trim_start().starts_with("help:"))
        .expect("a help");
    assert!(help.chars().count() <= 60, "{plain}");
    assert!(
        plain.lines().filter(|l| l.starts_with("        ")).count() > 0,
        "the help goes on on a line of its own: {plain}"
    );
    let wide = check_on_a_terminal(dir, 200, true);
    assert!(!wide.contains('\u{1b}'), "NO_COLOR: {wide:?}");
    let wide_help = wide
        .lines()
        .find(|l| l.trim_start().starts_with("help:"))
        .unwrap();
    assert!(wide_help.chars().count() > 60, "{wide}");
    // On a pipe, without NO_COLOR: plain.
    let out = assert_cmd::Command::cargo_bin("nimbus-lint")
        .unwrap()
        .args(["check", dir])
        .env_remove("NO_COLOR")
        .env_remove("TERM")
        .output()
        .unwrap();
    assert!(!out.stdout.is_empty());
    assert!(
        !out.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // CLICOLOR_FORCE colours a pipe (a CI log), but yields to NO_COLOR.
    let forced = |no_color: bool| {
        let mut cmd = assert_cmd::Command::cargo_bin("nimbus-lint").unwrap();
        cmd.args(["check", dir])
            .env("CLICOLOR_FORCE", "1")
            .env_remove("TERM");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        cmd.output().unwrap().stdout.contains(&0x1b)
    };
    assert_eq!((forced(false), forced(true)), (true, false));
}

#[test]
fn folders_with_their_own_nimbus_toml_are_workspaces_of_their_own() {
    let ws = workspace(&[
        ("tenants/a/nimbus.toml", ""),
        ("tenants/a/org.toml", "[ou.contoso]\n"),
        ("tenants/b/nimbus.toml", ""),
        ("tenants/b/org.toml", "[ou.contoso]\n[ou.x]\n"),
    ]);
    // `check` above them checks each on its own: `contoso` in both is no duplicate, and the
    // nested nimbus.toml files are settings, not entity files.
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "tenants/b/org.toml:2:1: error[root-ou]: more than one root OU: `contoso` and `x` both have no parent\n\
         1 error, 0 warnings in 4 files\n"
    );
    // `build` takes one workspace: above them, there is none to build.
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: .: no TOML files of its own: 2 folders below it hold a nimbus.toml, each a workspace of its own; name one, e.g. `tenants/a`\n"
    );
    // A workspace with files of its own leaves the nested one out, and says so.
    std::fs::write(ws.path().join("org.toml"), "[ou.fabrikam]\n").unwrap();
    std::fs::remove_dir_all(ws.path().join("tenants/b")).unwrap();
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"fabrikam\""), "{}", r.stdout);
    assert!(!r.stdout.contains("\"contoso\""), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "note: tenants/a: holds its own nimbus.toml: a workspace of its own, not part of this one\n"
    );
    // Named through a file (as pre-commit names them), the workspace holding it is checked,
    // not the tenants nested in it; a file of a tenant names that tenant.
    std::fs::write(
        ws.path().join("tenants/a/org.toml"),
        "[ou.contoso]\n[ou.x]\n",
    )
    .unwrap();
    let r = run(ws.path(), &["check", "--format", "short", "org.toml"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 1 file\n"),
        "{}",
        r.stderr
    );
    let r = run(
        ws.path(),
        &[
            "check",
            "--format",
            "short",
            "org.toml",
            "tenants/a/org.toml",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("tenants/a/org.toml:2:1: error[root-ou]"),
        "{}",
        r.stdout
    );
    // Named as a folder, it brings its tenants.
    let r = run(ws.path(), &["check", "--format", "short", "."]);
    assert_eq!(r.code, 1);
}

#[test]
fn from_a_subfolder_files_below_it_are_named_from_it() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n[ou.x]\n"),
        (
            "services/a.toml",
            "[service.a]\nou = \"contosoo\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    let r = run(&ws.path().join("services"), &["check", "--format", "short"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("a.toml:2:6: error[unknown-reference]")),
        "{}",
        r.stdout
    );
    // A file outside the current folder is named absolutely.
    let org = format!(
        "{}:2:1: error[root-ou]",
        ws.path().join("org.toml").display()
    );
    assert!(
        r.stdout.lines().any(|l| l.starts_with(&org)),
        "{}",
        r.stdout
    );
}

#[test]
fn version_names_the_commit_and_completions_cover_the_shells() {
    let r = run(&repo(), &["--version"]);
    assert_eq!(r.code, 0);
    let version = format!("nimbus-lint {}", env!("CARGO_PKG_VERSION"));
    assert!(r.stdout.starts_with(&version), "{}", r.stdout);
    // Built from a git checkout (as here), the commit follows in parentheses.
    if repo().join(".git").exists() {
        assert!(r.stdout.contains(" ("), "{}", r.stdout);
    }
    for (shell, marker) in [
        ("bash", "_nimbus__lint()"),
        ("zsh", "#compdef nimbus-lint"),
        ("fish", "complete -c nimbus-lint"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = run(&repo(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell}");
        assert!(r.stdout.contains("check"), "{shell}: no subcommands");
    }
    let r = run(&repo(), &["completions", "tcsh"]);
    assert_eq!(r.code, 2);
}

/// Runs `check fixtures/example --format FORMAT` with stdout going to `stdout`.
fn check_into(format: &str, stdout: std::process::Stdio) -> std::process::Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("nimbus-lint"))
        .current_dir(repo())
        .args(["check", "fixtures/example", "--format", format])
        .stdout(stdout)
        .output()
        .expect("binary runs")
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_under_stdout_exits_2_in_every_format_even_for_a_short_output() {
    for format in ["human", "short", "json", "sarif", "github"] {
        let full = std::fs::File::create("/dev/full").expect("/dev/full");
        let out = check_into(format, full.into());
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: cannot write the output: no space left on the device\n",
            "{format}"
        );
    }
}

#[test]
fn a_closed_pipe_exits_2_quietly_in_every_format() {
    for format in ["human", "short", "json", "sarif", "github"] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = check_into(format, writer.into());
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
    }
}

#[test]
fn a_bundle_larger_than_a_buffer_into_a_closed_pipe_exits_2_quietly() {
    // The pipe breaks while the bundle is being serialised, not at the last flush.
    let mut services = String::from("[ou.contoso]\n");
    for i in 0..600 {
        services.push_str(&format!(
            "[service.s{i}]\nou = \"contoso\"\nlicense = \"contact_center\"\n"
        ));
    }
    let ws = workspace(&[("nimbus.toml", ""), ("all.toml", &services)]);
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("nimbus-lint"))
        .current_dir(ws.path())
        .args(["build", "-o", "-"])
        .stdout(std::process::Stdio::from(writer))
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_exits_2_and_names_it() {
    use std::os::unix::fs::PermissionsExt;
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("ous.toml", "[ou.contoso]\n"),
        (
            "locked/svc.toml",
            "[service.s]\nou = \"contoso\"\nlicense = \"premium\"\n",
        ),
    ]);
    let mode =
        |p: &std::path::Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(ws.path(), 0o755).unwrap();
    mode(&ws.path().join("locked"), 0o000).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("nimbus-lint");
    let root = std::fs::read_dir(ws.path().join("locked")).is_ok();
    // Root reads any folder: run as `nobody` then, where `runuser` can.
    let mut cmd = if root {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .current_dir(ws.path())
        .args(["check", ".", "--format", "short"])
        .output();
    mode(&ws.path().join("locked"), 0o755).unwrap();
    let Ok(out) = out else {
        eprintln!("running as root without runuser: the folder cannot be made unreadable");
        return;
    };
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    if root && stderr.starts_with("runuser:") {
        eprintln!("runuser cannot run the binary as nobody here: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "error: locked: permission denied: the folder could not be read, none of its files were checked\n"
    );
    assert_eq!(
        stdout,
        "0 errors, 0 warnings in 2 files; not every file could be read\n"
    );
}

#[test]
fn stdin_named_as_a_folder_or_a_file_that_is_not_toml_exits_2() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        ("docs/readme.md", ""),
    ]);
    for (name, why) in [
        (
            "docs",
            "is a folder: name the file the text on stdin stands for",
        ),
        (
            "notes.md",
            "not a .toml file: a workspace is made of .toml files only",
        ),
        (
            "org.toml/x.toml",
            "a part of the path is a file, not a folder: name the file the text on stdin stands for",
        ),
        (
            "./org.toml/../org.toml",
            "a part of the path is a file, not a folder: name the file the text on stdin stands for",
        ),
    ] {
        let r = run_with_stdin(
            ws.path(),
            &["check", "-", "--stdin-filename", name],
            "[ou.x]\n",
        );
        assert_eq!(r.code, 2, "{name}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.stderr, format!("error: --stdin-filename {name}: {why}\n"));
    }
}

#[test]
fn file_paths_without_nimbus_toml_share_one_workspace_and_a_note_says_how_to_check_it_whole() {
    let ws = workspace(&[
        ("org.toml", "[ou.contoso]\n"),
        (
            "services/s.toml",
            "[service.s]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"s\"]\n",
        ),
        (".drafts/d.toml", "[ou.d]\nname = 1\n"),
    ]);
    let note = |file: &str, root: &str| {
        format!(
            "note: {file}: no nimbus.toml at or above it, so its folder ({root}) is checked as the workspace; put a nimbus.toml at the workspace root to have file paths (as pre-commit passes them) check the whole workspace\n"
        )
    };
    let self_transfer =
        "services/s.toml:4:14: warning[self-transfer]: service `s` transfers to itself\n";
    // A folder below another root of the run is part of it: each file checked once.
    for args in [
        &["org.toml", "services/s.toml"][..],
        &["services/s.toml", "org.toml"],
    ] {
        let r = run(
            ws.path(),
            &[&["check", "--format", "short"][..], args].concat(),
        );
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stdout,
            format!("{self_transfer}0 errors, 1 warning in 2 files\n"),
            "{args:?}"
        );
        assert_eq!(r.stderr, note("org.toml", "."), "{args:?}");
    }
    // Named as a folder, the root is the contract's: nothing to tell.
    let r = run(ws.path(), &["check", ".", "services/s.toml", "-q"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0 errors, 1 warning in 2 files\n", "")
    );
    // Alone, the file's folder is its workspace, and the note says why and what to do.
    // (Not under `-q`, which leaves the summary line alone.)
    let r = run(ws.path(), &["check", "services/s.toml", "-q"]);
    assert_eq!(r.stdout, "1 error, 1 warning in 1 file\n");
    assert_eq!(r.stderr, "");
    let r = run(
        ws.path(),
        &["check", "services/s.toml", "--format", "short"],
    );
    assert!(r.stdout.ends_with("\n1 error, 1 warning in 1 file\n"));
    assert_eq!(r.stderr, note("services/s.toml", "services"));
    // A folder the outer walk leaves out (hidden) stays a workspace of its own.
    let r = run(
        ws.path(),
        &["check", "org.toml", ".drafts/d.toml", "--format", "short"],
    );
    assert!(
        r.stdout.ends_with("\n1 error, 1 warning in 3 files\n"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr,
        [note("org.toml", "."), note(".drafts/d.toml", ".drafts")].concat()
    );
}

#[test]
fn a_file_path_the_outer_walk_leaves_out_in_a_way_the_run_cannot_foresee_is_still_checked() {
    // `sub/` is listed in `.git/info/exclude`: the outer walk leaves it out, so the file named
    // below it is checked in its own folder rather than dropped.
    let ws = workspace(&[
        ("org.toml", "[ou.contoso]\n"),
        ("sub/s.toml", "[service.s]\nou = \"contoso\"\nlicense = 1\n"),
        (".git/info/exclude", "sub/\n"),
    ]);
    let r = run(
        ws.path(),
        &["check", "--format", "short", "org.toml", "sub/s.toml"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("sub/s.toml:3:11: error[invalid-value]: `license` must be a string"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("note: sub/s.toml: no nimbus.toml"),
        "{}",
        r.stderr
    );
}

/// What `shell` offers for `nimbus-lint WORDS…` (the last word is being completed), through
/// the script `completions SHELL` prints; `None` when the shell is not installed.
fn complete_in(shell: &str, words: &[&str]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("completions");
    std::fs::write(&script, run(&repo(), &["completions", shell]).stdout).unwrap();
    let driver = match shell {
        "bash" => {
            "source \"$1\"; shift; COMP_WORDS=(nimbus-lint \"$@\"); COMP_CWORD=$#; \
             _nimbus__lint nimbus-lint \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"; \
             printf '%s\\n' \"${COMPREPLY[@]}\""
        }
        "fish" => "source $argv[1]; complete -C \"nimbus-lint $argv[2..-1]\"",
        _ => unreachable!("{shell}"),
    };
    let mut cmd = std::process::Command::new(shell);
    cmd.arg("-c").arg(driver);
    if shell == "bash" {
        cmd.arg("bash");
    }
    let out = match cmd.arg(&script).args(words).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{shell}: {e}"),
    };
    assert!(out.status.success(), "{shell}: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    // fish prints each candidate with its description after a tab.
    let words = stdout.lines().map(|l| l.split('\t').next().unwrap_or(l));
    Some(words.filter(|w| !w.is_empty()).map(str::to_owned).collect())
}

#[test]
fn completions_complete_after_the_subcommand() {
    for shell in ["bash", "fish"] {
        let Some(formats) = complete_in(shell, &["check", "--format", ""]) else {
            eprintln!("{shell} is not installed: its completions are not tried here");
            continue;
        };
        let mut formats = formats;
        formats.sort();
        assert_eq!(
            formats,
            ["github", "human", "json", "sarif", "short"],
            "{shell}"
        );
        let options = complete_in(shell, &["check", "--"]).unwrap();
        for option in ["--format", "--stdin-filename", "--deny-warnings"] {
            assert!(options.iter().any(|o| o == option), "{shell}: {options:?}");
        }
        let options = complete_in(shell, &["build", "--"]).unwrap();
        assert!(
            options.iter().any(|o| o == "--output"),
            "{shell}: {options:?}"
        );
        let commands = complete_in(shell, &[""]).unwrap();
        assert!(
            commands.iter().any(|c| c == "check"),
            "{shell}: {commands:?}"
        );
    }
}

#[test]
fn stdin_named_as_a_file_the_workspace_does_not_read_exits_2_and_says_why() {
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"drafts/**\"]\n"),
        ("org.toml", "[ou.contoso]\n"),
        ("gen/.gitignore", "*.toml\n"),
    ]);
    let mut cases = vec![
        (
            "drafts/new.toml",
            "it is excluded by `[workspace] exclude` in nimbus.toml, so its workspace does not read it; take it out of the globs to have it checked",
        ),
        (
            ".hidden.toml",
            "it is hidden (its name or a folder's starts with `.`), so its workspace does not read it; rename it to have it checked",
        ),
        (
            "gen/a.toml",
            "it is ignored by gen/.gitignore, so its workspace does not read it; take it out of that file to have it checked",
        ),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(ws.path().join("org.toml"), ws.path().join("link.toml"))
            .unwrap();
        cases.push((
            "link.toml",
            "it is a symbolic link, or lies below a linked folder, which the walk does not follow, so its workspace does not read it; name the file it leads to",
        ));
    }
    for (name, why) in cases {
        let r = run_with_stdin(
            ws.path(),
            &["check", "-", "--stdin-filename", name, "--format", "short"],
            "broken = [\n",
        );
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr),
            (2, "", format!("error: --stdin-filename {name}: {why}\n")),
            "{name}"
        );
    }
    // The settings file and a file the walk reads are checked as before.
    for name in ["nimbus.toml", "new.toml"] {
        let r = run_with_stdin(
            ws.path(),
            &["check", "-", "--stdin-filename", name, "--format", "short"],
            "broken = [\n",
        );
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert!(
            r.stdout.starts_with(&format!("{name}:1:")),
            "{name}: {}",
            r.stdout
        );
    }
}

#[cfg(unix)]
#[test]
fn a_folder_whose_only_toml_files_are_skipped_links_says_so_with_no_toml_files_found() {
    let outside = workspace(&[("org.toml", "[ou.contoso]\n")]);
    let ws = workspace(&[("tenant/nimbus.toml", ""), ("tenant/org.toml", "[ou.t]\n")]);
    std::os::unix::fs::symlink(outside.path().join("org.toml"), ws.path().join("o.toml")).unwrap();
    std::os::unix::fs::symlink("nowhere.toml", ws.path().join("broken.toml")).unwrap();
    let notes = "note: broken.toml: broken symbolic link, skipped\n\
                 note: o.toml: symbolic link to a file outside the workspace, not followed\n";
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.stderr,
        format!(
            "{notes}error: .: no TOML files of its own: the folder below it holds a nimbus.toml: a workspace of its own; name one, e.g. `tenant`\n"
        )
    );
    std::fs::remove_dir_all(ws.path().join("tenant")).unwrap();
    let r = run(ws.path(), &["check"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.stderr,
        format!(
            "{notes}error: .: no TOML files found (none there, or all hidden, ignored, excluded or another tool's): a workspace is a folder of .toml files (with an optional nimbus.toml at its root)\n"
        )
    );
}

#[test]
fn narrow_reports_break_prose_at_spaces_only_and_never_a_source_line() {
    // The missing-messaging-entry fixture: a help naming `[service.….instant_messaging]`
    // headers and `messaging_entry = "…"` code, and notes with snippets of other places.
    let dir = fixture("rules/missing-messaging-entry");
    let files: String = ["services.toml", "twilio.toml", "org.toml"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect();
    // COLUMNS=20 gets the narrowest layout, 40 columns.
    for (columns, width) in [("60", 60), ("20", 40)] {
        let out = assert_cmd::Command::cargo_bin("nimbus-lint")
            .unwrap()
            .current_dir(&dir)
            .args(["check"])
            .env("NO_COLOR", "1")
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            // No line ends inside an id, a header or a short piece of code: every backtick
            // opened on a line is closed on it.
            assert!(
                line.matches('`').count() % 2 == 0,
                "split inside code at {width}: {line:?}\n{text}"
            );
            assert_eq!(line, line.trim_end(), "trailing space: {line:?}");
            // `  │    18 │ code` in a nested note, ` 11 │ code` at the top: a line of a file,
            // whole.
            let inner = line.trim_start_matches([' ', '│']);
            if let Some((number, code)) = inner.split_once(" │ ")
                && number.trim().parse::<u32>().is_ok()
            {
                assert!(
                    files.lines().any(|l| l == code),
                    "cut source line: {line:?} as {code:?}\n{text}"
                );
                continue;
            }
            // Prose (messages, helps, notes) fits the width, but for one word longer than a
            // line, which stays whole.
            let snippet = ['·', '╭', '─']
                .iter()
                .any(|c| line.contains(*c) && !line.contains('☞'));
            let words = line
                .trim_start_matches([' ', '│', '├', '╰', '─', '▶', '☞', '×'])
                .trim_start_matches("help: ");
            if !snippet {
                assert!(
                    line.chars().count() <= width || !words.contains(' '),
                    "over {width} columns: {line:?}\n{text}"
                );
            }
        }
    }
}

#[test]
fn check_fix_mends_the_files_and_reports_what_is_left() {
    let org = "service.team = { name = \"Équipe 🏔\", ou = \"contso\", license = \"contact_centre\" }\r\n\r\n\
               [ou.contoso]\r\nname = \"Contoso\"\r\n\r\n\
               [service.desk]\r\nou = 'contso'\r\nlicence = \"contact_center\"\r\ntransfers = [\"nowhere\"]\r\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", org)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    // The unknown `nowhere` has no certain fix: it is what is left.
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "org.toml:9:14: error[unknown-reference]: `transfers` names an unknown service `nowhere`\n\
         1 error, 0 warnings in 2 files\n"
    );
    // Each fix is listed where it was made, as the text read in its round was.
    assert_eq!(
        r.stderr,
        "org.toml:1:42: fixed[unknown-reference]: Replace with `contoso`\n\
         org.toml:1:62: fixed[invalid-value]: Replace with `contact_center`\n\
         org.toml:7:6: fixed[unknown-reference]: Replace with `contoso`\n\
         org.toml:8:1: fixed[unknown-field]: Rename to `license`\n\
         fixed 4 problems in 1 file\n"
    );
    // Line ends, quotes, the other characters and the rest of the file are kept as they were.
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        "service.team = { name = \"Équipe 🏔\", ou = \"contoso\", license = \"contact_center\" }\r\n\r\n\
         [ou.contoso]\r\nname = \"Contoso\"\r\n\r\n\
         [service.desk]\r\nou = 'contoso'\r\nlicense = \"contact_center\"\r\ntransfers = [\"nowhere\"]\r\n"
    );
    // Nothing left to fix: nothing is written (the file is the same one, untouched), nothing
    // said.
    let org_path = ws.path().join("org.toml");
    let before = std::fs::metadata(&org_path).unwrap();
    let r = run(ws.path(), &["check", "--fix", "-q"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    let after = std::fs::metadata(&org_path).unwrap();
    assert_eq!(before.modified().unwrap(), after.modified().unwrap());
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&before),
        std::os::unix::fs::MetadataExt::ino(&after)
    );
    // Not with stdin.
    let r = run_with_stdin(
        ws.path(),
        &["check", "--fix", "--stdin-filename", "org.toml", "-"],
        org,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn check_fix_quotes_a_bare_value_only_when_the_line_then_parses() {
    for (value, mended) in [
        ("Sales Team", Some("\"Sales Team\"")),
        ("sales # the unit", Some("\"sales\" # the unit")),
        ("C:\\path\\x", Some("\"C:\\\\path\\\\x\"")),
        // More on the line than the parser marked: no quotes are certain.
        ("Sales \"A\" Team", None),
        ("x = y", None),
        ("sales,", None),
        ("Sales [EU]", None),
    ] {
        for eol in ["\n", "\r\n"] {
            let text = format!("[ou.contoso]{eol}name = {value}{eol}");
            let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &text)]);
            let r = run(ws.path(), &["check", "--fix", "-q"]);
            let now = std::fs::read_to_string(ws.path().join("org.toml")).unwrap();
            match mended {
                Some(m) => {
                    let fixed = (0, "fixed 1 problem in 1 file\n");
                    assert_eq!((r.code, r.stderr.as_str()), fixed, "{value} {eol:?}");
                    assert_eq!(now, format!("[ou.contoso]{eol}name = {m}{eol}"), "{value}");
                }
                None => {
                    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{value} {eol:?}");
                    assert_eq!(now, text, "{value}");
                }
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn check_fix_goes_on_while_fixes_uncover_fixes_and_notes_a_file_left_alone_once() {
    use std::os::unix::fs::PermissionsExt;
    // Quoting the bare value makes the file parse; only then is its id seen misspelled.
    let org = "[ou.contoso]\nname = \"Contoso\"\n\n[ou.sales]\nparent = contosso\n";
    let locked = "[ou.north]\nparent = \"contoso\"\n[ou.south]\nparent = \"nroth\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", org), ("z.toml", locked)]);
    let z = ws.path().join("z.toml");
    std::fs::set_permissions(&z, std::fs::Permissions::from_mode(0o444)).unwrap();
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(
        r.stderr,
        "org.toml:5:10: fixed[syntax]: Put the value in quotes\n\
         org.toml:5:10: fixed[unknown-reference]: Replace with `contoso`\n\
         note: z.toml: not writable; not fixed\n\
         fixed 2 problems in 1 file\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        "[ou.contoso]\nname = \"Contoso\"\n\n[ou.sales]\nparent = \"contoso\"\n"
    );
    assert_eq!(std::fs::read_to_string(&z).unwrap(), locked);
    assert_eq!(
        r.stdout,
        "z.toml:4:10: error[unknown-reference]: `parent` names an unknown OU `nroth`\n\
         1 error, 0 warnings in 3 files\n"
    );
    assert_eq!(r.code, 1);
}

#[test]
fn check_fix_quotes_every_bare_value_of_a_file_in_one_run() {
    // The parser stops at the first bare value: each took a round of the workspace, and the
    // ninth was left to a second run.
    let mut org = String::from("[ou.contoso]\n");
    for i in 0..20 {
        org.push_str(&format!("[ou.o{i}]\nname = Office {i}\nparent = contoso\n"));
    }
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    // `--quiet`: the summary lines alone, not one line a fix.
    let r = run(ws.path(), &["check", "--fix", "--quiet"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "0 errors, 0 warnings in 2 files\n",
            "fixed 40 problems in 1 file\n"
        )
    );
    let fixed = std::fs::read_to_string(ws.path().join("org.toml")).unwrap();
    assert_eq!(
        fixed,
        org.replace("= Office", "= \"Office")
            .replace("\nparent = contoso", "\"\nparent = \"contoso\"")
    );
    // Not a secret's value, not a line inside a multi-line string, not a word before `#`.
    let tail = "[connector.c]\nou = \"contoso\"\ntype = twilio\nname = \"\"\"\nx = bare\n\"\"\"\n\
                [connector.c.api_key_secret]\nvalue = hunter2-hunter2\n\
                [ou.z]\nname = Team#1\n";
    let text = format!("[ou.contoso]\nname = Contoso\n{tail}");
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", &text)]);
    let r = run(ws.path(), &["check", "--fix", "--format", "short"]);
    assert_eq!(
        r.stderr,
        "org.toml:2:8: fixed[syntax]: Put the value in quotes\n\
         org.toml:5:8: fixed[syntax]: Put the value in quotes\n\
         fixed 2 problems in 1 file\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        text.replace("= Contoso", "= \"Contoso\"")
            .replace("= twilio", "= \"twilio\"")
    );
}

#[test]
fn check_fix_quotes_no_secret_of_any_header_shape_and_never_inside_a_multi_line_string() {
    let fixed = |text: &str| {
        let ws = workspace(&[("nimbus.toml", ""), ("org.toml", text)]);
        let _ = run(ws.path(), &["check", "--fix", "--format", "short"]);
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap()
    };
    let head = "[ou.contoso]\nname = Contoso\n[connector.x]\nou = \"contoso\"\ntype = twilio\n";
    let mended =
        "[ou.contoso]\nname = \"Contoso\"\n[connector.x]\nou = \"contoso\"\ntype = \"twilio\"\n";
    for secret in [
        "[connector.x.api_key_secret] # the key\nvalue = hunter2hunter2\n",
        "authToken = hunter2hunter2\n",
        "db_password2 = hunter2hunter2\n",
        // A line inside a multi-line string that looks like a header is no header.
        "[connector.x.api_key_secret]\nnote = \"\"\"\n[see docs]\n\"\"\"\nvalue = hunter2hunter2\n",
    ] {
        assert_eq!(
            fixed(&format!("{head}{secret}")),
            format!("{mended}{secret}")
        );
    }
    // An escaped quote before two more ends no string: the line after is its text.
    let text = "desc = \"\"\"\nHe said \\\"\"\"\nname = bare\n\"\"\"\n";
    assert_eq!(fixed(&format!("{head}{text}")), format!("{mended}{text}"));
    // Quotes in a bare value: the pass stops there, and later rounds go on from the parse.
    let text = "[ou.b]\ndesc = \"\"\"\nx = bare\n\"\"\"\nname = Foo\n";
    assert_eq!(
        fixed(&format!("{head}{text}")),
        format!("{mended}{}", text.replace("= Foo", "= \"Foo\""))
    );
}

#[cfg(unix)]
#[test]
fn check_fix_leaves_links_and_read_only_files_alone_and_fixes_the_rest() {
    use std::os::unix::fs::PermissionsExt;
    let typo = "[ou.contoso]\n[ou.s]\nparent = \"contosso\"\n";
    let ws = workspace(&[
        ("a/nimbus.toml", ""),
        ("a/x.toml", typo),
        ("b/real/s.toml", "[lints]\nunused-conector = \"allow\"\n"),
        ("b/x.toml", typo),
        ("c/nimbus.toml", ""),
        ("c/x.toml", typo),
    ]);
    std::os::unix::fs::symlink("real/s.toml", ws.path().join("b/nimbus.toml")).unwrap();
    let locked = ws.path().join("c/x.toml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    let r = run(
        ws.path(),
        &["check", "--fix", "--format", "short", "a", "b", "c"],
    );
    assert_eq!(
        r.stderr,
        "a/x.toml:3:10: fixed[unknown-reference]: Replace with `contoso`\n\
         note: b/nimbus.toml: a symbolic link; not fixed\n\
         b/x.toml:3:10: fixed[unknown-reference]: Replace with `contoso`\n\
         note: c/x.toml: not writable; not fixed\n\
         fixed 2 problems in 2 files\n"
    );
    let read = |p: &str| std::fs::read_to_string(ws.path().join(p)).unwrap();
    assert_eq!(read("a/x.toml"), typo.replace("contosso", "contoso"));
    assert_eq!(read("b/x.toml"), typo.replace("contosso", "contoso"));
    assert_eq!(read("c/x.toml"), typo);
    assert_eq!(
        read("b/real/s.toml"),
        "[lints]\nunused-conector = \"allow\"\n"
    );
    // What is left is reported: the link's code and the locked file's parent.
    assert!(
        r.stdout.contains("unknown rule code `unused-conector`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("c/x.toml:3:10: error[unknown-reference]"),
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 1);
}

#[cfg(unix)]
#[test]
fn check_fix_keeps_a_file_with_other_hard_links_whole() {
    let typo = "[ou.contoso]\n[ou.s]\nparent = \"contosso\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("x.toml", typo)]);
    std::fs::hard_link(ws.path().join("x.toml"), ws.path().join("elsewhere.txt")).unwrap();
    let r = run(ws.path(), &["check", "--fix", "-q"]);
    assert_eq!(
        r.stderr,
        "note: x.toml: it has other hard links; not fixed\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("x.toml")).unwrap(),
        typo
    );
}

#[cfg(unix)]
#[test]
fn check_fix_keeps_the_owner_of_a_file() {
    use std::os::unix::fs::MetadataExt;
    let typo = "[ou.contoso]\n[ou.s]\nparent = \"contosso\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("x.toml", typo)]);
    let file = ws.path().join("x.toml");
    // Giving the file away needs root: elsewhere there is nothing to show.
    if std::os::unix::fs::chown(&file, Some(65534), Some(65534)).is_err() {
        eprintln!("NOT RUN: giving a file to another user needs root");
        return;
    }
    let r = run(ws.path(), &["check", "--fix", "-q"]);
    assert_eq!(r.stderr, "fixed 1 problem in 1 file\n");
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        typo.replace("contosso", "contoso")
    );
}

#[test]
fn repeated_options_take_the_last_and_codes_come_in_lists_and_any_case() {
    let dir = fixture("rules/self-transfer");
    // Flags appended by aliases or wrappers: the last value wins, no error.
    let r = run(
        &dir,
        &["check", "-q", "-q", "--format", "json", "--format", "short"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 1 warning in 4 files\n"),
        "{}",
        r.stderr
    );
    // A comma-separated list, in any case, `_` for `-`.
    let r = run(
        &dir,
        &["check", "-q", "-D", "unused-connector,SELF_TRANSFER"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (1, "1 error, 0 warnings in 4 files\n")
    );
    let r = run(&dir, &["check", "-D", "self-transfer,bogus"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown rule code `bogus`"),
        "{}",
        r.stderr
    );
    let r = run(&repo(), &["explain", "IM_Unreachable"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("# im-unreachable (error by default)"),
        "{}",
        r.stdout
    );
    // Editor clients start servers with `--stdio`.
    let r = run(&repo(), &["lsp", "--stdio"]);
    assert_eq!(
        r.stderr,
        "error: the client closed the connection before `initialize`\n"
    );
}

#[test]
fn shell_completions_offer_the_rule_codes() {
    let r = run(&repo(), &["completions", "fish"]);
    assert_eq!(r.code, 0);
    for code in ["im-unreachable", "unused-suppression", "secret-in-config"] {
        let offered = r
            .stdout
            .lines()
            .filter(|l| l.contains(&format!("{code}\\t")) || l.contains(&format!("'{code}\\t")))
            .count();
        assert!(
            offered >= 2,
            "{code} offered {offered} times:\n{}",
            r.stdout
        );
    }
}

#[cfg(unix)]
#[test]
fn build_to_dev_stdout_writes_stdout_even_when_it_is_a_file() {
    let out_file = tempfile::NamedTempFile::new().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
        .current_dir(repo())
        .args(["build", "fixtures/example", "-o", "/dev/stdout"])
        .stdout(out_file.reopen().unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(out_file.path()).unwrap();
    let r = run(&repo(), &["build", "fixtures/example", "-o", "-"]);
    assert_eq!(written, r.stdout);
}

#[test]
fn gitignored_and_excluded_files_are_neither_checked_nor_built() {
    let broken = "[ou.x\n";
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"drafts/**\"]\n"),
        (".gitignore", "gen/\n"),
        ("org.toml", "[ou.contoso]\n"),
        ("gen/x.toml", broken),
        ("drafts/y.toml", broken),
    ]);
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 2 files\n"),
        "{}",
        r.stderr
    );
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Without them, the same files are read.
    std::fs::remove_file(ws.path().join(".gitignore")).unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("gen/x.toml:1:"), "{}", r.stdout);
}

#[test]
fn a_root_and_the_tenants_nested_in_it_interleave_by_path_in_every_format() {
    let ws = workspace(&[
        ("zz/org.toml", "[ou.x]\n[ou.y]\n"),
        ("aa/nimbus.toml", ""),
        ("aa/org.toml", "[ou.p]\n[ou.q]\n"),
    ]);
    let short = run(ws.path(), &["check", "--format", "short", "."]);
    let places: Vec<&str> = short
        .stdout
        .lines()
        .filter_map(|l| l.split(": ").next())
        .collect();
    assert_eq!(
        places[..2],
        ["aa/org.toml:2:1", "zz/org.toml:2:1"],
        "{}",
        short.stdout
    );
    let doc = json(&run(ws.path(), &["check", "--format", "json", "."]));
    let files: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["aa/org.toml", "zz/org.toml"]);
    let human = run(ws.path(), &["check", "."]).stdout;
    let a = human.find("╭─[aa/org.toml:2:1]").unwrap();
    let z = human.find("╭─[zz/org.toml:2:1]").unwrap();
    assert!(a < z, "{human}");
    let github = run(ws.path(), &["check", "--format", "github", "."]).stdout;
    assert!(github.starts_with("::error file=aa/org.toml,"), "{github}");
}

#[test]
fn a_folder_named_beside_a_file_of_its_outer_root_keeps_its_tenants() {
    let ws = workspace(&[
        ("a/x.toml", "[ou.root]\n"),
        ("a/sub/s.toml", "[ou.r2]\n"),
        ("a/sub/deeper/nimbus.toml", ""),
        ("a/sub/deeper/d.toml", "[ou.d]\nname = 5\n"),
    ]);
    let r = run(
        ws.path(),
        &["check", "--format", "short", "a/x.toml", "a/sub"],
    );
    assert!(
        r.stdout
            .contains("a/sub/deeper/d.toml:2:8: error[invalid-value]"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_root_below_another_reached_through_a_link_is_read_once() {
    let ws = workspace(&[
        ("ws/a.toml", "[ou.a]\n"),
        ("ws/sub/b.toml", "[ou.b]\nparent = \"a\"\nnmae = 1\n"),
    ]);
    std::os::unix::fs::symlink("ws", ws.path().join("link")).unwrap();
    let once = "ws/sub/b.toml:3:1: error[unknown-field]: unknown key `nmae` in OU `b`\n\
                1 error, 0 warnings in 2 files\n";
    for args in [["ws", "link/sub"], ["ws/a.toml", "link/sub/b.toml"]] {
        let mut all = vec!["check", "--format", "short"];
        all.extend(args);
        let r = run(ws.path(), &all);
        assert_eq!(r.stdout, once, "{args:?}: {}", r.stderr);
    }
}

#[test]
fn denied_warnings_are_not_blamed_for_a_run_that_failed_otherwise_and_lists_may_end_in_a_comma() {
    let dir = fixture("rules/self-transfer");
    let r = run(
        &dir,
        &["check", "-q", "--deny-warnings", ".", "no-such-folder"],
    );
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("warnings are denied"), "{}", r.stderr);
    let r = run(&dir, &["check", "-q", "-A", "self-transfer,"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 4 files\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_piece_of_code_with_its_punctuation_is_held_together_only_when_it_fits() {
    // `(`connector = "abcdefghijklmnop"`),` is 38 characters: too long for the 32 columns a
    // help has at COLUMNS=40, so its spaces break again, and no line runs past 40.
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.contoso]\n[connector.abcdefghijklmnop]\nou = \"contoso\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n",
        ),
    ]);
    let out = assert_cmd::Command::cargo_bin("nimbus-lint")
        .unwrap()
        .current_dir(ws.path())
        .args(["check"])
        .env("NO_COLOR", "1")
        .env("COLUMNS", "40")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let help: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("help:"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(help.len() > 1, "{text}");
    for line in help {
        assert!(line.chars().count() <= 40, "{line:?}\n{text}");
    }
}

#[cfg(unix)]
#[test]
fn links_between_roots_never_lose_the_stdin_buffer_nor_read_a_file_twice() {
    let ws = workspace(&[
        ("ws/a.toml", "[ou.r]\n"),
        ("ws/b/b.toml", "[ou.q]\nparent = \"r\"\n"),
        ("ws/b/c/c.toml", "[ou.z]\nparent = \"q\"\nbogus = 1\n"),
        ("t2/nimbus.toml", ""),
        ("t2/org.toml", "[ou.top]\n"),
        ("t2/t/nimbus.toml", ""),
        ("t2/t/t.toml", "[ou.t]\nbad = 1\n"),
    ]);
    let link = |to: &str, name: &str| std::os::unix::fs::symlink(to, ws.path().join(name)).unwrap();
    link("ws", "lw");
    link("ws/b", "link2");
    link("t2/t", "lt");
    let short = |args: &[&str]| {
        let mut all = vec!["check", "--format", "short"];
        all.extend_from_slice(args);
        run(ws.path(), &all).stdout
    };
    let once = "ws/b/c/c.toml:3:1: error[unknown-field]: unknown key `bogus` in OU `z`\n\
                1 error, 0 warnings in 3 files\n";
    for args in [
        &["ws", "link2", "link2/c"][..],
        &["link2/c", "link2", "ws"],
        &["lw/b", "ws/b/c", "ws"],
    ] {
        assert_eq!(short(args), once, "{args:?}");
    }
    // A tenant with its own nimbus.toml, named through a link beside its outer root.
    assert_eq!(
        short(&["t2", "lt"]),
        "t2/t/t.toml:2:1: error[unknown-field]: unknown key `bad` in OU `t`\n\
         1 error, 0 warnings in 4 files\n"
    );
    // The buffer on stdin is checked, whichever spelling names it, in a new folder too.
    let buffer = "[ou.q]\nparent = \"r\"\nstdin = 1\n";
    for args in [
        &["ws", "-", "--stdin-filename", "lw/b/b.toml"][..],
        &["lw", "-", "--stdin-filename", "ws/b/b.toml"],
        &["ws/a.toml", "-", "--stdin-filename", "lw/b/b.toml"],
        &["lw/b", "ws", "-", "--stdin-filename", "lw/b/new/b.toml"],
        &["lw", "ws/b", "-", "--stdin-filename", "ws/b/new/b.toml"],
    ] {
        let mut all = vec!["check", "--format", "short"];
        all.extend_from_slice(args);
        let r = run_with_stdin(ws.path(), &all, buffer);
        assert!(
            r.stdout
                .contains("b.toml:3:1: error[unknown-field]: unknown key `stdin` in OU `q`"),
            "{args:?}: {}{}",
            r.stdout,
            r.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn a_hidden_folder_named_is_checked_as_its_own_root_and_not_called_unchecked() {
    let ws = workspace(&[
        ("ws/a.toml", "[ou.r]\n"),
        ("ws/.sub/b.toml", "[ou.q]\nbad = 1\n"),
    ]);
    std::os::unix::fs::symlink("ws", ws.path().join("link")).unwrap();
    for second in ["ws/.sub", "link/.sub"] {
        let r = run(ws.path(), &["check", "--format", "short", "ws", second]);
        assert!(
            r.stdout.contains(".sub/b.toml:2:1: error[unknown-field]"),
            "{}",
            r.stdout
        );
        assert!(!r.stderr.contains("not checked"), "{second}: {}", r.stderr);
    }
}

#[test]
fn a_folder_named_below_a_root_named_through_files_brings_only_its_own_tenants() {
    let ws = workspace(&[
        ("top/x.toml", "[ou.x]\n"),
        ("top/sub/s.toml", "[ou.s]\nparent = \"x\"\n"),
        ("top/sub/deep/er/nimbus.toml", ""),
        ("top/sub/deep/er/e.toml", "[ou.e]\nbad = 1\n"),
        ("top/other/nimbus.toml", ""),
        ("top/other/o.toml", "[ou.o]\nbad = 1\n"),
    ]);
    let r = run(
        ws.path(),
        &["check", "--format", "short", "top/x.toml", "top/sub/deep"],
    );
    assert!(
        r.stdout.contains("top/sub/deep/er/e.toml:2:1"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("top/other/o.toml"), "{}", r.stdout);
}

#[test]
fn workspaces_nested_more_than_32_deep_are_a_limit_not_a_hang() {
    // Each level's walk looks at every folder above it: a chain of nested workspaces costs
    // the cube of its depth, so `check` follows 32 levels and says where it stopped.
    let mut files = vec![("nimbus.toml".to_owned(), String::new())];
    let mut dir = String::new();
    for i in 0..34 {
        dir.push_str(&format!("w{i}/"));
        files.push((format!("{dir}nimbus.toml"), String::new()));
        files.push((format!("{dir}a.toml"), "[ou.root]\n".to_owned()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let ws = workspace(&refs);
    let r = run(ws.path(), &["check", "-q", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let deep: String = (0..33).map(|i| format!("w{i}/")).collect();
    let error = format!(
        "error: {}: workspaces nested more than 32 deep below the path named: this one is not \
         checked; name it to check it\n",
        deep.trim_end_matches('/')
    );
    assert!(r.stderr.contains(&error), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "0 errors, 0 warnings in 65 files; not every file could be read\n"
    );
    // Named, it is checked, with the one below it.
    let r = run(ws.path(), &["check", "-q", &deep]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 4 files\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_file_named_through_a_link_into_a_nested_workspace_is_checked_with_that_workspace() {
    // As a pre-commit hook passes a tracked link: the file it leads to is read by the tenant
    // nested below, which is checked; the outer walk notes the link truthfully.
    for outer_settings in [false, true] {
        let mut files = vec![
            ("real/nimbus.toml", ""),
            ("real/org.toml", "[ou.contoso]\nbogus = 1\n"),
        ];
        if outer_settings {
            files.push(("nimbus.toml", ""));
        }
        let ws = workspace(&files);
        std::os::unix::fs::symlink("real/org.toml", ws.path().join("f.toml")).unwrap();
        let r = run(ws.path(), &["check", "--format", "short", "f.toml"]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert_eq!(
            r.stdout,
            "real/org.toml:2:1: error[unknown-field]: unknown key `bogus` in OU `contoso`\n\
             1 error, 0 warnings in 2 files\n"
        );
        let r = run(ws.path(), &["check", "--format", "short", "."]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(
                "note: f.toml: symbolic link to a file of a workspace nested in this one, not \
                 read: that workspace reads it, checked on its own\n"
            ),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_file_named_but_left_out_by_a_folder_of_nested_workspaces_is_noted_and_summed_up() {
    // No nimbus.toml: the file's folder is the workspace, it reads nothing (the file is
    // ignored, the rest is a tenant of its own). The run says why and ends with its summary.
    let ws = workspace(&[
        (".gitignore", "x.toml\n"),
        ("x.toml", "[ou.a]\n"),
        ("t/nimbus.toml", ""),
        ("t/a.toml", "[ou.b]\n"),
    ]);
    let r = run(ws.path(), &["check", "x.toml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 0 files\n");
    // Nothing to compile is no empty bundle: `build` and `graph` refuse, as for the folder.
    for command in ["build", "graph"] {
        let r = run(ws.path(), &[command, "x.toml"]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (2, ""),
            "{command}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("error: .: no TOML files of its own"),
            "{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains(
            "note: x.toml: not checked: it is ignored by .gitignore; take it out of that file to \
             have it checked\n"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_nimbus_toml_that_is_a_broken_link_a_loop_or_a_folder_is_an_error_not_no_settings() {
    // Read as "no settings", the workspace's `exclude`, levels and output would vanish, and a
    // file named below the root would find another root.
    let ws = workspace(&[
        ("ous.toml", "[ou.contoso]\n"),
        ("services/s.toml", "[ou.sales]\nparent = \"contoso\"\n"),
    ]);
    let settings = ws.path().join("nimbus.toml");
    let cases: [(&str, &dyn Fn()); 3] = [
        (
            "broken symbolic link, not read: the workspace's settings would be lost; make it a \
             file (or remove it)",
            &|| std::os::unix::fs::symlink("settings.missing", &settings).unwrap(),
        ),
        (
            "symbolic link loop, not read: the workspace's settings would be lost; make it a \
             file (or remove it)",
            &|| std::os::unix::fs::symlink("nimbus.toml", &settings).unwrap(),
        ),
        (
            "a folder, not the settings file: rename it, or make nimbus.toml a file",
            &|| std::fs::create_dir(&settings).unwrap(),
        ),
    ];
    for (message, make) in cases {
        make();
        // Named as a folder, and through a file below the root: the root is where it is.
        for named in [".", "services/s.toml"] {
            let r = run(ws.path(), &["check", "--format", "short", named]);
            assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
            assert!(
                r.stderr
                    .contains(&format!("error: nimbus.toml: {message}\n")),
                "{named}: {}",
                r.stderr
            );
        }
        let r = run(ws.path(), &["build", "--check"]);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        if settings.is_dir() {
            std::fs::remove_dir(&settings).unwrap();
        } else {
            std::fs::remove_file(&settings).unwrap();
        }
    }
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_workspace_is_not_followed_whatever_it_leads_to() {
    let ws = workspace(&[("nimbus.toml", ""), ("org.toml", "[ou.contoso]\n")]);
    std::os::unix::fs::symlink("/dev/zero", ws.path().join("a.toml")).unwrap();
    let r = run(ws.path(), &["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "note: a.toml: symbolic link to a file outside the workspace, not followed\n"
    );
}

#[test]
fn an_empty_path_is_called_empty_not_missing() {
    for args in [
        &["check", ""][..],
        &["build", "-o", ""],
        &["graph", ""],
        &["check", "-", "--stdin-filename", ""],
    ] {
        let r = run(&repo(), args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr
                .contains("an empty path was given (is a variable unset?)"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_into_a_nested_workspace_that_excludes_its_target_names_the_target_in_a_note() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        (
            "real/nimbus.toml",
            "[workspace]\nexclude = [\"drafts/**\"]\n",
        ),
        ("real/org.toml", "[ou.r]\n"),
        ("real/drafts/d.toml", "junk =\n"),
    ]);
    std::os::unix::fs::symlink("real/drafts/d.toml", ws.path().join("f.toml")).unwrap();
    let r = run(ws.path(), &["check", "f.toml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "note: real/drafts/d.toml: not checked: it is excluded by `[workspace] exclude` in \
         real/nimbus.toml; take it out of the globs to have it checked\n"
    );
}

#[test]
fn a_file_git_excludes_or_a_gitignore_above_the_root_ignores_is_left_out_by_every_way_in() {
    let outer = workspace(&[
        (".git/info/exclude", "local.toml\n"),
        (".gitignore", "drafts.toml\n"),
        ("ws/nimbus.toml", ""),
        ("ws/a.toml", "[ou.c]\n"),
        ("ws/local.toml", "[ou.c]\n"),
        ("ws/drafts.toml", "[ou.c]\n"),
    ]);
    let ws = outer.path().join("ws");
    // The walk leaves both out: no duplicate.
    let r = run(&ws, &["check", "--format", "short"]);
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 2 files\n",
        "{}",
        r.stderr
    );
    for (name, file) in [
        ("local.toml", ".git/info/exclude"),
        ("drafts.toml", ".gitignore"),
    ] {
        // Named: a note says it was not checked (the file above the current folder is named
        // by its full path).
        let file = outer.path().join(file);
        let file = file.display();
        let r = run(&ws, &["check", name]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "note: {name}: not checked: it is ignored by {file}; take it out of that file to \
                 have it checked\n"
            )
        );
        // As the file on stdin: refused, as its workspace does not read it.
        let r = run_with_stdin(&ws, &["check", "-", "--stdin-filename", name], "[ou.c]\n");
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("so its workspace does not read it"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_deeper_gitignore_that_puts_a_file_back_wins_as_in_the_walk() {
    let outer = workspace(&[
        (".gitignore", "x.toml\n"),
        ("ws/.gitignore", "!x.toml\n"),
        ("ws/nimbus.toml", ""),
        ("ws/x.toml", "[ou.a]\n"),
    ]);
    let ws = outer.path().join("ws");
    let r = run(&ws, &["check", "--format", "short"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 2 files\n");
    let r = run(&ws, &["check", "x.toml"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let r = run_with_stdin(
        &ws,
        &["check", "-", "--stdin-filename", "x.toml"],
        "[ou.a]\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn in_a_repository_a_gitignore_above_its_top_is_not_read_as_git_does_not_read_it() {
    // A dotfiles `.gitignore` of `*` in the folder above the repository: git does not apply
    // it, and neither may the walk, a named file or stdin (all files were left out, exit 0).
    let outer = workspace(&[
        (".gitignore", "*\n"),
        ("repo/.git/HEAD", "ref: refs/heads/main\n"),
        ("repo/.gitignore", "local.toml\n"),
        ("repo/ws/nimbus.toml", ""),
        ("repo/ws/a.toml", "[ou.a]\n"),
        ("repo/ws/bad.toml", "[service.q]\nlicense = \"nope\"\n"),
        ("repo/ws/local.toml", "[ou.a]\n"),
    ]);
    let ws = outer.path().join("repo/ws");
    let r = run(&ws, &["check", "--format", "short"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.ends_with("2 errors, 0 warnings in 3 files\n"),
        "{}",
        r.stdout
    );
    let r = run(&ws, &["check", "bad.toml", "--format", "short"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    let r = run_with_stdin(
        &ws,
        &["check", "-", "--stdin-filename", "bad.toml", "-q"],
        "[service.q]\nlicense = \"nope\"\n",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The repository's own `.gitignore` still counts.
    let r = run(&ws, &["check", "local.toml"]);
    assert!(
        r.stderr.contains("not checked: it is ignored by"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_worktree_honours_its_repository_s_info_exclude_in_every_way_in() {
    let outer = workspace(&[
        ("main/.git/info/exclude", "local.toml\n"),
        ("main/.git/worktrees/w2/commondir", "../..\n"),
        ("w2/nimbus.toml", ""),
        ("w2/a.toml", "[ou.a]\n"),
        ("w2/local.toml", "[ou.a]\n"),
    ]);
    let gitdir = outer.path().join("main/.git/worktrees/w2");
    std::fs::write(
        outer.path().join("w2/.git"),
        format!("gitdir: {}\n", gitdir.display()),
    )
    .unwrap();
    let ws = outer.path().join("w2");
    let r = run(&ws, &["check", "--format", "short"]);
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 2 files\n",
        "{}",
        r.stderr
    );
    let r = run(&ws, &["check", "local.toml"]);
    assert!(
        r.stderr.contains("not checked: it is ignored by"),
        "{}",
        r.stderr
    );
    let r = run_with_stdin(
        &ws,
        &["check", "-", "--stdin-filename", "local.toml"],
        "[ou.c]\n",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_worktree_s_info_exclude_that_is_a_pipe_is_refused_not_waited_for() {
    let outer = workspace(&[
        ("main/.git/worktrees/w2/commondir", "../..\n"),
        ("w2/nimbus.toml", ""),
        ("w2/a.toml", "[ou.a]\n"),
    ]);
    let gitdir = outer.path().join("main/.git/worktrees/w2");
    std::fs::write(
        outer.path().join("w2/.git"),
        format!("gitdir: {}\n", gitdir.display()),
    )
    .unwrap();
    std::fs::create_dir_all(outer.path().join("main/.git/info")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(outer.path().join("main/.git/info/exclude"))
        .status();
    assert!(made.unwrap().success());
    let r = run(&outer.path().join("w2"), &["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

#[test]
fn paths_that_cannot_be_read_are_listed_in_path_order_whatever_the_order_of_the_arguments() {
    let ws = workspace(&[("nimbus.toml", ""), ("a.toml", "[ou.a]\n")]);
    let one = run(
        ws.path(),
        &["check", "nope2", ".", "nope1", "--format", "github"],
    );
    let two = run(
        ws.path(),
        &["check", "nope1", ".", "nope2", "--format", "github"],
    );
    assert_eq!(one.code, 2);
    assert_eq!((&one.stdout, &one.stderr), (&two.stdout, &two.stderr));
    assert!(
        one.stdout.starts_with("::error file=nope1,"),
        "{}",
        one.stdout
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_fix_leaves_no_temporary_file_and_the_file_as_it_was() {
    let typo = "[ou.contoso]\n[ou.s]\nparent = \"contosso\"\n";
    let ws = workspace(&[("nimbus.toml", ""), ("x.toml", typo)]);
    let (code, temp_left) =
        common::interrupted_mid_write(ws.path(), &["check", "--fix"], ws.path());
    assert_eq!(code, Some(130));
    assert!(!temp_left, "the temporary file was removed");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("x.toml")).unwrap(),
        typo
    );
}

#[test]
fn other_tools_toml_files_named_without_nimbus_toml_are_skipped_with_a_note() {
    // The shipped pre-commit hook passes every changed `.toml` file.
    let ws = workspace(&[
        (
            "Cargo.toml",
            "[package]\nname = \"x\"\n[workspace]\nmembers = []\n[lints.rust]\nunsafe_code = \"forbid\"\n",
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n",
        ),
        ("rustfmt.toml", "edition = \"2021\"\n"),
        ("tenant/nimbus.toml", ""),
        ("tenant/org.toml", "[ou.contoso]\n"),
        // Written for nimbus-lint, misspelled kind and all: checked.
        ("draft/s.toml", "[services.s]\nou = \"contoso\"\n"),
    ]);
    let skipped = |file: &str| {
        format!(
            "note: {file}: skipped: not a nimbus-lint file (no nimbus.toml at or above it, and no `[ou.…]`, `[connector.…]`, `[messaging_entry.…]` or `[service.…]` table)\n"
        )
    };
    let r = run(
        ws.path(),
        &[
            "check",
            "--format",
            "short",
            "Cargo.toml",
            "pyproject.toml",
            "rustfmt.toml",
            "tenant/org.toml",
        ],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 2 files\n")
    );
    assert_eq!(
        r.stderr,
        [
            skipped("Cargo.toml"),
            skipped("pyproject.toml"),
            skipped("rustfmt.toml")
        ]
        .concat()
    );
    let r = run(ws.path(), &["check", "--format", "short", "draft/s.toml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("unknown entity kind `services`"),
        "{}",
        r.stdout
    );
    // The same for a buffer an editor pipes (a linter run on every TOML file).
    let r = run_with_stdin(
        ws.path(),
        &["check", "-", "--stdin-filename", "Cargo.toml"],
        "[package]\nname = \"y\"\n",
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 0 files\n")
    );
    assert_eq!(r.stderr, skipped("Cargo.toml"));
    // Written in capitals, the kind is still one: checked, not skipped.
    let r = run_with_stdin(
        ws.path(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "upper.toml",
            "--format",
            "short",
        ],
        "[OU.contoso]\n",
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_workspace_with_no_nimbus_toml_skips_other_tools_toml_files_in_it() {
    let tools = [
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n",
        ),
        ("taplo.toml", "include = [\"**/*.toml\"]\n"),
    ];
    let ours = [
        ("tenant/org.toml", "[ou.contoso]\n"),
        // Begun: nothing in it names another tool's table either.
        ("tenant/empty.toml", "# the sales services\n"),
    ];
    let ws = workspace(&[tools.as_slice(), ours.as_slice()].concat());
    let note = |file: &str| {
        format!(
            "note: {file}: skipped: not a nimbus-lint file (no nimbus.toml at or above it, and no `[ou.…]`, `[connector.…]`, `[messaging_entry.…]` or `[service.…]` table)\n"
        )
    };
    let notes = [note("pyproject.toml"), note("taplo.toml")].concat();
    for args in [&["check"][..], &["check", "."], &["build", "-o", "-"]] {
        let r = run(ws.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.starts_with(&notes), "{args:?}: {}", r.stderr);
    }
    let r = run(ws.path(), &["check"]);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 2 files\n");
    // Named, and met by the walk of a folder named too: one note.
    let r = run(ws.path(), &["check", "taplo.toml", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches(&note("taplo.toml")).count(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.len(), notes.len(), "{}", r.stderr);
    // Another tool's files alone: nothing to check.
    let only = workspace(&tools);
    let r = run(only.path(), &["check"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.ends_with(
            "error: .: no TOML files found (none there, or all hidden, ignored, excluded or another tool's): a workspace is a folder of .toml files (with an optional nimbus.toml at its root)\n"
        ),
        "{}",
        r.stderr
    );
    // With a nimbus.toml, every other `.toml` file holds entities, as the contract says: an
    // `exclude` leaves another tool's out.
    std::fs::write(ws.path().join("nimbus.toml"), "").unwrap();
    let r = run(ws.path(), &["check", "--format", "short"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("pyproject.toml:1:2: error[unknown-field]"),
        "{}",
        r.stdout
    );
    std::fs::write(
        ws.path().join("nimbus.toml"),
        "[workspace]\nexclude = [\"pyproject.toml\", \"taplo.toml\"]\n",
    )
    .unwrap();
    let r = run(ws.path(), &["check"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

#[test]
fn an_empty_file_named_without_nimbus_toml_is_checked_not_skipped() {
    // Nothing in it names another tool's table: a tenant's file being begun.
    let ws = workspace(&[("new.toml", "# the sales services\n")]);
    let r = run(ws.path(), &["check", "new.toml"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "0 errors, 0 warnings in 1 file\n")
    );
    assert!(!r.stderr.contains("skipped"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_path_spelled_through_the_link_to_the_current_folder_is_named_relative_to_it() {
    // A shell whose current folder was reached through a link spells it so in `$PWD`:
    // `"$PWD/tenant"` names the files `tenant` names, in every format.
    let outer = workspace(&[
        ("real/tenant/nimbus.toml", ""),
        ("real/tenant/x.toml", "[ou.a]\n[ou.b]\n"),
    ]);
    let link = outer.path().join("link");
    std::os::unix::fs::symlink("real", &link).unwrap();
    let spelled = link.join("tenant");
    let spelled = spelled.to_str().unwrap();
    let pwd = [("PWD", link.as_os_str())];
    for (format, name) in [
        ("short", "tenant/x.toml:2:1:"),
        ("json", "\"file\": \"tenant/x.toml\""),
        ("github", "file=tenant/x.toml,"),
        ("sarif", "\"uri\": \"tenant/x.toml\""),
    ] {
        let r = common::run_with(&link, &["check", spelled, "--format", format], "", &pwd);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stdout.contains(name), "{format}: {}", r.stdout);
        assert!(!r.stdout.contains(spelled), "{format}: {}", r.stdout);
    }
    // A `$PWD` that is not the current folder is not taken for it.
    let other = [("PWD", outer.path().as_os_str())];
    let r = common::run_with(&link, &["check", spelled, "--format", "short"], "", &other);
    assert!(r.stdout.starts_with(spelled), "{}", r.stdout);
}

#[test]
fn a_tenant_file_with_its_kinds_left_out_is_checked_not_skipped_without_nimbus_toml() {
    // `[sales-ivr]` with keys only a service has: a tenant's file with a mistake, not another
    // tool's file; skipped, its services would leave the bundle without a word.
    let ws = workspace(&[
        ("org.toml", "[ou.contoso]\n"),
        (
            "services.toml",
            "[sales-ivr]\nou = \"contoso\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    for args in [
        &["check", "--format", "short"][..],
        &["check", "services.toml"],
    ] {
        let r = run(ws.path(), args);
        assert_eq!(r.code, 1, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.contains("skipped"), "{}", r.stderr);
    }
}

#[cfg(unix)]
#[test]
fn a_pwd_spelled_with_dots_is_read_through_its_links_not_as_text() {
    let outer = workspace(&[
        ("a/real/tenant/nimbus.toml", ""),
        ("a/real/tenant/x.toml", "[ou.a]\n[ou.b]\n"),
        ("a/x/keep", ""),
        ("real/tenant/nimbus.toml", ""),
        ("real/tenant/x.toml", "[ou.c]\n"),
    ]);
    std::os::unix::fs::symlink("a/x", outer.path().join("lnk")).unwrap();
    // Through the link, `lnk/../real` is `a/real`, the current folder; read as text, it
    // would be `real`, and `real/tenant` named would be taken for `a/real/tenant`.
    let cwd = outer.path().join("a/real");
    let pwd = outer.path().join("lnk/../real");
    let named = outer.path().join("real/tenant");
    let r = common::run_with(
        &cwd,
        &["check", named.to_str().unwrap(), "--format", "short"],
        "",
        &[("PWD", pwd.as_os_str())],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.ends_with("in 2 files\n"), "{}", r.stdout);
    // Spelled through that `$PWD`, it is the current folder's `tenant`.
    let spelled = pwd.join("tenant");
    let r = common::run_with(
        &cwd,
        &["check", spelled.to_str().unwrap(), "--format", "short"],
        "",
        &[("PWD", pwd.as_os_str())],
    );
    assert!(r.stdout.starts_with("tenant/x.toml:2:1: "), "{}", r.stdout);
}
