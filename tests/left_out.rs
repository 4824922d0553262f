//! A reference naming an entity defined only in a file the workspace leaves out (excluded,
//! ignored by a `.gitignore`, hidden, untracked with `--git-tracked`): the help names the file
//! and why it is left out, and no fix writes a near id of the files checked in its place.

mod common;

use common::{json, run, workspace};

/// The OU `contoso` and two services: `desk` transfers to `target`; `billing` is near `biling`.
fn services(target: &str) -> String {
    format!(
        "[ou.contoso]\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"{target}\"]\n\n[service.billing]\nou = \"contoso\"\nlicense = \"contact_center\"\n"
    )
}

const DRAFT: &str = "# not ready\n\n[service.biling]\nou = \"contoso\"\n";

/// The help of the one diagnostic of `check` in `dir` (its JSON), with how many fixes it
/// offers (its SARIF, which carries them).
fn only_help(dir: &std::path::Path, args: &[&str]) -> (String, usize) {
    let doc = |format: &str| {
        let mut all = vec!["check", "--format", format];
        all.extend(args);
        json(&run(dir, &all))
    };
    let found = doc("json")["diagnostics"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["code"], "unknown-reference");
    let sarif = doc("sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 1, "{sarif:#}");
    let fixes = results[0]["fixes"].as_array().map_or(0, Vec::len);
    (found[0]["help"].as_str().unwrap().to_owned(), fixes)
}

#[test]
fn an_excluded_definition_is_named_and_the_near_id_is_not_written_in() {
    let main = services("biling");
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"drafts\"]\n"),
        ("main.toml", &main),
        ("drafts/billing.toml", DRAFT),
    ]);
    let (help, fixes) = only_help(ws.path(), &[]);
    assert_eq!(
        help,
        "`[service.biling]` is defined in drafts/billing.toml (line 3), which `exclude` in nimbus.toml leaves out: take it out of `exclude`, or define the service in a checked file. Otherwise, did you mean `billing`?"
    );
    assert_eq!(fixes, 0);
    let r = run(ws.path(), &["check", "--fix"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("main.toml")).unwrap(),
        main
    );
    assert!(
        r.stdout.contains("defined only in a file left out"),
        "{}",
        r.stdout
    );
}

#[test]
fn with_no_definition_left_out_the_near_id_is_still_fixed() {
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"drafts\"]\n"),
        ("main.toml", &services("biling")),
        ("drafts/other.toml", "[service.bling]\nou = \"contoso\"\n"),
    ]);
    let (help, fixes) = only_help(ws.path(), &[]);
    assert_eq!(help, "did you mean `billing`?");
    assert_eq!(fixes, 1);
    run(ws.path(), &["check", "--fix"]);
    let text = std::fs::read_to_string(ws.path().join("main.toml")).unwrap();
    assert!(text.contains("transfers = [\"billing\"]"), "{text}");
}

#[test]
fn an_ignored_or_hidden_definition_is_named_with_what_leaves_it_out() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("main.toml", &services("biling")),
        (".gitignore", "old/\n"),
        ("old/billing.toml", DRAFT),
    ]);
    let (help, _) = only_help(ws.path(), &[]);
    assert!(
        help.starts_with("`[service.biling]` is defined in old/billing.toml (line 3), which `.gitignore` ignores: take it out of `.gitignore`, or define the service"),
        "{help}"
    );
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("main.toml", &services("night-bot")),
        (
            ".parked/bots.toml",
            "[service.night-bot]\nou = \"contoso\"\n",
        ),
    ]);
    let (help, _) = only_help(ws.path(), &[]);
    assert_eq!(
        help,
        "`[service.night-bot]` is defined in .parked/bots.toml (line 1), which is hidden (a name on its path starts with `.`): drop the leading `.` from the name that has it, or define the service in a checked file."
    );
}

#[test]
fn a_nested_workspace_or_an_entity_of_another_kind_is_not_taken_for_the_definition() {
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"drafts\"]\n"),
        ("main.toml", &services("biling")),
        ("other/nimbus.toml", ""),
        (
            "other/billing.toml",
            "[ou.top]\n\n[service.biling]\nou = \"top\"\nlicense = \"contact_center\"\n",
        ),
        ("drafts/ou.toml", "[ou.biling]\n"),
    ]);
    let (help, _) = only_help(ws.path(), &[]);
    assert_eq!(help, "did you mean `billing`?");
}

#[test]
fn an_untracked_definition_is_named_under_git_tracked() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("git not found: skipped");
        return;
    }
    let ws = workspace(&[("nimbus.toml", ""), ("main.toml", &services("biling"))]);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args(args)
            .current_dir(ws.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    git(&["init", "-q", "."]);
    git(&["add", "nimbus.toml", "main.toml"]);
    std::fs::write(ws.path().join("billing.toml"), DRAFT).unwrap();
    let (help, fixes) = only_help(ws.path(), &["--git-tracked"]);
    assert!(
        help.starts_with("`[service.biling]` is defined in billing.toml (line 3), which git does not track (`--git-tracked` reads tracked files only): `git add` it, or define"),
        "{help}"
    );
    assert_eq!(fixes, 0);
}
