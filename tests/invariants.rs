//! The pipeline's invariants (issue 7) as property tests, in-process (`load_memory` +
//! `analyze`), on a few thousand generated inputs:
//!
//! - check never panics: on arbitrary bytes, on TOML-like text, on generated workspaces and on
//!   generated workspaces with bytes mutated;
//! - every diagnostic's span and every label's span lies inside its file, on char boundaries;
//! - build succeeds exactly when check reports no error: in-process (`compile` and the
//!   streaming `write_workspace` agree, the bundle validates against
//!   `schema/bundle.schema.json` and reads back), and on the command line (`build` exits 0 and
//!   prints that bundle, or exits 1 and prints nothing);
//! - permuting files (their names, hence their order) and entities (their order in a file,
//!   the file they sit in, the order of `transfers` and `channels`) never changes the
//!   diagnostics, as a set of (code, message), nor the bundle's bytes;
//! - every output format renders, and the terminal ones (human, short, github) and the
//!   messages of JSON never write a control or bidirectional formatting character raw.
//!
//! The generator (`Spec`) writes workspaces that hit most rules: valid and broken references,
//! typos, OU loops and several roots, duplicates across files, wrong types, secrets, SIDs of
//! every shape, suppressions, broken and odd files, `nimbus.toml` levels.
//!
//! The fuzz targets of `fuzz/` assert the same invariants for as long as one lets them run.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use common::rng::Rng;
use nimbus_lint::Analysis;
use nimbus_lint::compile;
use nimbus_lint::emit::{self, Format, Style};
use nimbus_lint::load::load_memory;
use nimbus_lint::source::Span;
use proptest::prelude::*;

// ------------------------------------------------------------------------------------------
// The invariants of one workspace.

/// What a workspace gives: its diagnostics as a set of (code, message), and its bundle when
/// it has no error.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    errors: bool,
    diagnostics: BTreeSet<(String, String)>,
    bundle: Option<Vec<u8>>,
}

fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/bundle.schema.json");
        let text = std::fs::read_to_string(path).expect("bundle schema");
        jsonschema::validator_for(&serde_json::from_str(&text).expect("schema is JSON"))
            .expect("schema compiles")
    })
}

type Files = Vec<(String, Vec<u8>)>;

fn analyze(files: &Files) -> Analysis {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    nimbus_lint::analyze(load_memory(&refs), &[])
}

/// Runs `files` through check (and build when clean) and asserts every invariant that one
/// workspace has on its own.
fn outcome(files: &Files) -> Result<Outcome, TestCaseError> {
    let a = analyze(files);
    spans_in_bounds(&a)?;
    outputs(&a)?;
    fixes_keep_files_parsing(files, &a)?;
    let bundle = if a.has_errors() {
        None
    } else {
        Some(bundle(&a)?)
    };
    Ok(Outcome {
        errors: a.has_errors(),
        diagnostics: a
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str().to_owned(), d.message.clone()))
            .collect(),
        bundle,
    })
}

/// The fixes `check --fix` would apply (their spans are checked with the others): a file
/// that parsed still parses once they are applied.
fn fixes_keep_files_parsing(files: &Files, a: &Analysis) -> Result<(), TestCaseError> {
    if a.diagnostics.iter().all(|d| d.fix.is_none()) {
        return Ok(());
    }
    let syntax = |a: &Analysis, name: &str| {
        a.diagnostics.iter().any(|d| {
            d.code == nimbus_lint::rules::Code::Syntax
                && a.ws.sources.get(d.span.file).rel() == name
        })
    };
    let mut fixed = files.clone();
    let mut changed = Vec::new();
    for (id, fixes) in nimbus_lint::diagnostic::fixes_by_file(&a.diagnostics) {
        let source = a.ws.sources.get(id);
        let text = nimbus_lint::diagnostic::apply(&source.text, &fixes);
        if let Some(slot) = fixed.iter_mut().find(|(p, _)| p == source.rel()) {
            slot.1 = text.into_bytes();
            changed.push(source.rel().to_owned());
        }
    }
    let after = analyze(&fixed);
    for name in changed {
        prop_assert!(
            syntax(a, &name) || !syntax(&after, &name),
            "the fixes broke the syntax of {}: {:?}",
            name,
            String::from_utf8_lossy(
                &fixed
                    .iter()
                    .find(|(p, _)| *p == name)
                    .map(|f| f.1.clone())
                    .unwrap_or_default()
            )
        );
    }
    Ok(())
}

