//! `build`: the bundle of every valid fixture as a reviewed snapshot, valid against
//! `schema/bundle.schema.json`; where it is written; nothing written on errors; `--check`.

mod common;

use std::path::Path;

use common::{copy_dir, fixture, repo, run, workspace};

const VALID: &[&str] = &[
    "example",
    "valid/multi-hop",
    "valid/shared-service",
    "valid/transfer-cycle",
    "valid/broken-chain",
];

fn bundle_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schema/bundle.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

#[test]
fn bundles_of_valid_fixtures() {
    let schema = bundle_schema();
    for name in VALID {
        let r = run(&fixture(name), &["build", "-o", "-"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert_eq!(
            r.stderr, "",
            "{name}: a clean build prints nothing on stderr"
        );
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let errors: Vec<String> = schema.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{name}: bundle breaks its schema: {errors:?}"
        );
        assert!(r.stdout.ends_with("}\n") && r.stdout.contains("\n  \"ous\": ["));
        insta::with_settings!({snapshot_path => "snapshots/bundles", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name.replace('/', "-"), r.stdout);
        });
    }
}

#[test]
fn proxying_follows_im_services_only() {
    let doc: serde_json::Value =
        serde_json::from_str(&run(&fixture("valid/broken-chain"), &["build", "-o", "-"]).stdout)
            .unwrap();
    let service = |id: &str| {
        doc["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        service("experts")["instant_messaging"]["proxied_by"],
        serde_json::json!(["sms-desk"])
    );
    assert_eq!(
        service("triage")["instant_messaging"]["proxied_by"],
        serde_json::json!(["whatsapp-desk"])
    );
    assert_eq!(
        service("phone-queue")["instant_messaging"],
        serde_json::Value::Null
    );
    assert_eq!(service("whatsapp-desk")["front_desk"], true);
}

#[test]
fn every_service_of_a_chain_is_proxied_by_its_desk_and_desks_in_a_loop_by_each_other() {
    let mut text = String::from(
        "[ou.root]\n[connector.tw]\nou = \"root\"\ntype = \"twilio\"\n\
         api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
         [messaging_entry.wa]\nou = \"root\"\nconnector = \"tw\"\n\
         service_sid = \"IS0123456789abcdef0123456789abcdef\"\n",
    );
    // s0 (a desk) → s1 → … → s199; d0 ⇄ d1 (desks in a loop) → shared.
    let desk = "instant_messaging = { messaging_entry = \"wa\", channels = [\"whatsapp\"] }";
    for i in 0..200 {
        let im = if i == 0 {
            desk
        } else {
            "instant_messaging = {}"
        };
        let next = if i < 199 {
            format!("transfers = [\"s{}\"]\n", i + 1)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "[service.s{i}]\nou = \"root\"\nlicense = \"contact_center\"\n{next}{im}\n"
        ));
    }
    for (d, other) in [("d0", "d1"), ("d1", "d0")] {
        text.push_str(&format!(
            "[service.{d}]\nou = \"root\"\nlicense = \"contact_center\"\n\
             transfers = [\"{other}\", \"shared\"]\n{desk}\n"
        ));
    }
    text.push_str(
        "[service.shared]\nou = \"root\"\nlicense = \"contact_center\"\ninstant_messaging = {}\n",
    );
    let ws = workspace(&[("nimbus.toml", ""), ("all.toml", &text)]);
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for s in doc["services"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let proxied_by = &s["instant_messaging"]["proxied_by"];
        let want = match id {
            "s0" | "d0" | "d1" => serde_json::json!([]),
            "shared" => serde_json::json!(["d0", "d1"]),
            _ => serde_json::json!(["s0"]),
        };
        assert_eq!(proxied_by, &want, "{id}");
    }
}

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("example"), dir.path());
    dir
}

