//! The twenty-first audit (documentation against behaviour): every rule's explanation, dropped
//! into a tenant that defines what it names, fires its rule in its own files, and its "Fix",
//! applied as a user edits the example, clears it there. (The test in `rules.rs` puts each
//! example alone in a workspace and replaces it with the fix: a fix that shows one line, such as
//! `transfers = ["sales-team"]`, then leaves nothing for the rule to look at.)

mod common;

use common::explain::section_files;
use common::{json, run, workspace};
use nimbus_lint::rules::Code;

/// The tenant around an example: each entity as (kind.id, what it names, its tables).
const CONTEXT: &[(&str, &[&str], &str)] = &[
    ("ou.contoso", &[], "[ou.contoso]\nname = \"Contoso\"\n"),
    (
        "ou.sales",
        &["ou.contoso"],
        "[ou.sales]\nparent = \"contoso\"\n",
    ),
    (
        "ou.support",
        &["ou.contoso"],
        "[ou.support]\nparent = \"contoso\"\n",
    ),
    (
        "ou.finance",
        &["ou.contoso"],
        "[ou.finance]\nparent = \"contoso\"\n",
    ),
    (
        "connector.twilio-us",
        &["ou.contoso"],
        "[connector.twilio-us]\nou = \"contoso\"\ntype = \"twilio\"\napi_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n",
    ),
    (
        "messaging_entry.whatsapp-sales",
        &["ou.sales", "connector.twilio-us"],
        "[messaging_entry.whatsapp-sales]\nou = \"sales\"\nconnector = \"twilio-us\"\nservice_sid = \"ISfedcba9876543210fedcba9876543210\"\n",
    ),
    (
        "service.desk",
        &[
            "ou.sales",
            "messaging_entry.whatsapp-sales",
            "service.sales-team",
            "service.billing",
        ],
        "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\ntransfers = [\"sales-team\", \"billing\"]\n[service.desk.instant_messaging]\nmessaging_entry = \"whatsapp-sales\"\nchannels = [\"whatsapp\"]\n",
    ),
    (
        "service.sales-team",
        &["ou.sales"],
        "[service.sales-team]\nou = \"sales\"\nlicense = \"contact_center\"\n[service.sales-team.instant_messaging]\n",
    ),
    (
        "service.billing",
        &["ou.sales"],
        "[service.billing]\nou = \"sales\"\nlicense = \"contact_center\"\n",
    ),
];

/// The table header a line opens (`service.x.instant_messaging` for
/// `[service.x.instant_messaging]`), if it opens one.
fn header(line: &str) -> Option<&str> {
    let line = line.trim();
    let inner = line.strip_prefix('[').filter(|l| !l.starts_with('['))?;
    Some(inner[..inner.find(']')?].trim())
}

/// The entity a header defines: `kind.id`.
fn entity(header: &str) -> String {
    header.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
}

/// The key a line sets, if it sets one.
fn key(line: &str) -> Option<&str> {
    let line = line.trim();
    if line.starts_with('#') || header(line).is_some() {
        return None;
    }
    Some(line[..line.find('=')?].trim())
}

/// The headers of a text, in order.
fn headers(text: &str) -> Vec<&str> {
    text.lines().filter_map(header).collect()
}

/// The context's tables, without the entities the example or its fix define and those that
/// name them (a desk transferring to the example's service would reach it), transitively.
fn context(defined: &[String]) -> String {
    let mut dropped: Vec<&str> = Vec::new();
    loop {
        let before = dropped.len();
        for (id, names, _) in CONTEXT {
            let gone = |n: &&str| defined.iter().any(|d| d == n) || dropped.contains(n);
            if !dropped.contains(id) && (gone(id) || names.iter().any(gone)) {
                dropped.push(id);
            }
        }
        if dropped.len() == before {
            break;
        }
    }
    (CONTEXT.iter())
        .filter(|(id, _, _)| !dropped.contains(id))
        .map(|(_, _, text)| *text)
        .collect()
}

/// The example file after the user's edit: a fix that shows every table of the example, or
/// its one table under another id of the same kind, is the file as it should read; any other
/// fix is an edit, each of its lines replacing the line of the same key in the same table (the
/// table holding that key, for lines shown without their header) or added to it, and its
/// tables that the example lacks appended.
fn edited(example: &str, fix: &str) -> String {
    let (ex, fx) = (headers(example), headers(fix));
    let whole = !fx.is_empty()
        && (ex.iter().all(|h| fx.contains(h))
            || (ex.len() == 1
                && fx.len() == 1
                && ex[0].split('.').next() == fx[0].split('.').next()));
    if whole {
        return fix.to_owned();
    }
    let mut lines: Vec<String> = example.lines().map(str::to_owned).collect();
    let mut groups: Vec<(Option<&str>, Vec<&str>)> = vec![(None, Vec::new())];
    for line in fix.lines() {
        match header(line) {
            Some(h) => groups.push((Some(h), Vec::new())),
            None if key(line).is_some() => groups.last_mut().expect("a group").1.push(line),
            None => {}
        }
    }
    for (head, keys) in groups {
        let table_of = |lines: &[String], at: usize| {
            let start = (0..=at).rev().find(|&i| header(&lines[i]).is_some());
            let end = (at + 1..lines.len())
                .find(|&i| header(&lines[i]).is_some())
                .unwrap_or(lines.len());
            (start, end)
        };
        let found = match head {
            Some(h) => lines.iter().position(|l| header(l) == Some(h)),
            None => keys.first().and_then(|first| {
                lines
                    .iter()
                    .position(|l| key(l).is_some() && key(l) == key(first))
            }),
        };
        let Some(at) = found else {
            if let Some(h) = head {
                lines.push(String::new());
                lines.push(format!("[{h}]"));
                lines.extend(keys.iter().map(|k| (*k).to_owned()));
            }
            continue;
        };
        for k in keys {
            let (start, end) = table_of(&lines, at);
            let from = start.map_or(0, |s| s + 1);
            match (from..end).find(|&i| key(&lines[i]) == key(k)) {
                Some(i) => lines[i] = k.to_owned(),
                None => {
                    let last = (from..end)
                        .rev()
                        .find(|&i| !lines[i].trim().is_empty())
                        .map_or(from, |i| i + 1);
                    lines.insert(last, k.to_owned());
                }
            }
        }
    }
    lines.join("\n") + "\n"
}