fn spans_in_bounds(a: &Analysis) -> Result<(), TestCaseError> {
    let check = |what: String, span: Span| -> Result<(), TestCaseError> {
        prop_assert!(
            (span.file.0 as usize) < a.ws.sources.len(),
            "{}: file #{} of {}",
            what,
            span.file.0,
            a.ws.sources.len()
        );
        let file = a.ws.sources.get(span.file);
        let text: &str = &file.text;
        prop_assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "{}: span {}..{} outside {} ({} bytes)",
            what,
            span.start,
            span.end,
            file.rel(),
            text.len()
        );
        prop_assert!(
            text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
            "{}: span {}..{} of {} not on char boundaries",
            what,
            span.start,
            span.end,
            file.rel()
        );
        Ok(())
    };
    for d in &a.diagnostics {
        // Every diagnostic says, in one line, what is wrong and how to fix it.
        prop_assert!(
            !d.message.is_empty() && !d.message.contains('\n') && !d.help.trim().is_empty(),
            "{} `{}`: a one-line message and a help are required (help: {:?})",
            d.code,
            d.message,
            d.help
        );
        check(format!("{} `{}`", d.code, d.message), d.span)?;
        for l in &d.labels {
            check(format!("{} label `{}`", d.code, l.message), l.span)?;
        }
        if let Some(f) = &d.fix {
            check(format!("{} fix `{}`", d.code, f.title), f.span)?;
        }
    }
    Ok(())
}

