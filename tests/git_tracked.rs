//! `check --git-tracked` and `build --git-tracked`: files git does not track are left out,
//! as a pre-commit hook needs (pre-commit leaves them on disk). Real git, in temporary
//! repositories.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, run, workspace};

/// Runs `git ARGS` in `dir`, away from any repository the tests themselves run in.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const ORG: &str = "[ou.contoso]\nname = \"Contoso\"\n";
const DESK: &str = "[service.desk]\nname = \"Desk\"\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"vip\"]\n";
const VIP: &str = "[service.vip]\nname = \"VIP\"\nou = \"contoso\"\nlicense = \"contact_center\"\n";

/// A repository whose index holds `nimbus.toml`, `org.toml` and `desk.toml` (which transfers
/// to `vip`), with `vip.toml`, which defines `vip`, on disk and untracked, and a half-written
/// `draft.toml` beside it.
fn repository() -> tempfile::TempDir {
    let dir = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("desk.toml", DESK),
        ("vip.toml", VIP),
        ("drafts/draft.toml", "[service.half\n"),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "nimbus.toml", "org.toml", "desk.toml"]);
    dir
}

/// `r` is clean, with the four files of [`repository`] read and the draft left out.
fn clean_but_for_the_draft(r: &Run) {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 4 files\n");
    assert_eq!(
        r.stderr,
        "note: .: left out 1 file git does not track (--git-tracked): drafts/draft.toml\n"
    );
}

fn short(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "--format", "short"];
    all.extend_from_slice(args);
    run(dir, &all)
}

#[test]
fn untracked_files_are_left_out_with_a_note_naming_them() {
    let dir = repository();
    // Without the flag, the draft fails the check and the untracked file defines `vip`.
    let r = short(dir.path(), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("drafts/draft.toml:1:14: error[syntax]"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("unknown-reference"), "{}", r.stdout);

    // With it, what the commit holds: `vip` is unknown, the draft is not read.
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "desk.toml:5:14: error[unknown-reference]: `transfers` names an unknown service `vip`\n\
         1 error, 0 warnings in 3 files\n"
    );
    assert_eq!(
        r.stderr,
        "note: .: left out 2 files git does not track (--git-tracked): drafts/draft.toml, vip.toml\n"
    );

    // Once added to the index, a file counts: the commit will hold it.
    git(dir.path(), &["add", "vip.toml"]);
    let r = short(dir.path(), &["--git-tracked"]);
    clean_but_for_the_draft(&r);
}

#[test]
fn a_file_named_is_read_whether_git_tracks_it_or_not() {
    let dir = repository();
    let r = short(dir.path(), &["--git-tracked", "desk.toml", "vip.toml"]);
    clean_but_for_the_draft(&r);
}