/// Whether `check` reports `code` in one of `files` of the workspace made of them, the
/// context (in `context.toml`) and an empty `nimbus.toml`.
fn fires_in(code: Code, files: &[(String, String)], context: &str) -> bool {
    let mut all: Vec<(&str, &str)> = (files.iter())
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    all.push(("context.toml", context));
    all.push(("nimbus.toml", ""));
    let ws = workspace(&all);
    let doc = json(&run(ws.path(), &["check", "--format", "json"]));
    let found = doc["diagnostics"].as_array().expect("diagnostics").clone();
    found.iter().any(|d| {
        d["code"] == code.as_str()
            && files
                .iter()
                .any(|(n, _)| d["file"].as_str() == Some(n.as_str()))
    })
}

#[test]
fn every_explanation_fix_clears_its_example_in_a_tenant() {
    for code in Code::ALL {
        let text = code.rule().explanation;
        let example = section_files(text, "## Example");
        let shown = section_files(text, "## Fix");
        let named = |n: &str| text.contains(&format!("# {n}\n"));
        let mut fixed = example.clone();
        for (name, body) in &shown {
            match fixed.iter_mut().find(|(n, _)| n == name) {
                Some(f) if named(name) => f.1 = body.clone(),
                Some(f) => f.1 = edited(&f.1, body),
                None => fixed.push((name.clone(), body.clone())),
            }
        }
        let defined: Vec<String> = (example.iter().chain(&shown))
            .flat_map(|(_, t)| headers(t).into_iter().map(entity))
            .collect();
        let context = context(&defined);
        assert!(
            fires_in(*code, &example, &context),
            "{code}: its example does not fire it in a tenant: {example:?}"
        );
        assert!(
            !fires_in(*code, &fixed, &context),
            "{code}: its fix, applied, still fires it: {fixed:?}"
        );
    }
}

#[test]
fn a_fix_of_one_line_edits_the_example_in_place() {
    let example = "[service.a]\nou = \"sales\"\ntransfers = [\"b\"]\n\n[service.c]\nou = \"x\"\n";
    assert_eq!(
        edited(
            example,
            "transfers = [\"d\"]\nlicense = \"contact_center\"\n"
        ),
        "[service.a]\nou = \"sales\"\ntransfers = [\"d\"]\nlicense = \"contact_center\"\n\n[service.c]\nou = \"x\"\n"
    );
    assert_eq!(
        edited(
            example,
            "[service.c]\nou = \"sales\"\n# ...\n\n[service.e]\nou = \"y\"\n"
        ),
        "[service.a]\nou = \"sales\"\ntransfers = [\"b\"]\n\n[service.c]\nou = \"sales\"\n\n[service.e]\nou = \"y\"\n"
    );
    assert_eq!(
        edited("[service.Bad]\nou = 1\n", "[service.bad]\nou = \"x\"\n"),
        "[service.bad]\nou = \"x\"\n"
    );
}

/// The lines of `text` from the one that starts with `open` to the next that is `close`.
fn group<'t>(text: &'t str, open: &str, close: &str) -> Vec<&'t str> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(open));
    let Some(first) = lines.next() else {
        return Vec::new();
    };
    std::iter::once(first)
        .chain(lines.take_while(|l| l.trim() != close))
        .collect()
}

#[test]
fn graph_draws_the_services_no_front_desk_reaches_apart() {
    let dir = common::fixture("rules/im-unreachable");
    let mermaid = run(&dir, &["graph", ".", "--format", "mermaid"]).stdout;
    let apart = group(&mermaid, "subgraph unreachable", "end");
    let stranded: Vec<&str> = (mermaid.lines())
        .filter(|l| l.ends_with(":::stranded") && !l.trim_start().starts_with("legend"))
        .map(|l| l.trim_start().split(['[', '(']).next().expect("a key"))
        .collect();
    assert!(!stranded.is_empty(), "{mermaid}");
    for key in &stranded {
        assert!(
            apart.contains(&format!("    {key}").as_str()),
            "{key}: {mermaid}"
        );
    }
    assert_eq!(apart.len(), stranded.len() + 1, "{mermaid}");
    let dot = run(&dir, &["graph", ".", "--format", "dot"]).stdout;
    let apart = group(&dot, "subgraph cluster_unreachable", "}");
    for key in &stranded {
        assert!(
            apart.contains(&format!("    {key};").as_str()),
            "{key}: {dot}"
        );
    }
    let example = common::fixture("example");
    for format in ["mermaid", "dot"] {
        let clean = run(&example, &["graph", ".", "--format", format]).stdout;
        assert!(!clean.contains("unreachable"), "{format}: {clean}");
    }
}