fn hazard(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Every format renders; terminal formats and JSON messages hold no hazardous character.
fn outputs(a: &Analysis) -> Result<(), TestCaseError> {
    let results = std::slice::from_ref(a);
    let style = Style {
        color: false,
        width: 80,
    };
    for format in [
        Format::Human,
        Format::Short,
        Format::Json,
        Format::Sarif,
        Format::Github,
    ] {
        let mut out = Vec::new();
        emit::render(format, results, &[], false, style, &mut out).expect("rendering into memory");
        let text = String::from_utf8(out);
        prop_assert!(text.is_ok(), "{:?} output is not UTF-8", format);
        let text = text.unwrap_or_default();
        match format {
            Format::Json | Format::Sarif => {
                let doc: Result<serde_json::Value, _> = serde_json::from_str(&text);
                prop_assert!(doc.is_ok(), "{:?} output is not JSON", format);
                if format == Format::Json {
                    let doc = doc.unwrap_or_default();
                    for d in doc["diagnostics"].as_array().into_iter().flatten() {
                        for key in ["message", "help"] {
                            let s = d[key].as_str().unwrap_or_default();
                            prop_assert!(
                                !s.chars().any(hazard),
                                "JSON {} writes a hazardous character raw: {:?}",
                                key,
                                s
                            );
                        }
                    }
                }
            }
            _ => {
                let bad = text.lines().find(|l| l.chars().any(hazard));
                prop_assert!(
                    bad.is_none(),
                    "{:?} output writes a hazardous character raw: {:?}",
                    format,
                    bad
                );
            }
        }
    }
    for format in [
        emit::graph::GraphFormat::Mermaid,
        emit::graph::GraphFormat::Dot,
    ] {
        let _ = emit::graph::render(a, format);
    }
    Ok(())
}

/// The bundle of a clean workspace: compiled, streamed, validated, read back.
fn bundle(a: &Analysis) -> Result<Vec<u8>, TestCaseError> {
    let b = compile::compile(&a.ws, &a.transfers);
    let bytes = compile::to_bytes(&b);
    let mut streamed = Vec::new();
    compile::write_workspace(&a.ws, &a.transfers, &mut streamed).expect("writing into memory");
    prop_assert!(
        bytes == streamed,
        "write_workspace and compile + to_bytes disagree"
    );
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("the bundle is JSON");
    let errors: Vec<String> = schema().iter_errors(&doc).map(|e| e.to_string()).collect();
    prop_assert!(
        errors.is_empty(),
        "the bundle breaks schema/bundle.schema.json: {:?}\n{}",
        errors,
        String::from_utf8_lossy(&bytes)
    );
    let back: compile::Bundle<'_> =
        serde_json::from_slice(&bytes).expect("the bundle reads back as a bundle");
    prop_assert_eq!(back, b);
    Ok(bytes)
}

// ------------------------------------------------------------------------------------------
// The workspace generator.

const OUS: &[&str] = &["contoso", "sales", "support", "emea", "apac", "team-a"];
const CONNECTORS: &[&str] = &["twilio-us", "twilio-eu", "twilio-au"];
const ENTRIES: &[&str] = &["whatsapp-sales", "sms-support", "wa-emea", "web-entry"];
const SERVICES: &[&str] = &[
    "sales-ivr",
    "sales-team",
    "billing",
    "support-desk",
    "tier2",
    "after-hours",
    "vip",
    "bot",
];
const LICENSES: &[&str] = &["contact_center", "advanced_routing", "enterprise_routing"];
const ASSIGNMENTS: &[&str] = &["ms_teams", "skill_based", "none"];
const REGIONS: &[&str] = &["us1", "us2", "ie1", "de1", "au1", "jp1", "sg1", "br1"];
const CHANNELS: &[&str] = &["whatsapp", "sms", "interact", "fax"];
const PREFIXES: &[&str] = &["MG", "CH", "PN", "HX", "US", "FW", "XY"];
const CODES: &[&str] = &[
    "im-no-agents",
    "unused-connector",
    "unused-messaging-entry",
    "self-transfer",
    "channel-license",
    "channel-region",
    "im-unreachable",
    "missing-field",
    "no-such-code",
];
const LEVELS: &[&str] = &["error", "warning", "allow", "loud"];
const EXTRA_KEYS: &[&str] = &[
    "nmae",
    "descripton",
    "account_sid",
    "auth_token",
    "channels",
];
/// Names of files; a workspace uses a few, a permutation gives them out anew.
const NAMES: &[&str] = &[
    "org.toml",
    "twilio.toml",
    "services/a.toml",
    "services/b.toml",
    "z.toml",
    "deep/er/c.toml",
    "0.toml",
    "m.toml",
];
/// Files that are not entity blocks: broken, empty, odd.
const ODD_FILES: &[&[u8]] = &[
    b"[service.x\nou = \"sales\"\n",
    b"",
    b"# only a comment\n",
    b"[ou.caf\xe9]\n",
    b"\xef\xbb\xbf# a BOM\n",
    b"<<<<<<< HEAD\n[ou.a]\n=======\n[ou.b]\n>>>>>>> x\n",
    b"[workspace]\nexclude = []\n",
    b"services = 3\n",
    b"[[ou.list]]\nname = \"x\"\n",
    b"x = 0x\n",
];

/// A reference to an entity of some kind.
#[derive(Debug, Clone)]
enum Ref {
    Valid(usize),
    /// The id with its last character doubled: "did you mean".
    Typo(usize),
    Unknown,
    Absent,
    WrongType,
}

fn reference() -> impl Strategy<Value = Ref> {
    prop_oneof![
        10 => (0..8usize).prop_map(Ref::Valid),
        1 => (0..8usize).prop_map(Ref::Typo),
        1 => Just(Ref::Unknown),
        1 => Just(Ref::Absent),
        1 => Just(Ref::WrongType),
    ]
}

/// A display name (or another free string).
#[derive(Debug, Clone)]
enum Text {
    Absent,
    Plain,
    /// 32 hex digits: shaped like an auth token.
    Token(u128),
    /// 32 letters and digits of mixed case: shaped like an API key secret.
    KeySecret(u64),
    /// A right-to-left override and an escaped ESC.
    Hostile,
    Unicode,
    WrongType,
}

fn text() -> impl Strategy<Value = Text> {
    prop_oneof![
        4 => Just(Text::Absent),
        4 => Just(Text::Plain),
        1 => any::<u128>().prop_map(Text::Token),
        1 => any::<u64>().prop_map(Text::KeySecret),
        1 => Just(Text::Hostile),
        1 => Just(Text::Unicode),
        1 => Just(Text::WrongType),
    ]
}

/// A SID (`SK…` for connectors, `IS…` for entries).
#[derive(Debug, Clone)]
enum Sid {
    Valid(u128),
    /// Always the same valid value: two entries holding it share a Twilio service.
    Shared,
    Account(u128),
    Prefix(usize, u128),
    Short,
    Absent,
    WrongType,
}

fn sid() -> impl Strategy<Value = Sid> {
    prop_oneof![
        10 => any::<u128>().prop_map(Sid::Valid),
        1 => Just(Sid::Shared),
        1 => any::<u128>().prop_map(Sid::Account),
        1 => (0..PREFIXES.len(), any::<u128>()).prop_map(|(p, h)| Sid::Prefix(p, h)),
        1 => Just(Sid::Short),
        1 => Just(Sid::Absent),
        1 => Just(Sid::WrongType),
    ]
}

/// One of a set of words: a valid one, one outside the set, absent, or of the wrong type.
#[derive(Debug, Clone)]
enum Choice {
    Valid(usize),
    Invalid,
    Absent,
    /// Absent, and a misspelled key (`licence`) instead.
    Misspelled,
    WrongType,
}

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        10 => (0..8usize).prop_map(Choice::Valid),
        1 => Just(Choice::Invalid),
        2 => Just(Choice::Absent),
        1 => Just(Choice::Misspelled),
        1 => Just(Choice::WrongType),
    ]
}

