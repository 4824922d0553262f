//! "No output ever prints a credential in full", on generated workspaces run through the
//! built binary.
//!
//! Each case, made from a fixed seed, is a small workspace (an empty or small `nimbus.toml`,
//! one to three files of OUs, connectors, messaging entries and services in the shapes of
//! `fixtures/example`) with one credential planted somewhere: a string under a known or
//! unknown key, an `api_key_secret` literal, an id in a header, a reference, an item of
//! `transfers`, a key, a comment, a suppression comment, an inline table, a multi-line string,
//! a bare value, after a `$`, in `nimbus.toml`, on a line longer than 300 characters (cut into
//! pieces by the human report, with tabs, wide and combining characters before it), sometimes
//! with a first character escaped (`\u0041`), sometimes a second time elsewhere, sometimes
//! beside a syntax error or a byte that is not UTF-8 elsewhere in its file, in files with LF or
//! CRLF line ends. The credential is random: 32 letters and digits mixing upper case, lower case and digits (an
//! API key secret), or 32 lower-case hex digits (an auth token) that no entity has as its id.
//!
//! `check` in every format, `build -o -` and `graph` must never show what follows the
//! credential's first four characters (the most an output may show), in any case, on stdout
//! or stderr. Kept out on purpose, as the README allows them in full: file names, a value
//! accepted with `allow(secret-in-config)` (the bundle is data), a credential inside a longer
//! value, and an id of 32 hex digits (an id, not a secret).
//!
//! A failing case prints its seed; `SECRETS_SEED=0x… cargo test --test secrets` runs that
//! case alone.

mod common;

use std::fmt::Write as _;

use common::rng::Rng;
use common::{run, workspace};

/// Cases per test function (there are two, which the harness runs side by side).
const CASES: u64 = 150;

// ------------------------------------------------------------------------------------------
// Credentials.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// 32 ASCII letters and digits mixing upper case, lower case and digits.
    Mixed,
    /// 32 lower-case hex digits.
    Hex,
}

fn credential(rng: &mut Rng, shape: Shape) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const HEX: &[u8] = b"0123456789abcdef";
    loop {
        let alphabet = if shape == Shape::Mixed { ALNUM } else { HEX };
        let s: String = (0..32)
            .map(|_| alphabet[rng.below(alphabet.len())] as char)
            .collect();
        let has = |f: fn(&char) -> bool| s.chars().any(|c| f(&c));
        let ok = match shape {
            Shape::Mixed => {
                has(char::is_ascii_uppercase)
                    && has(char::is_ascii_lowercase)
                    && has(char::is_ascii_digit)
            }
            // A letter, so that no bare value of it reads as a (huge) number.
            Shape::Hex => has(char::is_ascii_lowercase),
        };
        if ok {
            return s;
        }
    }
}

// ------------------------------------------------------------------------------------------
// Workspaces.

/// One entity as written: comment lines above its header, the header, its key lines, and
/// what follows them (its `instant_messaging` sub-table).
struct Entity {
    kind: &'static str,
    id: String,
    above: Vec<String>,
    keys: Vec<(String, String)>,
    sub: Vec<String>,
    /// Index of the file it goes in.
    file: usize,
}

impl Entity {
    fn new(kind: &'static str, id: &str, keys: &[(&str, &str)], file: usize) -> Entity {
        Entity {
            kind,
            id: id.to_owned(),
            above: Vec::new(),
            keys: keys
                .iter()
                .map(|(k, v)| ((*k).to_owned(), format!("{k} = {v}")))
                .collect(),
            sub: Vec::new(),
            file,
        }
    }