#[test]
fn writes_to_build_output_by_default_and_to_stdout_with_dash() {
    let ws = example_copy();
    let r = run(ws.path(), &["build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "wrote dist/bundle.json\n");
    let written = std::fs::read_to_string(ws.path().join("dist/bundle.json")).unwrap();
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.stdout, written);
}

#[test]
fn writes_to_o_creating_folders_and_to_stdout_without_output_setting() {
    let ws = example_copy();
    let r = run(ws.path(), &["build", "-o", "out/deep/b.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(ws.path().join("out/deep/b.json").is_file());
    assert!(!ws.path().join("dist").exists());

    std::fs::write(ws.path().join("nimbus.toml"), "").unwrap();
    let r = run(ws.path(), &["build"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("{\n  \"schema_version\": 1,"));
}

#[cfg(unix)]
#[test]
fn a_new_bundle_follows_the_umask_and_an_old_one_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let ws = example_copy();
    let mode = |p: &str| {
        std::fs::metadata(ws.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let build_with = |umask: &str, out: &str| {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" build -o {out}"))
            .arg(env!("CARGO_BIN_EXE_nimbus-lint"))
            .current_dir(ws.path())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    };
    build_with("077", "private/b.json");
    assert_eq!((mode("private"), mode("private/b.json")), (0o700, 0o600));
    build_with("002", "shared.json");
    assert_eq!(mode("shared.json"), 0o664);
    std::fs::set_permissions(
        ws.path().join("shared.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    build_with("000", "shared.json");
    assert_eq!(mode("shared.json"), 0o640);
}

#[test]
fn denied_warnings_write_nothing_and_say_why() {
    let ws = example_copy();
    std::fs::write(
        ws.path().join("services/extra.toml"),
        "[service.x]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"x\"]\n",
    )
    .unwrap();
    let r = run(
        ws.path(),
        &["build", "-o", "b.json", "--deny-warnings", "-q"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "0 errors, 1 warning in 6 files\nerror: warnings are denied (--deny-warnings): no bundle written\n"
    );
    assert!(!ws.path().join("b.json").exists());
    // Without the flag, the same workspace builds.
    let r = run(ws.path(), &["build", "-o", "b.json", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(ws.path().join("b.json").exists());
}

#[test]
fn nothing_is_written_when_there_are_errors() {
    let ws = example_copy();
    std::fs::write(
        ws.path().join("services/extra.toml"),
        "[service.x]\nou = \"nowhere\"\nlicense = \"contact_center\"\n",
    )
    .unwrap();
    let r = run(ws.path(), &["build", "-o", "b.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unknown-reference"), "{}", r.stderr);
    assert!(r.stderr.contains("no bundle written"), "{}", r.stderr);
    assert!(!ws.path().join("b.json").exists());
    assert_eq!(r.stdout, "");
}

#[test]
fn a_failed_write_exits_2_and_keeps_the_old_file() {
    let ws = example_copy();
    std::fs::write(ws.path().join("taken"), "a file, not a folder").unwrap();
    let r = run(ws.path(), &["build", "-o", "taken/bundle.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "error: cannot write taken/bundle.json: a part of the path is a file, not a folder; \
         the previous file, if any, is unchanged\n"
    );

    // A write that fails half-way (files over 512 bytes refused by the shell's limit, root
    // or not): the old file is kept, and no temporary file is left beside it.
    #[cfg(unix)]
    {
        let dir = ws.path().join("kept");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("bundle.json"), "old").unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" build -o kept/bundle.json")
            .arg(env!("CARGO_BIN_EXE_nimbus-lint"))
            .current_dir(ws.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: cannot write kept/bundle.json: file too large; the previous file, if any, \
             is unchanged\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("bundle.json")).unwrap(),
            "old"
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}

#[test]
fn a_bundle_with_crlf_line_ends_is_current_and_one_changed_besides_is_stale() {
    // A checkout with git's core.autocrlf writes the committed bundle with CRLF line ends.
    let ws = example_copy();
    assert_eq!(run(ws.path(), &["build"]).code, 0);
    let bundle = ws.path().join("dist/bundle.json");
    let lf = std::fs::read_to_string(&bundle).unwrap();
    std::fs::write(&bundle, lf.replace('\n', "\r\n")).unwrap();
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            0,
            "dist/bundle.json is up to date (its line ends are CRLF, as git's core.autocrlf writes them)\n"
        )
    );
    // CRLF and a change of content: stale, and the change is named.
    let changed = lf.replace("Sales Team", "Sales Crew").replace('\n', "\r\n");
    std::fs::write(&bundle, changed).unwrap();
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("service `sales-team` changed"),
        "{}",
        r.stderr
    );
    // A lone CR is no line end of git's: stale.
    std::fs::write(
        &bundle,
        lf.replacen('\n', "\r\n", 1).replacen("\n  ", "\r  ", 1),
    )
    .unwrap();
    assert_eq!(run(ws.path(), &["build", "--check"]).code, 1);
}

#[test]
fn check_reports_stale_and_current_bundles() {
    let ws = example_copy();
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("bundle is stale: dist/bundle.json: it does not exist yet"),
        "{}",
        r.stderr
    );

    assert_eq!(run(ws.path(), &["build"]).code, 0);
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, "dist/bundle.json is up to date\n")
    );

    let services = ws.path().join("services/sales.toml");
    let text = std::fs::read_to_string(&services).unwrap();
    std::fs::write(
        &services,
        text.replace("name = \"Sales Team\"", "name = \"Sales Crew\""),
    )
    .unwrap();
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(
            "error: bundle is stale: dist/bundle.json: service `sales-team` changed\n"
        ),
        "{}",
        r.stderr
    );
    let before = std::fs::read_to_string(ws.path().join("dist/bundle.json")).unwrap();
    assert!(before.contains("Sales Team"), "--check never writes");
    // In the github format, an annotation on the pull request too.
    let r = run(ws.path(), &["build", "--check", "--format", "github"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            "::error file=dist/bundle.json,title=stale bundle::bundle is stale: service \
             `sales-team` changed%0Ahelp: run `nimbus-lint build` and commit the result"
        ),
        "{}",
        r.stderr
    );
    // The help repeats the workspace and `-o` as given: run from elsewhere, a bare
    // `nimbus-lint build` would build another folder.
    let name = ws.path().file_name().unwrap().to_str().unwrap();
    let bundle = format!("{name}/dist/bundle.json");
    let r = run(
        ws.path().parent().unwrap(),
        &["build", name, "--check", "-o", &bundle],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.ends_with(&format!(
            "  help: run `nimbus-lint build {name} -o {bundle}` and commit the result\n"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn check_of_a_bundle_that_cannot_be_read_exits_2() {
    let ws = example_copy();
    // A folder where the bundle should be: not stale, unreadable.
    std::fs::create_dir_all(ws.path().join("dist/bundle.json")).unwrap();
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "error: cannot read dist/bundle.json: is a directory\n"
    );
}

#[test]
fn check_needs_a_file_to_compare_with() {
    let ws = workspace(&[("a.toml", "[ou.contoso]\n")]);
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("give `-o FILE` or set `[build] output`"),
        "{}",
        r.stderr
    );
}

#[test]
fn streaming_writes_the_same_bytes_as_the_materialized_bundle() {
    use nimbus_lint::load::{self, Naming, Overlays};
    for name in VALID {
        let root = fixture(name);
        let a = nimbus_lint::analyze(
            load::load(&root, &Naming::from_cwd(), &Overlays::new()),
            &[],
        );
        let whole =
            nimbus_lint::compile::to_bytes(&nimbus_lint::compile::compile(&a.ws, &a.transfers));
        let mut streamed = Vec::new();
        nimbus_lint::compile::write_workspace(&a.ws, &a.transfers, &mut streamed).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(whole).unwrap(),
            "{name}"
        );
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_build_leaves_no_temporary_file_and_the_old_bundle() {
    let ws = example_copy();
    let out = ws.path().join("dist/bundle.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, "old bundle").unwrap();
    let (code, temp_left) =
        common::interrupted_mid_write(ws.path(), &["build"], out.parent().unwrap());
    assert_eq!(code, Some(130));
    assert!(!temp_left, "the temporary file was removed");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old bundle");
}

#[cfg(unix)]
#[test]
fn writing_to_a_pipe_writes_into_it() {
    use std::os::unix::fs::FileTypeExt;
    let ws = example_copy();
    let fifo = ws.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let r = run(ws.path(), &["build", "-o", "pipe.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let received = reader.join().unwrap();
    assert!(
        received.starts_with("{\n  \"schema_version\": 1,"),
        "{received}"
    );
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced by a regular file");
}

#[cfg(unix)]
#[test]
fn build_output_from_the_settings_never_leads_out_through_a_link() {
    let ws = example_copy();
    std::fs::create_dir_all(ws.path().join(".git/hooks")).unwrap();
    std::os::unix::fs::symlink(".git/hooks", ws.path().join("hk")).unwrap();
    std::fs::write(
        ws.path().join("nimbus.toml"),
        "[build]\noutput = \"hk/pre-commit\"\n",
    )
    .unwrap();
    let r = run(ws.path(), &["build"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("leads out of the workspace or into a hidden folder through a symbolic link"),
        "{}",
        r.stderr
    );
    assert!(!ws.path().join(".git/hooks/pre-commit").exists());
}

#[cfg(unix)]
#[test]
fn check_refuses_to_compare_with_a_pipe_or_a_device() {
    let ws = example_copy();
    let fifo = ws.path().join("bundle.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    for (target, shown) in [("bundle.fifo", "bundle.fifo"), ("/dev/zero", "/dev/zero")] {
        let r = run(ws.path(), &["build", "--check", "-o", target]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.ends_with(&format!(
                "error: cannot compare the bundle with {shown}: not a regular file\n"
            )),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn an_output_that_names_no_file_is_reported_where_it_is_written() {
    for (value, message) in [
        ("\"\"", "`output` is empty: it must name a file"),
        ("\"out/\"", "`output` must name a file, not `out/`"),
        ("\".\"", "`output` must name a file, not `.`"),
        // A repository's settings may not write over files that are not the workspace's.
        (
            "\"../b.json\"",
            "`output` must stay inside the workspace, not `../b.json`",
        ),
        (
            "\"dist/../../b.json\"",
            "`output` must stay inside the workspace, not `dist/../../b.json`",
        ),
        (
            "\"/tmp/b.json\"",
            "`output` must stay inside the workspace, not `/tmp/b.json`",
        ),
        (
            "\".git/hooks/pre-commit\"",
            "`output` must not be hidden, nor lie in a hidden folder: `.git/hooks/pre-commit`",
        ),
        (
            "\".b.json\"",
            "`output` must not be hidden, nor lie in a hidden folder: `.b.json`",
        ),
        (
            "\"~/b.json\"",
            "`output` must stay inside the workspace, not `~/b.json`",
        ),
    ] {
        let ws = workspace(&[
            ("nimbus.toml", &format!("[build]\noutput = {value}\n")),
            ("org.toml", "[ou.contoso]\n"),
        ]);
        let r = run(ws.path(), &["check", "--format", "short"]);
        assert_eq!(r.code, 1, "{value}");
        assert_eq!(
            r.stdout,
            format!(
                "nimbus.toml:2:10: error[invalid-value]: {message}\n1 error, 0 warnings in 2 files\n"
            )
        );
        // `build` stops there, with nothing written anywhere in the workspace.
        let r = run(ws.path(), &["build"]);
        assert_eq!(r.code, 1, "{value}: {}", r.stderr);
        let mut names: Vec<String> = std::fs::read_dir(ws.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["nimbus.toml", "org.toml"], "{value}");
    }
}

#[test]
fn an_output_whose_name_starts_with_a_tilde_is_a_name_not_a_home_folder() {
    let ws = workspace(&[
        ("nimbus.toml", "[build]\noutput = \"~b.json\"\n"),
        ("org.toml", "[ou.contoso]\n"),
    ]);
    let r = run(ws.path(), &["build", "-q"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(ws.path().join("~b.json").is_file());
}

#[test]
fn check_says_when_the_file_has_entities_out_of_order() {
    let ws = example_copy();
    assert_eq!(run(ws.path(), &["build", "-q"]).code, 0);
    let path = ws.path().join("dist/bundle.json");
    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    bundle["services"].as_array_mut().unwrap().swap(0, 1);
    std::fs::write(&path, serde_json::to_string_pretty(&bundle).unwrap() + "\n").unwrap();
    let r = run(ws.path(), &["build", "--check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(
            "error: bundle is stale: dist/bundle.json: service `after-hours` is out of order: the bundle lists entities by id, and the file has it after `back-office`\n"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn the_bundle_is_never_written_over_a_file_the_workspace_reads() {
    let ws = workspace(&[
        ("nimbus.toml", "[workspace]\nexclude = [\"dist/**\"]\n"),
        ("org.toml", "[ou.contoso]\n"),
        ("sub/.keep", ""),
    ]);
    let settings = std::fs::read_to_string(ws.path().join("nimbus.toml")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(ws.path(), ws.path().join("sub/alias")).unwrap();
    let replaced = "it is a configuration file of the workspace, which the bundle would replace";
    let read_later = "the workspace would read the bundle as a configuration file (every .toml file under its root is read)";
    let mut cases = vec![
        ("org.toml", replaced),
        ("sub/../org.toml", replaced),
        (
            "nimbus.toml",
            "it is a workspace's settings file, which the bundle would replace",
        ),
        ("sub/new.toml", read_later),
        (
            ".gitignore",
            "it is a .gitignore, which decides what the workspace reads",
        ),
    ];
    if cfg!(unix) {
        cases.push(("sub/alias/org.toml", replaced));
        cases.push(("sub/alias/sub/new.toml", read_later));
    }
    for (output, why) in cases {
        let r = run(ws.path(), &["build", "-o", output]);
        let shown = nimbus_lint::load::normalize(Path::new(output));
        assert_eq!(
            (r.code, r.stderr),
            (
                2,
                format!(
                    "error: cannot write the bundle to {}: {why}; write the bundle elsewhere, e.g. `-o bundle.json`\n",
                    shown.display()
                )
            ),
            "{output}"
        );
        assert_eq!(
            std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
            "[ou.contoso]\n"
        );
        assert_eq!(
            std::fs::read_to_string(ws.path().join("nimbus.toml")).unwrap(),
            settings
        );
        assert!(!ws.path().join("sub/new.toml").exists());
        assert!(!ws.path().join(".gitignore").exists());
    }
    // Files the workspace does not read are fine: not .toml, or in an excluded folder.
    for output in ["bundle.json", "dist/bundle.toml"] {
        let r = run(ws.path(), &["build", "-o", output, "-q"]);
        assert_eq!(r.code, 0, "{output}: {}", r.stderr);
        assert!(ws.path().join(output).is_file(), "{output}");
    }
}

#[test]
fn a_build_output_setting_that_names_an_input_is_refused_and_says_where_it_is_set() {
    let ws = workspace(&[
        ("nimbus.toml", "[build]\noutput = \"org.toml\"\n"),
        ("org.toml", "[ou.contoso]\n"),
    ]);
    // `--check` writes nothing: no bundle goes there.
    for (args, what) in [
        (&["build"][..], "cannot write the bundle to"),
        (&["build", "--check"], "no bundle goes to"),
    ] {
        let r = run(ws.path(), args);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (
                2,
                format!("error: {what} org.toml (`[build] output` in nimbus.toml): it is a configuration file of the workspace, which the bundle would replace; point `[build] output` elsewhere, e.g. `dist/bundle.json`\n").as_str()
            ),
            "{args:?}"
        );
        assert_eq!(
            std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
            "[ou.contoso]\n"
        );
    }
}

#[test]
fn with_json_or_sarif_stderr_is_one_document_whenever_the_tool_did_its_job() {
    let ws = workspace(&[
        ("org.toml", "[ou.contoso]\n"),
        ("tenant/nimbus.toml", ""),
        ("tenant/org.toml", "[ou.t]\n"),
    ]);
    let document = |r: &common::Run| -> serde_json::Value {
        serde_json::from_str(&r.stderr)
            .unwrap_or_else(|e| panic!("stderr is not one document ({e}): {}", r.stderr))
    };
    let findings = |format: &str, doc: &serde_json::Value| match format {
        "json" => doc["diagnostics"].as_array().unwrap().len(),
        _ => doc["runs"][0]["results"].as_array().unwrap().len(),
    };
    for format in ["json", "sarif"] {
        // Clean, with a note (the nested workspace) and the line saying where it was written.
        let r = run(ws.path(), &["build", "-o", "b.json", "--format", format]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert_eq!(findings(format, &document(&r)), 0, "{format}");
        assert!(ws.path().join("b.json").is_file());
        // Current, then stale.
        let r = run(
            ws.path(),
            &["build", "--check", "-o", "b.json", "--format", format],
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        document(&r);
        std::fs::write(ws.path().join("b.json"), "{}").unwrap();
        let r = run(
            ws.path(),
            &["build", "--check", "-o", "b.json", "--format", format],
        );
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert_eq!(findings(format, &document(&r)), 0, "{format}");
        std::fs::remove_file(ws.path().join("b.json")).unwrap();
    }
    std::fs::write(ws.path().join("bad.toml"), "[ou.x]\nparent = \"nowhere\"\n").unwrap();
    for format in ["json", "sarif"] {
        let r = run(
            ws.path(),
            &["build", "-o", "b.json", "--format", format, "-q"],
        );
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert_eq!(findings(format, &document(&r)), 1, "{format}");
        assert!(!ws.path().join("b.json").exists());
        // The tool could not do its job: stderr says why, in text.
        let r = run(ws.path(), &["build", "-o", "org.toml", "--format", format]);
        assert_eq!(r.code, 2, "{format}: {}", r.stderr);
        assert!(
            r.stderr
                .starts_with("note: tenant: holds its own nimbus.toml")
                && r.stderr
                    .contains("\nerror: cannot write the bundle to org.toml: "),
            "{format}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_nested_workspace_bundle_is_never_written_over_its_parent_files() {
    let ws = workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        ("tenant/nimbus.toml", ""),
        ("tenant/org.toml", "[ou.fabrikam]\n"),
    ]);
    let r = run(ws.path(), &["build", "tenant", "-o", "org.toml"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            2,
            "error: cannot write the bundle to org.toml: it is a configuration file of the workspace, which the bundle would replace; write the bundle elsewhere, e.g. `-o bundle.json`\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(ws.path().join("org.toml")).unwrap(),
        "[ou.contoso]\n"
    );
}

#[cfg(unix)]
#[test]
fn check_refuses_a_symbolic_link_as_build_refuses_to_write_one() {
    // Never "up to date", nor "stale" with `nimbus-lint build` as the fix, for a target that
    // `build` will not write.
    let ws = example_copy();
    assert_eq!(run(ws.path(), &["build", "-q"]).code, 0);
    let link = ws.path().join("dist/link.json");
    for target in ["bundle.json", "gone.json"] {
        std::os::unix::fs::symlink(target, &link).unwrap();
        for args in [
            &["build", "--check", "-o", "dist/link.json"][..],
            &["build", "-o", "dist/link.json"],
        ] {
            let r = run(ws.path(), args);
            assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains(
                    "dist/link.json: it is a symbolic link; nimbus-lint replaces only regular \
                     files: give the path it points to"
                ),
                "{args:?}: {}",
                r.stderr
            );
        }
        std::fs::remove_file(&link).unwrap();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_write_that_fails_names_what_could_not_be_made_as_the_cause() {
    // `/proc` takes neither a temporary file beside `version` nor a new folder.
    let ws = example_copy();
    for (target, cause) in [
        (
            "/proc/version",
            "cannot make a temporary file beside it, in /proc: no such file or directory",
        ),
        (
            "/proc/nimbus-lint-new/b.json",
            "cannot make its folder /proc/nimbus-lint-new: no such file or directory",
        ),
    ] {
        let r = run(ws.path(), &["build", "-o", target]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "error: cannot write {target}: {cause}; the previous file, if any, is unchanged\n"
            )
        );
    }
}

#[test]
fn crlf_checkouts_give_the_bundle_of_lf_ones_multi_line_strings_included() {
    // What git's core.autocrlf makes of the files on Windows: every line end CRLF, those
    // inside multi-line strings too.
    let bundle_of = |crlf: bool| {
        let ws = example_copy();
        let org = ws.path().join("org.toml");
        let text = std::fs::read_to_string(&org)
            .unwrap()
            .replace("name = \"Contoso\"", "name = \"\"\"Contoso\nGroup\"\"\"");
        std::fs::write(&org, text).unwrap();
        if crlf {
            let files = [
                "org.toml",
                "twilio.toml",
                "nimbus.toml",
                "services/sales.toml",
                "services/support.toml",
            ];
            for f in files {
                let path = ws.path().join(f);
                let t = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, t.replace('\n', "\r\n")).unwrap();
            }
        }
        let r = run(ws.path(), &["build", "-o", "-"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let lf = bundle_of(false);
    assert!(lf.contains("\"Contoso\\nGroup\""), "{lf}");
    assert_eq!(bundle_of(true), lf);
}

#[test]
fn a_line_end_written_as_an_escape_in_a_multi_line_string_is_kept() {
    // `\r\n` written as escapes says what it means; only the file's own line ends are LF.
    let ws = example_copy();
    let org = ws.path().join("org.toml");
    let text = std::fs::read_to_string(&org).unwrap().replace(
        "name = \"Contoso\"",
        "name = \"\"\"Contoso\\r\\nGroup\"\"\"",
    );
    std::fs::write(&org, text.replace('\n', "\r\n")).unwrap();
    let r = run(ws.path(), &["build", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"Contoso\\r\\nGroup\""), "{}", r.stdout);
}