#[derive(Debug, Clone)]
enum SecretSpec {
    Absent,
    Env,
    BadEnv,
    Literal(u64),
    EmptyTable,
    WrongType,
}

fn secret() -> impl Strategy<Value = SecretSpec> {
    prop_oneof![
        4 => Just(SecretSpec::Absent),
        6 => Just(SecretSpec::Env),
        1 => Just(SecretSpec::BadEnv),
        1 => any::<u64>().prop_map(SecretSpec::Literal),
        1 => Just(SecretSpec::EmptyTable),
        1 => Just(SecretSpec::WrongType),
    ]
}

/// What every entity may carry besides its fields.
#[derive(Debug, Clone)]
struct Common {
    name: Text,
    /// The id breaks the id pattern (`"Sales X"`).
    bad_id: bool,
    /// An unknown key, with a value.
    extra: Option<(usize, Text)>,
    /// `# nimbus-lint: allow(CODE)` above the header; `true`: detached by a blank line.
    suppress: Option<(usize, bool)>,
    /// The file it goes in.
    file: usize,
}

fn common() -> impl Strategy<Value = Common> {
    (
        text(),
        prop::bool::weighted(0.05),
        prop::option::weighted(0.1, (0..EXTRA_KEYS.len(), text())),
        prop::option::weighted(0.1, (0..CODES.len(), prop::bool::weighted(0.2))),
        0..4usize,
    )
        .prop_map(|(name, bad_id, extra, suppress, file)| Common {
            name,
            bad_id,
            extra,
            suppress,
            file,
        })
}

#[derive(Debug, Clone)]
enum Entity {
    Ou {
        c: Common,
        /// `None`: a root.
        parent: Option<Ref>,
    },
    Connector {
        c: Common,
        ou: Ref,
        twilio: bool,
        region: Choice,
        sid: Sid,
        secret: SecretSpec,
    },
    Entry {
        c: Common,
        ou: Ref,
        connector: Ref,
        sid: Sid,
    },
    Service {
        c: Common,
        ou: Ref,
        license: Choice,
        assignment: Choice,
        transfers: Vec<Ref>,
        im: Option<Im>,
    },
}

#[derive(Debug, Clone)]
struct Im {
    entry: Option<Ref>,
    channels: Vec<usize>,
    inline: bool,
}

/// A workspace to generate.
#[derive(Debug, Clone)]
struct Spec {
    ous: Vec<Entity>,
    connectors: Vec<Entity>,
    entries: Vec<Entity>,
    services: Vec<Entity>,
    /// How many entity files the blocks spread over.
    files: usize,
    /// Odd files (indices into `ODD_FILES`).
    odd: Vec<usize>,
    /// `nimbus.toml`: `[lints]` entries, or broken.
    settings: Option<Result<Vec<(usize, usize)>, ()>>,
    /// An exact copy of one block (kind, index) in a file of its own: a duplicate id.
    duplicate: Option<(usize, usize)>,
}

fn ou(i: usize) -> impl Strategy<Value = Entity> {
    // OU 0 is the root; the others hang under an earlier OU, mostly.
    let parent = if i == 0 {
        prop_oneof![10 => Just(None), 1 => reference().prop_map(Some)].boxed()
    } else {
        prop_oneof![
            10 => (0..i).prop_map(|p| Some(Ref::Valid(p))),
            1 => reference().prop_map(Some),
            1 => Just(None),
        ]
        .boxed()
    };
    (common(), parent).prop_map(|(c, parent)| Entity::Ou { c, parent })
}

fn connector() -> impl Strategy<Value = Entity> {
    (
        common(),
        reference(),
        prop::bool::weighted(0.95),
        choice(),
        sid(),
        secret(),
    )
        .prop_map(|(c, ou, twilio, region, sid, secret)| Entity::Connector {
            c,
            ou,
            twilio,
            region,
            sid,
            secret,
        })
}

fn entry() -> impl Strategy<Value = Entity> {
    (common(), reference(), reference(), sid()).prop_map(|(c, ou, connector, sid)| Entity::Entry {
        c,
        ou,
        connector,
        sid,
    })
}