    /// Sets `key` to the line `line`, in place of the key's line when it has one.
    fn set(&mut self, key: &str, line: String) {
        match self.keys.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = line,
            None => self.keys.push((key.to_owned(), line)),
        }
    }

    /// Adds a line under a key no other line sets.
    fn push(&mut self, line: String) {
        self.keys.push((String::new(), line));
    }

    fn render(&self, out: &mut String) {
        for line in &self.above {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "[{}.{}]", self.kind, self.id);
        for (_, line) in &self.keys {
            let _ = writeln!(out, "{line}");
        }
        for line in &self.sub {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
}

const FILE_NAMES: [&str; 5] = [
    "org.toml",
    "twilio.toml",
    "services/desk.toml",
    "a.toml",
    "z/b.toml",
];

/// A generated workspace: its entities, lines written outside any entity, `nimbus.toml`.
struct Ws {
    entities: Vec<Entity>,
    /// Per file: lines written before its first entity, and after its last.
    head: Vec<Vec<String>>,
    tail: Vec<Vec<String>>,
    names: Vec<&'static str>,
    nimbus: String,
    /// Lines end in CRLF.
    crlf: bool,
}

impl Ws {
    fn generate(rng: &mut Rng) -> Ws {
        let mut names = FILE_NAMES.to_vec();
        rng.shuffle(&mut names);
        names.truncate(1 + rng.below(3));
        let n = names.len();
        let file = |rng: &mut Rng| rng.below(n);
        let mut entities = Vec::new();
        let chance = |rng: &mut Rng, percent: usize| rng.below(100) < percent;
        if chance(rng, 90) {
            entities.push(Entity::new(
                "ou",
                "contoso",
                &[("name", "\"Contoso\"")],
                file(rng),
            ));
        }
        let sales = chance(rng, 50);
        if sales {
            entities.push(Entity::new(
                "ou",
                "sales",
                &[("name", "\"Sales\""), ("parent", "\"contoso\"")],
                file(rng),
            ));
        }
        let connector = chance(rng, 60);
        if connector {
            entities.push(Entity::new(
                "connector",
                "tw",
                &[
                    ("name", "\"Twilio US\""),
                    ("ou", "\"contoso\""),
                    ("type", "\"twilio\""),
                    ("region", "\"us1\""),
                    ("api_key_sid", "\"SK0123456789abcdef0123456789abcdef\""),
                    ("api_key_secret", "{ env = \"TWILIO_API_KEY_SECRET\" }"),
                ],
                file(rng),
            ));
        }
        let entry = connector && chance(rng, 70);
        if entry {
            entities.push(Entity::new(
                "messaging_entry",
                "wa",
                &[
                    ("name", "\"WhatsApp\""),
                    ("ou", "\"contoso\""),
                    ("connector", "\"tw\""),
                    ("service_sid", "\"IS12345678900000000000000000AbCdEf\""),
                ],
                file(rng),
            ));
        }
        let ou = if sales { "\"sales\"" } else { "\"contoso\"" };
        if chance(rng, 70) {
            let mut desk = Entity::new(
                "service",
                "desk",
                &[
                    ("name", "\"Front Desk\""),
                    ("ou", ou),
                    ("license", "\"contact_center\""),
                    ("user_assignment", "\"none\""),
                    ("transfers", "[\"team\"]"),
                ],
                file(rng),
            );
            desk.sub.push("[service.desk.instant_messaging]".to_owned());
            if entry {
                desk.sub.push("messaging_entry = \"wa\"".to_owned());
                desk.sub.push("channels = [\"whatsapp\"]".to_owned());
            } else {
                desk.sub.push("channels = [\"interact\"]".to_owned());
            }
            entities.push(desk);
        }
        if chance(rng, 60) {
            let mut team = Entity::new(
                "service",
                "team",
                &[
                    ("ou", ou),
                    ("license", "\"contact_center\""),
                    ("user_assignment", "\"skill_based\""),
                ],
                file(rng),
            );
            team.sub.push("[service.team.instant_messaging]".to_owned());
            entities.push(team);
        }
        let nimbus = [
            "",
            "[workspace]\nexclude = [\"drafts/**\"]\n",
            "[lints]\nunused-connector = \"allow\"\nim-no-agents = \"warning\"\n",
            "[build]\noutput = \"dist/bundle.json\"\n",
            "# Workspace settings.\n",
        ][rng.below(5)]
        .to_owned();
        Ws {
            entities,
            head: vec![Vec::new(); n],
            tail: vec![Vec::new(); n],
            names,
            nimbus,
            crlf: rng.below(5) == 0,
        }
    }

    /// The entity of `kind` (an existing one at random, else a new minimal one).
    fn pick(&mut self, rng: &mut Rng, kind: &'static str) -> usize {
        let found: Vec<usize> = (0..self.entities.len())
            .filter(|&i| self.entities[i].kind == kind)
            .collect();
        if !found.is_empty() {
            return found[rng.below(found.len())];
        }
        let file = rng.below(self.names.len());
        let e = match kind {
            "ou" => Entity::new("ou", "root", &[], file),
            "connector" => Entity::new(
                "connector",
                "tw2",
                &[
                    ("ou", "\"contoso\""),
                    ("type", "\"twilio\""),
                    ("api_key_sid", "\"SKfedcba9876543210fedcba9876543210\""),
                ],
                file,
            ),
            "messaging_entry" => Entity::new(
                "messaging_entry",
                "wa2",
                &[
                    ("ou", "\"contoso\""),
                    ("connector", "\"tw\""),
                    ("service_sid", "\"ISaaaabbbbccccddddeeeeffff00001111\""),
                ],
                file,
            ),
            _ => Entity::new(
                "service",
                "solo",
                &[("ou", "\"contoso\""), ("license", "\"advanced_routing\"")],
                file,
            ),
        };
        self.entities.push(e);
        self.entities.len() - 1
    }

    /// Any entity (a new OU when there is none).
    fn any(&mut self, rng: &mut Rng) -> usize {
        if self.entities.is_empty() {
            return self.pick(rng, "ou");
        }
        rng.below(self.entities.len())
    }

    fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![("nimbus.toml".to_owned(), self.nimbus.clone())];
        for (f, name) in self.names.iter().enumerate() {
            let mut text = String::new();
            for line in &self.head[f] {
                let _ = writeln!(text, "{line}");
            }
            for e in self.entities.iter().filter(|e| e.file == f) {
                e.render(&mut text);
            }
            for line in &self.tail[f] {
                let _ = writeln!(text, "{line}");
            }
            files.push(((*name).to_owned(), text));
        }
        if self.crlf {
            for (_, text) in &mut files {
                *text = text.replace('\n', "\r\n");
            }
        }
        files
    }
}

