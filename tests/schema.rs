//! The committed JSON Schemas are what the code generates, are valid draft-07, and describe
//! the fixtures; every fixture file opens with its `#:schema` line.

mod common;

use common::repo;

fn check_committed(kind: &str) {
    let path = repo().join(format!("schema/{kind}.schema.json"));
    let r = common::run(&repo(), &["schema", kind]);
    assert_eq!(r.code, 0);
    if std::env::var_os("NIMBUS_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &r.stdout).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == r.stdout,
        "schema/{kind}.schema.json is not what the code generates; regenerate it with\n  \
         NIMBUS_UPDATE_SCHEMAS=1 cargo test --test schema\n(or `cargo run -- schema {kind} > schema/{kind}.schema.json`) and review the diff"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::meta::validate(&schema).expect("a valid draft-07 schema");
}

#[test]
fn config_schema_is_current() {
    check_committed("config");
}

#[test]
fn bundle_schema_is_current() {
    check_committed("bundle");
}

fn toml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            toml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_fixture_file_names_its_schema() {
    let mut files = Vec::new();
    toml_files(&repo().join("fixtures"), &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if f.components().any(|c| c.as_os_str() == "hostile") {
            continue;
        }
        let rel = pathdiff(
            &repo().join("schema/config.schema.json"),
            f.parent().unwrap(),
        );
        assert!(
            text.starts_with(&format!("#:schema {rel}\n")),
            "{} does not begin with `#:schema {rel}`",
            f.display()
        );
    }
}

/// `target` relative to `base` (both under the repository).
fn pathdiff(target: &std::path::Path, base: &std::path::Path) -> String {
    let base = base.strip_prefix(repo()).unwrap();
    let up = base.components().count();
    format!(
        "{}{}",
        "../".repeat(up),
        target.strip_prefix(repo()).unwrap().display()
    )
}

#[test]
fn valid_fixtures_validate_against_the_config_schema() {
    let text = std::fs::read_to_string(repo().join("schema/config.schema.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let mut files = Vec::new();
    toml_files(&repo().join("fixtures/example"), &mut files);
    toml_files(&repo().join("fixtures/valid"), &mut files);
    assert!(files.len() > 10);
    for f in files {
        let value: serde_json::Value =
            toml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let errors: Vec<String> = schema
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

#[test]
fn the_schema_rejects_what_the_linter_rejects() {
    let text = std::fs::read_to_string(repo().join("schema/config.schema.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    for bad in [
        "[service.Sales]\nou = \"a\"\nlicense = \"contact_center\"\n",
        "[service.a]\nou = \"a\"\nlicence = \"contact_center\"\n",
        "[connector.a]\nou = \"a\"\ntype = \"twilio\"\napi_key_sid = \"AC00000000000000000000000000000000\"\n",
        "[connector.a]\nou = \"a\"\ntype = \"twilio\"\napi_key_sid = \"SK00000000000000000000000000000000\"\napi_key_secret = \"literal\"\n",
        "[messaging_entry.a]\nou = \"a\"\nconnector = \"c\"\nservice_sid = \"MG00000000000000000000000000000000\"\n",
        "[lints]\nnot-a-rule = \"allow\"\n",
        "[lints]\nsyntax = \"allow\"\n",
        "[lints]\nroot-ou = \"warning\"\n",
        "[build]\noutput = \"\"\n",
        "[build]\noutput = \"dist/\"\n",
    ] {
        let value: serde_json::Value = toml::from_str(bad).unwrap();
        assert!(!schema.is_valid(&value), "the schema accepts:\n{bad}");
    }
    // And accepts what the linter accepts.
    for good in [
        "[lints]\nunused-connector = \"allow\"\nsyntax = \"error\"\n",
        "[build]\noutput = \"dist/bundle.json\"\n",
    ] {
        let value: serde_json::Value = toml::from_str(good).unwrap();
        assert!(schema.is_valid(&value), "the schema rejects:\n{good}");
    }
}

#[test]
fn the_bundle_schema_is_as_strict_as_the_bundle() {
    let text = std::fs::read_to_string(repo().join("schema/bundle.schema.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let r = common::run(&repo(), &["build", "fixtures/example", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundle: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(schema.is_valid(&bundle));
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut b = bundle.clone();
        edit(&mut b);
        b
    };
    for (what, b) in [
        (
            "a key left out",
            broken(&|b| {
                b["services"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("instant_messaging");
            }),
        ),
        (
            "an unknown licence",
            broken(&|b| b["services"][0]["license"] = "gold".into()),
        ),
        (
            "an account SID for an API key's",
            broken(&|b| {
                b["connectors"][0]["api_key_sid"] = "AC12345678900000000000000000abcdef".into();
            }),
        ),
        (
            "a service SID cut short",
            broken(&|b| b["messaging_entries"][0]["service_sid"] = "IS123".into()),
        ),
        (
            "an unknown channel",
            broken(&|b| {
                let s = b["services"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|s| !s["instant_messaging"].is_null())
                    .unwrap();
                s["instant_messaging"]["channels"] = serde_json::json!(["fax"]);
            }),
        ),
        (
            "another version",
            broken(&|b| b["schema_version"] = 2.into()),
        ),
    ] {
        assert!(!schema.is_valid(&b), "the bundle schema accepts {what}");
    }
}

#[test]
fn the_config_schema_gives_the_defaults_the_tool_applies() {
    let text = std::fs::read_to_string(repo().join("schema/config.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let defs = &schema["definitions"];
    let workspace = &defs["WorkspaceTable"]["properties"];
    let settings = nimbus_lint::parse::settings::Settings::default();
    assert_eq!(
        workspace["max_file_size"]["default"],
        settings.max_file_size
    );
    assert_eq!(workspace["max_files"]["default"], settings.max_files);
    // What `build` writes for keys left out.
    let ws = common::workspace(&[
        ("nimbus.toml", ""),
        (
            "a.toml",
            "[ou.contoso]\n[connector.c]\nou = \"contoso\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
             [service.s]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             [service.s.instant_messaging]\n",
        ),
    ]);
    let r = common::run(
        ws.path(),
        &[
            "build",
            "-o",
            "-",
            "-A",
            "unused-connector",
            "-A",
            "im-unreachable",
        ],
    );
    let bundle: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        defs["ConnectorTable"]["properties"]["region"]["default"],
        bundle["connectors"][0]["region"]
    );
    let service = &bundle["services"][0];
    let props = &defs["ServiceTable"]["properties"];
    assert_eq!(
        props["user_assignment"]["default"],
        service["user_assignment"]
    );
    assert_eq!(props["transfers"]["default"], service["transfers"]);
    assert_eq!(
        defs["ImTable"]["properties"]["channels"]["default"],
        service["instant_messaging"]["channels"]
    );
}