fn service() -> impl Strategy<Value = Entity> {
    let im = (
        prop::option::weighted(0.6, reference()),
        prop::collection::vec(prop_oneof![5 => 0..3usize, 1 => Just(3usize)], 0..3),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(entry, channels, inline)| Im {
            entry,
            channels,
            inline,
        });
    (
        common(),
        reference(),
        choice(),
        prop_oneof![3 => Just(Choice::Absent), 1 => choice()],
        prop::collection::vec(reference(), 0..4),
        prop::option::weighted(0.8, im),
    )
        .prop_map(
            |(c, ou, license, assignment, transfers, im)| Entity::Service {
                c,
                ou,
                license,
                assignment,
                transfers,
                im,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    let ous = (1..=OUS.len()).prop_flat_map(|n| (0..n).map(ou).collect::<Vec<_>>());
    (
        ous,
        prop::collection::vec(connector(), 0..=CONNECTORS.len()),
        prop::collection::vec(entry(), 0..=ENTRIES.len()),
        prop::collection::vec(service(), 0..=SERVICES.len()),
        1..=4usize,
        prop::collection::vec(0..ODD_FILES.len(), 0..=1),
        prop::option::weighted(
            0.3,
            prop_oneof![
                8 => prop::collection::vec((0..CODES.len(), 0..LEVELS.len()), 0..3).prop_map(Ok),
                1 => Just(Err(())),
            ],
        ),
        prop::option::weighted(0.1, (0..4usize, 0..8usize)),
    )
        .prop_map(
            |(ous, connectors, entries, services, files, odd, settings, duplicate)| Spec {
                ous,
                connectors,
                entries,
                services,
                files,
                odd,
                settings,
                duplicate,
            },
        )
}

/// How to lay a spec out: identity, or a permutation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    AsGenerated,
    /// Other file names (so another file order), entities in another order within each file,
    /// `transfers` and `channels` in another order.
    Shuffled(u64),
    /// As `Shuffled`, and each entity in a file chosen anew.
    Moved(u64),
}

fn q(s: &str) -> String {
    format!("\"{s}\"")
}

impl Spec {
    fn kind(&self, k: usize) -> (&'static str, &'static [&'static str], &Vec<Entity>) {
        match k {
            0 => ("ou", OUS, &self.ous),
            1 => ("connector", CONNECTORS, &self.connectors),
            2 => ("messaging_entry", ENTRIES, &self.entries),
            _ => ("service", SERVICES, &self.services),
        }
    }

    /// The id written for entity `i` of kind `k`.
    fn id(&self, k: usize, i: usize) -> String {
        let (_, pool, list) = self.kind(k);
        let base = pool[i % pool.len()];
        let c = common_of(&list[i]);
        if c.bad_id {
            q(&format!("{base} X"))
        } else {
            base.to_owned()
        }
    }

    /// A reference to kind `k` as a TOML value, or `None` when absent.
    fn reference(&self, k: usize, r: &Ref) -> Option<String> {
        let (_, pool, list) = self.kind(k);
        let known = list.len().min(pool.len());
        Some(match r {
            Ref::Valid(i) if known > 0 => q(pool[i % known]),
            Ref::Valid(_) | Ref::Unknown => q("nowhere"),
            Ref::Typo(i) => {
                let id = pool[i % pool.len()];
                q(&format!("{id}{}", id.chars().last().unwrap_or('x')))
            }
            Ref::Absent => return None,
            Ref::WrongType => "42".to_owned(),
        })
    }

    /// The text of one entity block (its suppression comment, header, fields, IM table).
    fn block(&self, k: usize, i: usize, rng: Option<&mut Rng>) -> String {
        let (kind, _, list) = self.kind(k);
        let e = &list[i];
        let c = common_of(e);
        let mut s = String::new();
        if let Some((code, detached)) = c.suppress {
            let _ = writeln!(s, "# nimbus-lint: allow({}) generated", CODES[code]);
            if detached {
                s.push('\n');
            }
        }
        let id = self.id(k, i);
        let _ = writeln!(s, "[{kind}.{id}]");
        put(&mut s, "name", text_value(&c.name));
        if let Some((key, value)) = &c.extra {
            put(&mut s, EXTRA_KEYS[*key], text_value(value).or(Some(q("x"))));
        }
        let mut rng = rng;
        match e {
            Entity::Ou { parent, .. } => {
                put(
                    &mut s,
                    "parent",
                    parent.as_ref().and_then(|r| self.reference(0, r)),
                );
            }
            Entity::Connector {
                ou,
                twilio,
                region,
                sid,
                secret,
                ..
            } => {
                put(&mut s, "ou", self.reference(0, ou));
                put(
                    &mut s,
                    "type",
                    Some(q(if *twilio { "twilio" } else { "genesys" })),
                );
                choice_field(&mut s, "region", "regoin", REGIONS, "eu-west", region);
                put(&mut s, "api_key_sid", sid_value("SK", sid));
                put(
                    &mut s,
                    "api_key_secret",
                    match secret {
                        SecretSpec::Absent => None,
                        SecretSpec::Env => Some(format!("{{ env = \"TWILIO_SECRET_{i}\" }}")),
                        SecretSpec::BadEnv => Some("{ env = \"1-bad name\" }".to_owned()),
                        SecretSpec::Literal(bits) => Some(q(&key_secret(*bits))),
                        SecretSpec::EmptyTable => Some("{}".to_owned()),
                        SecretSpec::WrongType => Some("true".to_owned()),
                    },
                );
            }
            Entity::Entry {
                ou, connector, sid, ..
            } => {
                put(&mut s, "ou", self.reference(0, ou));
                put(&mut s, "connector", self.reference(1, connector));
                put(&mut s, "service_sid", sid_value("IS", sid));
            }
            Entity::Service {
                ou,
                license,
                assignment,
                transfers,
                im,
                ..
            } => {
                put(&mut s, "ou", self.reference(0, ou));
                choice_field(
                    &mut s,
                    "license",
                    "licence",
                    LICENSES,
                    "contact_centre",
                    license,
                );
                choice_field(
                    &mut s,
                    "user_assignment",
                    "user_asignment",
                    ASSIGNMENTS,
                    "nobody",
                    assignment,
                );
                let mut list: Vec<String> = transfers
                    .iter()
                    .filter_map(|r| self.reference(3, r))
                    .collect();
                if let Some(rng) = rng.as_deref_mut() {
                    rng.shuffle(&mut list);
                }
                if !transfers.is_empty() {
                    put(&mut s, "transfers", Some(format!("[{}]", list.join(", "))));
                }
                if let Some(im) = im {
                    let mut channels: Vec<String> =
                        im.channels.iter().map(|&ch| q(CHANNELS[ch])).collect();
                    if let Some(rng) = rng {
                        rng.shuffle(&mut channels);
                    }
                    let mut pairs = Vec::new();
                    if let Some(r) = im.entry.as_ref().and_then(|r| self.reference(2, r)) {
                        pairs.push(format!("messaging_entry = {r}"));
                    }
                    if !im.channels.is_empty() {
                        pairs.push(format!("channels = [{}]", channels.join(", ")));
                    }
                    if im.inline {
                        put(
                            &mut s,
                            "instant_messaging",
                            Some(format!("{{ {} }}", pairs.join(", "))),
                        );
                    } else {
                        let _ = writeln!(s, "[{kind}.{id}.instant_messaging]");
                        for p in pairs {
                            let _ = writeln!(s, "{p}");
                        }
                    }
                }
            }
        }
        s
    }

    /// The workspace's files.
    fn render(&self, layout: Layout) -> Files {
        let seed = match layout {
            Layout::AsGenerated => None,
            Layout::Shuffled(s) | Layout::Moved(s) => Some(s | 1),
        };
        let mut rng = seed.map(Rng);
        // File slots: 0..files for blocks, then the odd files, then the duplicate's file.
        let odd_slot = self.files;
        let dup_slot = odd_slot + self.odd.len();
        let slots = dup_slot + usize::from(self.duplicate.is_some());
        let mut names: Vec<&str> = NAMES[..slots].to_vec();
        if let Some(rng) = rng.as_mut() {
            // Any names from the pool, in any order: the files' order changes.
            let mut pool = NAMES.to_vec();
            rng.shuffle(&mut pool);
            names = pool[..slots].to_vec();
        }
        let mut blocks: Vec<(usize, String)> = Vec::new();
        for k in 0..4 {
            let (_, pool, list) = self.kind(k);
            for (i, e) in list.iter().enumerate().take(pool.len()) {
                let mut file = common_of(e).file % self.files;
                if let (Layout::Moved(_), Some(rng)) = (layout, rng.as_mut()) {
                    file = rng.below(self.files);
                }
                let text = self.block(k, i, rng.as_mut());
                blocks.push((file, text));
            }
        }
        if let Some(rng) = rng.as_mut() {
            rng.shuffle(&mut blocks);
        }
        let mut texts = vec![String::new(); slots];
        for (file, text) in blocks {
            texts[file].push_str(&text);
            texts[file].push('\n');
        }
        let mut files: Files = Vec::new();
        for (slot, text) in texts.into_iter().enumerate().take(self.files) {
            files.push((names[slot].to_owned(), text.into_bytes()));
        }
        for (n, &odd) in self.odd.iter().enumerate() {
            files.push((names[odd_slot + n].to_owned(), ODD_FILES[odd].to_vec()));
        }
        if let Some((k, i)) = self.duplicate {
            let (_, pool, list) = self.kind(k);
            let text = if list.is_empty() {
                String::new()
            } else {
                let i = i % list.len().min(pool.len());
                // The same list order as the original: an exact copy.
                self.block(k, i, None)
            };
            files.push((names[dup_slot].to_owned(), text.into_bytes()));
        }
        if let Some(settings) = &self.settings {
            let text = match settings {
                Ok(lints) => {
                    let mut t = String::from("[lints]\n");
                    let mut seen = BTreeSet::new();
                    for &(code, level) in lints {
                        if seen.insert(code) {
                            let _ = writeln!(t, "{} = {}", CODES[code], q(LEVELS[level]));
                        }
                    }
                    t
                }
                Err(()) => "[lints\nim-no-agents = \"allow\"\n".to_owned(),
            };
            files.push(("nimbus.toml".to_owned(), text.into_bytes()));
        }
        files
    }

    /// Whether moving entities between files keeps the workspace's meaning: not when an
    /// entity has an exact copy (two copies in one file are a TOML error, not a duplicate id).
    fn movable(&self) -> bool {
        self.duplicate.is_none()
    }
}

fn common_of(e: &Entity) -> &Common {
    match e {
        Entity::Ou { c, .. }
        | Entity::Connector { c, .. }
        | Entity::Entry { c, .. }
        | Entity::Service { c, .. } => c,
    }
}

fn text_value(t: &Text) -> Option<String> {
    Some(match t {
        Text::Absent => return None,
        Text::Plain => q("Display name"),
        Text::Token(bits) => q(&format!("{bits:032x}")),
        Text::KeySecret(bits) => q(&key_secret(*bits)),
        Text::Hostile => q("Sales \u{202e}maeT \\u001b[31mred"),
        Text::Unicode => q("Zürich – 東京 🚀"),
        Text::WrongType => "[1, 2]".to_owned(),
    })
}

/// 32 letters and digits mixing upper case, lower case and digits.
fn key_secret(bits: u64) -> String {
    const ALNUM: &[u8] = b"aZ3bY4cX5dW6eV7fU8gT9hS0iR1jQ2kP";
    (0..32)
        .map(|k| {
            let nibble = ((bits >> ((k * 2) % 60)) & 0xf) as usize;
            ALNUM[(nibble + k) % ALNUM.len()] as char
        })
        .collect()
}

fn sid_value(prefix: &str, sid: &Sid) -> Option<String> {
    Some(match sid {
        Sid::Valid(h) => q(&format!("{prefix}{h:032x}")),
        Sid::Shared => q(&format!("{prefix}{:032x}", 0xfeed_u128)),
        Sid::Account(h) => q(&format!("AC{h:032x}")),
        Sid::Prefix(p, h) => q(&format!("{}{h:032x}", PREFIXES[*p])),
        Sid::Short => q(&format!("{prefix}1234")),
        Sid::Absent => return None,
        Sid::WrongType => "7".to_owned(),
    })
}

fn put(s: &mut String, key: &str, value: Option<String>) {
    if let Some(v) = value {
        let _ = writeln!(s, "{key} = {v}");
    }
}

fn choice_field(
    s: &mut String,
    key: &str,
    misspelled: &str,
    values: &[&str],
    invalid: &str,
    c: &Choice,
) {
    match c {
        Choice::Valid(i) => put(s, key, Some(q(values[i % values.len()]))),
        Choice::Invalid => put(s, key, Some(q(invalid))),
        Choice::Absent => {}
        Choice::Misspelled => put(s, misspelled, Some(q(values[0]))),
        Choice::WrongType => put(s, key, Some("1.5".to_owned())),
    }
}

// ------------------------------------------------------------------------------------------
// Byte-level inputs.

/// TOML-like text: the punctuation and words of the language, in any order.
fn toml_like() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("["),
        Just("]"),
        Just("[["),
        Just("]]"),
        Just("{"),
        Just("}"),
        Just(" = "),
        Just("\""),
        Just("'"),
        Just("\"\"\""),
        Just(","),
        Just("."),
        Just("\n"),
        Just("\r\n"),
        Just("# "),
        Just("ou"),
        Just("service"),
        Just("connector"),
        Just("messaging_entry"),
        Just("instant_messaging"),
        Just("parent"),
        Just("transfers"),
        Just("channels"),
        Just("\"sales\""),
        Just("\"whatsapp\""),
        Just("1"),
        Just("true"),
        Just("x"),
        Just("\u{202e}"),
        Just("\u{feff}"),
        Just("\\u0000"),
        Just("\t"),
        Just("<<<<<<< a"),
    ];
    prop::collection::vec(token, 0..80).prop_map(|t| t.concat().into_bytes())
}