// ------------------------------------------------------------------------------------------
// Planting.

fn one<'a>(rng: &mut Rng, of: &[&'a str]) -> &'a str {
    of[rng.below(of.len())]
}

/// A run of `n` filler characters: letters, spaces, tabs, wide and combining characters,
/// never a credential's shape.
fn filler(rng: &mut Rng, n: usize) -> String {
    const ODD: [char; 6] = ['\t', 'é', '東', '🚀', '\u{301}', '\u{200b}'];
    (0..n)
        .map(|i| match rng.below(10) {
            _ if i % 7 == 6 => ' ',
            0 => ODD[rng.below(ODD.len())],
            _ => (b'g' + rng.below(6) as u8) as char,
        })
        .collect()
}

/// Plants `s` in `ws`; returns where, in words, and the file it went in (`None`:
/// `nimbus.toml`), for a syntax error beside it.
fn plant(ws: &mut Ws, rng: &mut Rng, s: &str, shape: Shape) -> (String, Option<usize>) {
    let q = |v: &str| format!("\"{v}\"");
    // Now and then with one of its first characters escaped: the text has the rest as it is.
    let escaped = |rng: &mut Rng| {
        let (i, c) = s.char_indices().nth(rng.below(4)).expect("32 characters");
        let escape = if rng.below(2) == 0 {
            format!("\\u{:04X}", c as u32)
        } else {
            format!("\\U{:08x}", c as u32)
        };
        format!("\"{}{escape}{}\"", &s[..i], &s[i + 1..])
    };
    let kinds = ["ou", "connector", "messaging_entry", "service"];
    let place = rng.below(16);
    let (what, e): (String, usize) = match place {
        // A string under a known key.
        0 => {
            let kind = one(rng, &kinds);
            let e = ws.pick(rng, kind);
            let keys: &[&str] = match kind {
                "ou" => &["name"],
                "connector" => &["name", "type", "region", "api_key_sid"],
                "messaging_entry" => &["name", "service_sid"],
                _ => &["name", "license", "user_assignment"],
            };
            let key = one(rng, keys);
            let value = if rng.below(4) == 0 {
                escaped(rng)
            } else {
                q(s)
            };
            ws.entities[e].set(key, format!("{key} = {value}"));
            (format!("known key `{key}` of a {kind}"), e)
        }
        // A string under an unknown key.
        1 => {
            let e = ws.any(rng);
            let key = one(
                rng,
                &[
                    "note",
                    "description",
                    "nmae",
                    "secret",
                    "token",
                    "api_secret",
                    "api_key_secrett",
                    "auth_token",
                    "password",
                    "TWILIO_SECRET",
                ],
            );
            let value = if rng.below(4) == 0 {
                escaped(rng)
            } else {
                q(s)
            };
            ws.entities[e].push(format!("{key} = {value}"));
            (format!("unknown key `{key}`"), e)
        }
        // `api_key_secret` as a literal, in every form.
        2 => {
            let kind = one(
                rng,
                &["connector", "connector", "messaging_entry", "service"],
            );
            let e = ws.pick(rng, kind);
            let value = match rng.below(7) {
                0 => q(s),
                1 => format!("{{ value = {} }}", q(s)),
                2 => format!("[{}]", q(s)),
                3 => format!("'{s}'"),
                4 => format!("{{ env = {} }}", q(s)),
                5 => format!("{{ env = \"TWILIO\", value = {} }}", q(s)),
                _ => format!("\"\"\"{s}\"\"\""),
            };
            ws.entities[e].set("api_key_secret", format!("api_key_secret = {value}"));
            (format!("api_key_secret = {value} on a {kind}"), e)
        }
        // The id in a header (an API key secret: a hex id would be an id, not a secret).
        3 => {
            let e = ws.any(rng);
            let kind = ws.entities[e].kind;
            if shape == Shape::Mixed && rng.below(3) > 0 {
                if rng.below(2) == 0 {
                    // The entity renamed; what refers to it names nothing, or names it too.
                    let old = std::mem::replace(&mut ws.entities[e].id, s.to_owned());
                    for line in &mut ws.entities[e].sub {
                        *line = line.replace(&format!(".{old}."), &format!(".{s}."));
                    }
                    let named = rng.below(2) == 0;
                    if named {
                        let (from, to) = (format!("\"{old}\""), format!("\"{s}\""));
                        for other in &mut ws.entities {
                            for line in other.keys.iter_mut().map(|(_, l)| l).chain(&mut other.sub)
                            {
                                *line = line.replace(&from, &to);
                            }
                        }
                    }
                    (
                        format!("the id of {kind} `{old}` (named where used: {named})"),
                        e,
                    )
                } else {
                    // A new service, named where it is referred to too.
                    let file = ws.entities[e].file;
                    let mut new = Entity::new(
                        "service",
                        s,
                        &[("ou", "\"contoso\""), ("license", "\"contact_center\"")],
                        file,
                    );
                    new.sub.push(format!("[service.{s}.instant_messaging]"));
                    ws.entities.push(new);
                    let desk = ws.pick(rng, "service");
                    ws.entities[desk].set("transfers", format!("transfers = [{}]", q(s)));
                    ("a new service's id, named in transfers".to_owned(), e)
                }
            } else {
                let line = match rng.below(3) {
                    0 => format!("[{s}]"),
                    1 => format!("[{kind}.{}.{s}]", ws.entities[e].id),
                    _ => format!("[\"{s}\"]"),
                };
                let f = ws.entities[e].file;
                ws.tail[f].push(line.clone());
                ws.tail[f].push("x = 1".to_owned());
                (format!("header `{line}`"), e)
            }
        }
        // A reference.
        4 => {
            let (kind, key) = match rng.below(5) {
                0 => ("ou", "parent"),
                1 => ("service", "ou"),
                2 => ("messaging_entry", "connector"),
                3 => ("connector", "ou"),
                _ => ("service", "messaging_entry"),
            };
            let e = ws.pick(rng, kind);
            if key == "messaging_entry" {
                let sub = format!("[service.{}.instant_messaging]", ws.entities[e].id);
                ws.entities[e].sub = vec![sub, format!("messaging_entry = {}", q(s))];
                if rng.below(2) == 0 {
                    ws.entities[e].sub.push("channels = [\"sms\"]".to_owned());
                }
            } else {
                ws.entities[e].set(key, format!("{key} = {}", q(s)));
            }
            (format!("reference `{key}` of a {kind}"), e)
        }
        // An item of `transfers`.
        5 => {
            let e = ws.pick(rng, "service");
            let line = match rng.below(3) {
                0 => format!("transfers = [{}]", q(s)),
                1 => format!("transfers = [\"team\", {}]", q(s)),
                _ => format!("transfers = [\n  {},\n  \"team\",\n]", q(s)),
            };
            ws.entities[e].set("transfers", line);
            ("an item of transfers".to_owned(), e)
        }
        // A key.
        6 => {
            let e = ws.any(rng);
            let line = match rng.below(6) {
                5 => format!("{} = 3", escaped(rng)),
                0 => format!("{s} = \"x\""),
                1 => format!("{s} = 1"),
                2 => format!("\"{s}\" = true"),
                3 => format!("{s}.note = \"x\""),
                _ => format!("meta.{s} = 2"),
            };
            if rng.below(4) == 0 {
                let f = ws.entities[e].file;
                ws.head[f].push(line.clone());
            } else {
                ws.entities[e].push(line.clone());
            }
            (format!("key line `{line}`"), e)
        }
        // A comment.
        7 => {
            let e = ws.any(rng);
            match rng.below(4) {
                0 => ws.entities[e].above.push(format!("# token: {s}")),
                1 => {
                    let f = ws.entities[e].file;
                    ws.head[f].insert(0, format!("#:schema {s}"));
                }
                2 => {
                    if ws.entities[e].keys.is_empty() {
                        ws.entities[e].push("bogus = 1".to_owned());
                    }
                    let _ = write!(ws.entities[e].keys[0].1, "  # {s}");
                }
                _ => ws.entities[e].push(format!("#{s}")),
            }
            ("a comment".to_owned(), e)
        }
        // A suppression comment.
        8 => {
            let e = ws.any(rng);
            let line = match rng.below(4) {
                0 => format!("# nimbus-lint: allow({s})"),
                1 => format!("# nimbus-lint: allow(im-no-agents, {s})"),
                2 => format!("# nimbus-lint: allow(im-no-agents) {s}"),
                _ => format!("#nimbus-lint:allow({s}-rule)"),
            };
            ws.entities[e].above.push(line.clone());
            (format!("suppression `{line}`"), e)
        }
        // An inline table.
        9 => {
            let e = ws.pick(rng, "service");
            let id = ws.entities[e].id.clone();
            match rng.below(4) {
                0 => {
                    ws.entities[e].sub = vec![format!(
                        "instant_messaging = {{ messaging_entry = {}, channels = [\"interact\"] }}",
                        q(s)
                    )];
                }
                1 => ws.entities[e].push(format!("meta = {{ owner = {}, n = 1 }}", q(s))),
                2 => {
                    // The whole entity inline, under a bare `[service]`.
                    let f = ws.entities[e].file;
                    ws.tail[f].push("[service]".to_owned());
                    ws.tail[f].push(format!(
                        "inline-{id} = {{ ou = {}, license = \"contact_center\" }}",
                        q(s)
                    ));
                }
                _ => {
                    let f = ws.entities[e].file;
                    ws.tail[f].push("[service]".to_owned());
                    ws.tail[f].push(format!(
                        "inline-{id} = {{ ou = \"contoso\", license = \"advanced_routing\", \
                         instant_messaging = {{ channels = [{}] }} }}",
                        q(s)
                    ));
                }
            }
            ("an inline table".to_owned(), e)
        }
        // A multi-line string: the value is the credential exactly under a known key, and
        // anything under an unknown one.
        10 => {
            let e = ws.any(rng);
            let line = match rng.below(6) {
                0 => format!("name = \"\"\"\n{s}\"\"\""),
                1 => format!("name = '''\n{s}'''"),
                2 => format!("name = \"\"\"\\\n    {s}\"\"\""),
                3 => format!("note = '''\nfirst line\n{s}\nlast line\n'''"),
                4 => format!("note = \"\"\"\n{s}\n\"\"\""),
                _ => format!("note = \"\"\"{}\\\n{}\"\"\"", &s[..16], &s[16..]),
            };
            let key = line.split(' ').next().expect("key").to_owned();
            ws.entities[e].set(&key, line.clone());
            (format!("multi-line string `{line}`"), e)
        }
        // A bare value.
        11 => {
            let e = ws.any(rng);
            let line = match rng.below(5) {
                0 => format!("name = {s}"),
                1 => format!("ou = {s}"),
                2 => format!("note = {s}"),
                3 => format!("transfers = [{s}]"),
                _ => format!("api_key_secret = {s}"),
            };
            let key = line.split(' ').next().expect("key").to_owned();
            ws.entities[e].set(&key, line.clone());
            (format!("bare value `{line}`"), e)
        }
        // After a `$`.
        12 => {
            let e = ws.any(rng);
            let line = match rng.below(6) {
                0 => format!("api_key_secret = \"${s}\""),
                1 => format!("api_key_secret = \"${{{s}}}\""),
                2 => format!("api_key_secret = {{ env = \"${s}\" }}"),
                3 => format!("ou = \"${s}\""),
                4 => format!("note = ${s}"),
                _ => format!("name = ${s}"),
            };
            let key = line.split(' ').next().expect("key").to_owned();
            ws.entities[e].set(&key, line.clone());
            (format!("after a `$`: `{line}`"), e)
        }
        // A line longer than 300 characters, the credential somewhere along it.
        13 => {
            let e = ws.any(rng);
            let (a, b) = (rng.below(300), rng.below(300));
            let n = rng.below(200);
            let pad: String = (0..n)
                .map(|_| if rng.below(4) == 0 { '\t' } else { ' ' })
                .collect();
            let (fill1, fill2) = (filler(rng, a), filler(rng, b));
            let line = match rng.below(5) {
                0 => format!("{pad}note = {}  # {fill1}{}", q(s), " ".repeat(300)),
                1 => format!(
                    "meta = {{ a = \"{fill1}\", bogus = 1, b = {}, c = \"{fill2}\" }}{}",
                    q(s),
                    " ".repeat(300)
                ),
                2 => format!("{pad}bogus = 1  # {fill1} {s} {fill2}{}", " ".repeat(300)),
                3 => format!(
                    "api_key_secret = {}{pad}  # {fill1}{}",
                    q(s),
                    " ".repeat(300)
                ),
                _ => format!(
                    "tags = [\"{fill1}\", {}, \"{fill2}\", {s}]{}",
                    q(s),
                    " ".repeat(300)
                ),
            };
            let key = line.trim_start().split(' ').next().expect("key").to_owned();
            ws.entities[e].set(&key, line);
            (format!("a long line (pad {}, fill {a}, {b})", pad.len()), e)
        }
        // `nimbus.toml`.
        14 => {
            let text = match rng.below(9) {
                0 => format!("[workspace]\nexclude = [{}]\n", q(s)),
                8 => format!("[workspace]\nexclude = {}\n", q(s)),
                1 => format!("[build]\noutput = {}\n", q(s)),
                2 => format!("[lints]\n{s} = \"allow\"\n"),
                3 => format!("[lints]\nim-no-agents = {}\n", q(s)),
                4 => format!("# {s}\n[workspace]\n"),
                5 => format!("{s} = 1\n"),
                6 => format!("[workspace]\n{s} = true\n"),
                _ => format!("[{s}]\n"),
            };
            let what = format!("nimbus.toml `{}`", text.trim_end());
            if rng.below(4) == 0 {
                ws.nimbus = format!("{text}[lints]\n= broken\n");
            } else {
                ws.nimbus = text;
            }
            return (what, None);
        }
        // An item of `channels`, of `exclude`-like arrays and other lists.
        _ => {
            let e = ws.pick(rng, "service");
            let id = ws.entities[e].id.clone();
            ws.entities[e].sub = vec![
                format!("[service.{id}.instant_messaging]"),
                format!("channels = [\"interact\", {}]", q(s)),
            ];
            ("an item of channels".to_owned(), e)
        }
    };
    (what, Some(ws.entities[e].file))
}