#[test]
fn a_workspace_in_a_folder_of_the_repository_and_odd_file_names() {
    let dir = workspace(&[
        ("README.md", "a tenant\n"),
        ("tenant/nimbus.toml", ""),
        ("tenant/org.toml", ORG),
        ("tenant/a desk é.toml", DESK),
        ("tenant/vip.toml", VIP),
        ("tenant/new.toml", "[service.new]\n"),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(
        dir.path(),
        &["add", "README.md", "tenant/nimbus.toml", "tenant/org.toml"],
    );
    git(
        dir.path(),
        &["add", "tenant/a desk é.toml", "tenant/vip.toml"],
    );
    // From the repository's top, from the workspace, and from a folder outside both.
    for (cwd, path) in [(dir.path(), "tenant"), (&dir.path().join("tenant"), ".")] {
        let r = short(cwd, &["--git-tracked", path]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert_eq!(r.stdout, "0 errors, 0 warnings in 4 files\n");
        assert!(r.stderr.contains("(--git-tracked): "), "{}", r.stderr);
        assert!(r.stderr.ends_with("new.toml\n"), "{}", r.stderr);
    }
    let outside = tempfile::tempdir().unwrap();
    let tenant = dir.path().join("tenant");
    let r = short(outside.path(), &["--git-tracked", tenant.to_str().unwrap()]);
    assert_eq!(
        r.stdout, "0 errors, 0 warnings in 4 files\n",
        "{}",
        r.stderr
    );
}

#[test]
fn outside_a_repository_the_flag_is_an_error() {
    let dir = workspace(&[("nimbus.toml", ""), ("org.toml", ORG)]);
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with(
            "error: .: `--git-tracked`: git could not list the files it tracks here (not a git repository"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("leave the flag out outside a git repository"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.ends_with("not every file could be read\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn build_bundles_what_the_commit_holds() {
    let dir = repository();
    git(dir.path(), &["add", "vip.toml"]);
    std::fs::write(dir.path().join("extra.toml"), VIP.replace("vip", "extra")).unwrap();
    let tracked = run(dir.path(), &["build", "--git-tracked"]);
    assert_eq!(tracked.code, 0, "{}", tracked.stderr);
    assert!(tracked.stdout.contains("\"vip\""), "{}", tracked.stdout);
    assert!(!tracked.stdout.contains("\"extra\""), "{}", tracked.stdout);
    assert_eq!(
        tracked.stderr,
        "note: .: left out 2 files git does not track (--git-tracked): drafts/draft.toml, extra.toml\n"
    );
    // Without the flag the draft keeps any bundle from being built.
    let all = run(dir.path(), &["build"]);
    assert_eq!(all.code, 1, "{}", all.stderr);
}

#[test]
fn the_text_on_stdin_is_read_for_its_file_whether_git_tracks_it_or_not() {
    let dir = repository();
    let text = VIP.replace("VIP", "V.I.P.");
    let r = common::run_with_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--git-tracked",
            "--stdin-filename",
            "vip.toml",
            "-",
        ],
        text,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(common::json(&r)["summary"]["files"], 4);
    assert_eq!(
        r.stderr,
        "note: .: left out 1 file git does not track (--git-tracked): drafts/draft.toml\n"
    );
}

/// Runs `git ARGS` in `dir` as a committer, with local paths allowed as submodule sources.
fn commit_git(dir: &Path, args: &[&str]) {
    let mut all = vec![
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "protocol.file.allow=always",
    ];
    all.extend_from_slice(args);
    git(dir, &all);
}

#[test]
fn the_files_of_a_submodule_count_as_tracked() {
    // `shared`, a repository of its own, defines `vip`; the tenant holds it as a submodule.
    let shared = workspace(&[("vip.toml", VIP), ("notes.toml", "[service.half\n")]);
    commit_git(shared.path(), &["init", "-q"]);
    commit_git(shared.path(), &["add", "vip.toml"]);
    commit_git(shared.path(), &["commit", "-q", "-m", "vip"]);
    let dir = repository();
    let source = shared.path().to_str().unwrap();
    commit_git(dir.path(), &["submodule", "add", "-q", source, "shared"]);
    std::fs::write(dir.path().join("shared/notes.toml"), "[service.half\n").unwrap();

    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 4 files\n");
    // The submodule's untracked draft is left out like the outer one's.
    assert_eq!(
        r.stderr,
        "note: .: left out 3 files git does not track (--git-tracked): drafts/draft.toml, shared/notes.toml, vip.toml\n"
    );
}

#[test]
fn an_untracked_root_nimbus_toml_is_an_error_a_clone_would_not_have_it() {
    let dir = workspace(&[
        ("nimbus.toml", "[lints]\nunused-connector = \"allow\"\n"),
        ("org.toml", ORG),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "org.toml"]);
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "error: nimbus.toml: git does not track it, yet it holds the workspace's settings and marks its root: a clone of the commit has no such file (--git-tracked); `git add` it\n"
    );
    git(dir.path(), &["add", "nimbus.toml"]);
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
}

#[test]
fn an_untracked_nested_nimbus_toml_splits_nothing_off() {
    // A clone of the commit has no `tenant2/nimbus.toml`: its OU is this workspace's.
    let dir = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("tenant2/nimbus.toml", ""),
        ("tenant2/org.toml", "[ou.other]\n"),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(
        dir.path(),
        &["add", "nimbus.toml", "org.toml", "tenant2/org.toml"],
    );
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "tenant2/org.toml:1:1: error[root-ou]: more than one root OU: `contoso` and `other` both have no parent\n\
         1 error, 0 warnings in 3 files\n"
    );
    assert_eq!(
        r.stderr,
        "note: .: left out 1 file git does not track (--git-tracked): tenant2/nimbus.toml\n"
    );
    // Named (as pre-commit names the files of a commit), a file or the folder below it is
    // read with the same workspace: the same answer.
    for path in ["tenant2/org.toml", "tenant2"] {
        let named = short(dir.path(), &["--git-tracked", path]);
        assert_eq!(
            (named.code, &named.stdout, &named.stderr),
            (r.code, &r.stdout, &r.stderr),
            "{path}"
        );
    }
    // The untracked `nimbus.toml` named itself counts as tracked (a file named always
    // does): its folder is the root.
    let own = short(dir.path(), &["--git-tracked", "tenant2/nimbus.toml"]);
    assert_eq!(
        (own.code, own.stdout.as_str()),
        (0, "0 errors, 0 warnings in 2 files\n"),
        "{}",
        own.stderr
    );
    // Tracked, it makes a workspace of its own, checked on its own.
    git(dir.path(), &["add", "tenant2/nimbus.toml"]);
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("tenant2: holds its own nimbus.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_untracked_gitignore_that_hides_tracked_files_is_an_error() {
    let dir = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("desk.toml", DESK),
        ("vip.toml", VIP),
        ("sub/vip2.toml", &VIP.replace("vip", "vip2")),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    std::fs::write(dir.path().join(".gitignore"), "vip.toml\n").unwrap();
    std::fs::write(dir.path().join("sub/.gitignore"), "*.toml\n").unwrap();
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        "error: .gitignore: git does not track it, yet it hides 1 file git tracks, which a clone of the commit reads: vip.toml (--git-tracked); `git add` it, or list them in `exclude` in nimbus.toml\n\
         error: sub/.gitignore: git does not track it, yet it hides 1 file git tracks, which a clone of the commit reads: sub/vip2.toml (--git-tracked); `git add` it, or list them in `exclude` in nimbus.toml\n"
    );
    // Committed, the rules are the commit's: the files are left out in a clone too.
    git(dir.path(), &["add", ".gitignore", "sub/.gitignore"]);
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("unknown service `vip`"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
}

#[test]
fn fix_is_refused_with_git_tracked() {
    // A reference to a service only an untracked file defines would be taken for a
    // misspelling of another and rewritten.
    let dir = repository();
    let r = run(dir.path(), &["check", "--fix", "--git-tracked"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .starts_with("error: the argument '--fix' cannot be used with '--git-tracked'"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("desk.toml")).unwrap(),
        DESK
    );
}

#[test]
fn tracked_files_missing_on_disk_are_named_in_a_note() {
    // Moved without `git mv`: the index (the commit) still holds `org.toml`.
    let dir = repository();
    std::fs::rename(dir.path().join("org.toml"), dir.path().join("tenant.toml")).unwrap();
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(
        r.stderr,
        "note: .: left out 3 files git does not track (--git-tracked): drafts/draft.toml, tenant.toml, vip.toml\n\
         note: .: 1 file git tracks not on disk, not read (--git-tracked): org.toml; the commit holds them until their deletion is staged (`git rm`, or `git mv` for a move)\n"
    );
}

#[test]
fn gits_own_list_of_ignored_files_hiding_tracked_files_is_an_error() {
    let dir = repository();
    git(dir.path(), &["add", "vip.toml"]);
    let exclude = dir.path().join(".git/info/exclude");
    std::fs::create_dir_all(exclude.parent().unwrap()).unwrap();
    std::fs::write(&exclude, "vip.toml\n").unwrap();
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "error: .git/info/exclude: git's own list of ignored files hides 1 file git tracks, which a clone of the commit reads: vip.toml (--git-tracked); drop the line that lists it, or list them in `exclude` in nimbus.toml\n"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn files_a_sparse_checkout_leaves_off_the_disk_are_read_from_the_index() {
    // `vip.toml` is committed, but the sparse checkout leaves it out: a clone of the commit
    // has it, so it is read (from git's index), not reported deleted.
    let dir = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("desk.toml", DESK),
        ("vip.toml", VIP),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    commit_git(dir.path(), &["commit", "-q", "-m", "tenant"]);
    git(
        dir.path(),
        &["sparse-checkout", "set", "--no-cone", "/*", "!/vip.toml"],
    );
    assert!(!dir.path().join("vip.toml").exists());
    let r = short(dir.path(), &["--git-tracked"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "0 errors, 0 warnings in 4 files\n");
    assert_eq!(
        r.stderr,
        "note: .: read 1 file outside the sparse checkout from git's index (--git-tracked): vip.toml\n"
    );
}