/// Edits to bytes: delete a range, insert a byte, replace a byte, duplicate a range.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, u8),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        3 => prop::sample::select(b"[]{}=\"',.#\n\r \\ab0".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), byte.clone()).prop_map(|(a, b)| Edit::Insert(a, b)),
        (any::<usize>(), byte).prop_map(|(a, b)| Edit::Replace(a, b)),
        (any::<usize>(), 1..40usize).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let len = bytes.len();
    match *e {
        Edit::Delete(at, n) if len > 0 => {
            let at = at % len;
            bytes.drain(at..(at + n).min(len));
        }
        Edit::Insert(at, b) => bytes.insert(at % (len + 1), b),
        Edit::Replace(at, b) if len > 0 => bytes[at % len] = b,
        Edit::Duplicate(at, n) if len > 0 => {
            let at = at % len;
            let piece = bytes[at..(at + n).min(len)].to_vec();
            bytes.splice(at..at, piece);
        }
        _ => {}
    }
}

// ------------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(ProptestConfig { cases: 700, ..ProptestConfig::default() })]

    /// Arbitrary bytes, as an entity file and as `nimbus.toml`.
    #[test]
    fn arbitrary_bytes_keep_the_invariants(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        outcome(&vec![("nimbus.toml".into(), vec![]), ("input.toml".into(), bytes.clone())])?;
        outcome(&vec![("nimbus.toml".into(), bytes), ("org.toml".into(), b"[ou.root]\n".to_vec())])?;
    }

    /// Text made of TOML's punctuation and the language's words.
    #[test]
    fn toml_like_text_keeps_the_invariants(bytes in toml_like()) {
        outcome(&vec![("input.toml".into(), bytes.clone())])?;
        outcome(&vec![("nimbus.toml".into(), bytes), ("org.toml".into(), b"[ou.root]\n".to_vec())])?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Generated workspaces: every invariant, and the same outcome however files and entities
    /// are laid out.
    #[test]
    fn workspaces_keep_the_invariants_in_any_layout(spec in spec(), perm in any::<u64>()) {
        let original = spec.render(Layout::AsGenerated);
        let base = outcome(&original)?;
        let shuffled = outcome(&spec.render(Layout::Shuffled(perm)))?;
        prop_assert_eq!(&base, &shuffled, "file names and entity order changed the outcome");
        if spec.movable() {
            let moved = outcome(&spec.render(Layout::Moved(perm)))?;
            prop_assert_eq!(&base, &moved, "moving entities between files changed the outcome");
        }
    }

    /// Generated workspaces with a few bytes edited.
    #[test]
    fn edited_workspaces_keep_the_invariants(
        spec in spec(),
        file in any::<usize>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut files = spec.render(Layout::AsGenerated);
        let n = files.len();
        let bytes = &mut files[file % n].1;
        for e in &edits {
            apply(bytes, e);
        }
        outcome(&files)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// On the real command line (in-process, from a folder): `build` exits 0 and prints the
    /// bundle exactly when `check` reports no error; otherwise it exits 1 and prints nothing.
    /// The folder gives the same diagnostics as memory.
    #[test]
    fn build_succeeds_exactly_when_check_finds_no_error(spec in spec()) {
        let files = spec.render(Layout::AsGenerated);
        let memory = outcome(&files)?;
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, bytes) in &files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, bytes).expect("write");
        }
        if !files.iter().any(|(p, _)| p == "nimbus.toml") {
            std::fs::write(dir.path().join("nimbus.toml"), "").expect("write");
        }
        let root = dir.path().to_string_lossy().into_owned();
        let cli = |args: &[&str]| {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let mut io = nimbus_lint::cli::Io {
                stdin: &mut std::io::empty(),
                stdout: &mut stdout,
                stderr: &mut stderr,
                stdout_is_terminal: false,
                stderr_is_terminal: false,
                stdout_width: None,
                stderr_width: None,
            };
            let mut argv = vec!["nimbus-lint"];
            argv.extend_from_slice(args);
            let code = nimbus_lint::cli::run(argv, &mut io);
            (code, stdout, String::from_utf8_lossy(&stderr).into_owned())
        };
        let (code, stdout, stderr) = cli(&["build", "-o", "-", &root]);
        match &memory.bundle {
            Some(bundle) => {
                prop_assert_eq!(code, 0, "build failed on a workspace without errors: {}", stderr);
                prop_assert!(&stdout == bundle, "build printed another bundle than memory gives");
            }
            None => {
                prop_assert_eq!(code, 1, "build on a workspace with errors: {}", stderr);
                prop_assert!(stdout.is_empty(), "build printed something despite errors");
            }
        }
        let (code, stdout, _) = cli(&["check", "--format", "json", &root]);
        prop_assert_eq!(code, i32::from(memory.errors));
        let doc: serde_json::Value = serde_json::from_slice(&stdout).expect("JSON");
        let disk: BTreeSet<(String, String)> = doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            ))
            .collect();
        prop_assert_eq!(&disk, &memory.diagnostics, "a folder and memory disagree");
    }
}