/// A line written with a byte that is not UTF-8 in place of its `@`.
const INVALID_UTF8: &str = "note = \"not UTF-8: @\"";

/// Breaks the file `f` with a syntax error away from the credential's line.
fn break_file(ws: &mut Ws, rng: &mut Rng, f: usize) -> &'static str {
    let line = one(
        rng,
        &[
            "broken =",
            "[unclosed",
            "x = \"unterminated",
            "= 1",
            "a = 1 2",
            "name = \"dup\"\nname = \"dup\"",
            INVALID_UTF8,
        ],
    );
    let others: Vec<usize> = (0..ws.entities.len())
        .filter(|&i| ws.entities[i].file == f)
        .collect();
    match rng.below(3) {
        0 => ws.head[f].insert(0, line.to_owned()),
        1 if !others.is_empty() => {
            let e = others[rng.below(others.len())];
            ws.entities[e].above.insert(0, format!("[kind.x]\n{line}"));
        }
        _ => ws.tail[f].push(format!("[ou.after]\n{line}")),
    }
    line
}

// ------------------------------------------------------------------------------------------
// The invariant.

const RUNS: [&[&str]; 7] = [
    &["check", "--format", "human", "--color", "never"],
    &["check", "--format", "short"],
    &["check", "--format", "json"],
    &["check", "--format", "sarif"],
    &["check", "--format", "github"],
    &["build", "-o", "-"],
    &["graph"],
];

/// One case: the workspace of `seed` with its credential planted, through every output.
fn case(seed: u64) {
    let mut rng = Rng(seed);
    let shape = if rng.below(2) == 0 {
        Shape::Mixed
    } else {
        Shape::Hex
    };
    let s = credential(&mut rng, shape);
    let mut ws = Ws::generate(&mut rng);
    let (mut what, file) = plant(&mut ws, &mut rng, &s, shape);
    // Now and then the same credential a second time, elsewhere: masked wherever it appears.
    if rng.below(5) == 0 {
        let (second, _) = plant(&mut ws, &mut rng, &s, shape);
        let _ = write!(what, ", and again as {second}");
    }
    if let Some(f) = file
        && rng.below(4) == 0
    {
        let error = break_file(&mut ws, &mut rng, f);
        let _ = write!(what, ", beside the syntax error `{error}`");
    }
    let files = ws.files();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = workspace(&refs);
    for (path, text) in &files {
        if text.contains(INVALID_UTF8) {
            let bytes = text.replace(INVALID_UTF8, &INVALID_UTF8.replace('@', "\u{1}"));
            let bytes: Vec<u8> = bytes
                .bytes()
                .map(|b| if b == 1 { 0xff } else { b })
                .collect();
            std::fs::write(dir.path().join(path), bytes).expect("write");
        }
    }
    let hidden = s[4..].to_ascii_lowercase();
    for args in RUNS {
        let r = run(dir.path(), args);
        let shown = |out: &str| out.to_ascii_lowercase().contains(&hidden);
        let listing = || {
            files
                .iter()
                .map(|(p, t)| format!("--- {p}\n{t}"))
                .collect::<String>()
        };
        assert!(
            !shown(&r.stdout) && !shown(&r.stderr),
            "seed {seed:#x}: the credential `{s}` ({what}) shown in full by `{}`\n\
             {}\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            listing(),
            r.stdout,
            r.stderr
        );
        assert!(
            (0..=2).contains(&r.code),
            "seed {seed:#x}: `{}` exited {} ({what})\n{}\n--- stderr\n{}",
            args.join(" "),
            r.code,
            listing(),
            r.stderr
        );
    }
}

/// The seed of case `i` of family `family`: spread out (splitmix64's finalizer), never 0.
fn seed(family: u64, i: u64) -> u64 {
    let mut z = ((family << 32) | i).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) | 1
}

/// The seed `SECRETS_SEED` names, to run one failing case alone.
fn only() -> Option<u64> {
    let v = std::env::var("SECRETS_SEED").ok()?;
    let v = v.trim();
    Some(match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).expect("SECRETS_SEED in hex"),
        None => v.parse().expect("SECRETS_SEED in decimal"),
    })
}

fn cases(family: u64) {
    if let Some(seed) = only() {
        if family == 1 {
            case(seed);
        }
        return;
    }
    for i in 0..CASES {
        case(seed(family, i));
    }
}

#[test]
fn no_output_prints_a_planted_credential_in_full_first_half() {
    cases(1);
}

#[test]
fn no_output_prints_a_planted_credential_in_full_second_half() {
    cases(2);
}
