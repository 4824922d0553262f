//! A workspace as `arbitrary` builds it from the fuzzer's bytes, and its rendering to files.
//!
//! Ids, keys and values come mostly from small pools of the configuration language's own words,
//! so that references resolve (or almost resolve), known keys meet right and wrong types,
//! SIDs and secrets take their shapes, and every rule can fire; free text and raw snippets keep
//! the parser busy with everything else.

use std::fmt::Write;

use arbitrary::Arbitrary;

/// Ids shared by every kind: references between kinds and within a kind hit often.
const IDS: &[&str] = &[
    "root",
    "sales",
    "support",
    "twilio-us",
    "wa-sales",
    "ivr",
    "team",
    "billing",
    "desk",
];
/// Keys the configuration language knows (of every kind and of nimbus.toml), and a few it
/// does not but suggests for.
const KEYS: &[&str] = &[
    "name",
    "ou",
    "parent",
    "type",
    "region",
    "api_key_sid",
    "api_key_secret",
    "connector",
    "service_sid",
    "license",
    "user_assignment",
    "transfers",
    "instant_messaging",
    "messaging_entry",
    "channels",
    "env",
    "licence",
    "auth_token",
    "im",
];
/// Values of the language's enums, and near misses.
const WORDS: &[&str] = &[
    "twilio",
    "us1",
    "ie1",
    "de1",
    "contact_center",
    "advanced_routing",
    "enterprise_routing",
    "ms_teams",
    "skill_based",
    "none",
    "whatsapp",
    "sms",
    "interact",
    "fax",
    "contact_centre",
    "TWILIO_API_KEY_SECRET",
    "1BAD",
];
/// SID prefixes: right ones, and those the help names.
const PREFIXES: &[&str] = &["SK", "IS", "AC", "MG", "CH", "PN", "HX", "sk", "is", ""];
const KINDS: &[&str] = &["ou", "connector", "messaging_entry", "service"];
const DIRS: &[&str] = &["", "org/", "services/", "deep/er/"];
const CODES: &[&str] = &[
    "im-no-agents",
    "unused-connector",
    "unused-messaging-entry",
    "self-transfer",
    "channel-license",
    "channel-region",
    "im-unreachable",
    "syntax",
    "no-such-rule",
];
const LEVELS: &[&str] = &["error", "warning", "allow", "deny"];
/// Broken or odd TOML fragments.
const SNIPPETS: &[&str] = &[
    "[",
    "]]",
    "= 1",
    "a = ",
    "\"unterminated",
    "x = [1, 2",
    "[ou]",
    "[[service.x]]",
    "<<<<<<< HEAD",
    "=======",
    ">>>>>>> branch",
    "\u{feff}",
    "\r",
    "\t",
    "a.b.c = 1",
    "'''",
    "\"\"\"",
    "x = { a = 1, a = 2 }",
    "# nimbus-lint: allow(",
    "# nimbus-lint: allow(im-no-agents) reason",
    "x = 0x",
    "x = 1979-05-27T07:32:00Z",
    "x = inf",
    "\u{202e}",
    "\u{1b}[31m",
];

fn pick<'a>(pool: &[&'a str], i: u8) -> &'a str {
    pool[i as usize % pool.len()]
}

/// A whole workspace: settings and entity files.
#[derive(Arbitrary, Debug, Clone)]
pub struct Workspace {
    /// `nimbus.toml`, when present.
    pub settings: Option<Settings>,
    /// Entity files (only the first six are kept).
    pub files: Vec<File>,
}

/// `nimbus.toml`.
#[derive(Arbitrary, Debug, Clone)]
pub struct Settings {
    /// `[lints]` entries: a code and a level, by index.
    pub lints: Vec<(u8, u8)>,
    /// Extra lines (unknown keys, broken text).
    pub extra: Vec<Line>,
}

/// One entity file.
#[derive(Arbitrary, Debug, Clone)]
pub struct File {
    /// Folder, by index.
    pub dir: u8,
    /// What it holds, in order.
    pub items: Vec<Item>,
    /// Line ends: `\n`, or `\r\n`.
    pub crlf: bool,
}

/// A top-level piece of a file.
#[derive(Arbitrary, Debug, Clone)]
pub enum Item {
    /// `[kind.id]` with fields and, for services, an `instant_messaging` table.
    Entity(Entity),
    /// A comment, maybe a suppression.
    Comment(Comment),
    /// A line of anything.
    Line(Line),
}

/// An entity.
#[derive(Arbitrary, Debug, Clone)]
pub struct Entity {
    /// Kind, by index.
    pub kind: u8,
    /// Its id.
    pub id: Id,
    /// Its fields.
    pub fields: Vec<(Key, Value)>,
    /// `[kind.id.instant_messaging]` (or inline, with `inline_im`).
    pub im: Option<Vec<(Key, Value)>>,
    /// Write the IM table inline: `instant_messaging = { … }`.
    pub inline_im: bool,
}

/// An id.
#[derive(Arbitrary, Debug, Clone)]
pub enum Id {
    /// From the pool.
    Pool(u8),
    /// Anything, quoted.
    Text(String),
}

/// A key.
#[derive(Arbitrary, Debug, Clone)]
pub enum Key {
    /// From the known keys.
    Known(u8),
    /// Anything, quoted.
    Text(String),
}

/// A comment line.
#[derive(Arbitrary, Debug, Clone)]
pub enum Comment {
    /// `# nimbus-lint: allow(CODE)`, optionally followed by a blank line (which detaches it).
    Allow(u8, bool),
    /// `# text`.
    Text(String),
}

/// A raw line.
#[derive(Arbitrary, Debug, Clone)]
pub enum Line {
    /// A broken or odd fragment.
    Snippet(u8),
    /// Anything.
    Raw(String),
    /// `key = value`.
    Pair(Key, Value),
}

/// A TOML value.
#[derive(Arbitrary, Debug, Clone)]
pub enum Value {
    /// An id of the pool, as a string: a reference.
    Ref(u8),
    /// A word of the language, as a string.
    Word(u8),
    /// `PREFIX` + hex digits (32 of them, give or take).
    Sid(u8, u128, i8),
    /// A string shaped like a secret: 32 hex digits, or 32 mixed letters and digits.
    Secret(u128, bool),
    /// `{ env = "NAME" }`.
    Env(u8),
    /// Free text, escaped into a basic string.
    Text(String),
    /// Free text as a literal string (may break the file).
    Literal(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A float.
    Float(f64),
    /// An array.
    Array(Vec<Value>),
    /// An inline table.
    Inline(Vec<(Key, Value)>),
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Id {
    fn render(&self) -> String {
        match self {
            Id::Pool(i) => pick(IDS, *i).to_owned(),
            Id::Text(s) => quote(s),
        }
    }
}

impl Key {
    fn render(&self) -> String {
        match self {
            Key::Known(i) => pick(KEYS, *i).to_owned(),
            Key::Text(s) => quote(s),
        }
    }
}

impl Value {
    fn render(&self, depth: usize, out: &mut String) {
        match self {
            Value::Ref(i) => out.push_str(&quote(pick(IDS, *i))),
            Value::Word(i) => out.push_str(&quote(pick(WORDS, *i))),
            Value::Sid(p, hex, adjust) => {
                let digits = format!("{hex:032x}");
                let len = (32 + (*adjust as isize % 4)).max(0) as usize;
                let digits: String = digits.chars().cycle().take(len).collect();
                out.push_str(&quote(&format!("{}{digits}", pick(PREFIXES, *p))));
            }
            Value::Secret(bits, hex) => {
                let s: String = if *hex {
                    format!("{bits:032x}")
                } else {
                    const ALNUM: &[u8] = b"aZ3bY4cX5dW6eV7fU8gT9hS0iR1jQ2kP";
                    (0..32)
                        .map(|k| {
                            let nibble = (bits >> (k * 4 % 124)) as usize % ALNUM.len();
                            ALNUM[(nibble + k) % ALNUM.len()] as char
                        })
                        .collect()
                };
                out.push_str(&quote(&s));
            }
            Value::Env(i) => {
                let _ = write!(out, "{{ env = {} }}", quote(pick(WORDS, *i)));
            }
            Value::Text(s) => out.push_str(&quote(s)),
            Value::Literal(s) => {
                out.push('\'');
                out.push_str(s);
                out.push('\'');
            }
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Float(f) if f.is_finite() => {
                let _ = write!(out, "{f:?}");
            }
            Value::Float(_) => out.push_str("nan"),
            Value::Array(items) if depth < 4 => {
                out.push('[');
                for (k, v) in items.iter().take(8).enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    v.render(depth + 1, out);
                }
                out.push(']');
            }
            Value::Inline(pairs) if depth < 4 => inline(pairs, depth + 1, out),
            Value::Array(_) | Value::Inline(_) => out.push_str("[]"),
        }
    }
}

fn inline(pairs: &[(Key, Value)], depth: usize, out: &mut String) {
    out.push_str("{ ");
    for (k, (key, value)) in pairs.iter().take(8).enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(&key.render());
        out.push_str(" = ");
        value.render(depth, out);
    }
    out.push_str(" }");
}

fn pairs(fields: &[(Key, Value)], out: &mut String) {
    for (key, value) in fields.iter().take(12) {
        out.push_str(&key.render());
        out.push_str(" = ");
        value.render(0, out);
        out.push('\n');
    }
}

impl Line {
    fn render(&self, out: &mut String) {
        match self {
            Line::Snippet(i) => out.push_str(pick(SNIPPETS, *i)),
            Line::Raw(s) => out.push_str(s),
            Line::Pair(k, v) => {
                out.push_str(&k.render());
                out.push_str(" = ");
                v.render(0, out);
            }
        }
        out.push('\n');
    }
}

impl Workspace {
    /// The files, as `(path relative to the root, bytes)`.
    pub fn render(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        if let Some(s) = &self.settings {
            let mut text = String::new();
            for line in s.extra.iter().take(4) {
                line.render(&mut text);
            }
            if !s.lints.is_empty() {
                text.push_str("[lints]\n");
                for (code, level) in s.lints.iter().take(6) {
                    let _ = writeln!(
                        text,
                        "{} = {}",
                        pick(CODES, *code),
                        quote(pick(LEVELS, *level))
                    );
                }
            }
            files.push(("nimbus.toml".to_owned(), text.into_bytes()));
        }
        for (n, file) in self.files.iter().take(6).enumerate() {
            let mut text = String::new();
            for item in file.items.iter().take(24) {
                match item {
                    Item::Entity(e) => {
                        let kind = pick(KINDS, e.kind);
                        let id = e.id.render();
                        let _ = writeln!(text, "[{kind}.{id}]");
                        pairs(&e.fields, &mut text);
                        match &e.im {
                            Some(im) if e.inline_im => {
                                text.push_str("instant_messaging = ");
                                inline(im, 1, &mut text);
                                text.push('\n');
                            }
                            Some(im) => {
                                let _ = writeln!(text, "[{kind}.{id}.instant_messaging]");
                                pairs(im, &mut text);
                            }
                            None => {}
                        }
                    }
                    Item::Comment(Comment::Allow(code, detached)) => {
                        let _ = writeln!(text, "# nimbus-lint: allow({})", pick(CODES, *code));
                        if *detached {
                            text.push('\n');
                        }
                    }
                    Item::Comment(Comment::Text(s)) => {
                        text.push_str("# ");
                        text.push_str(&s.replace(['\n', '\r'], " "));
                        text.push('\n');
                    }
                    Item::Line(line) => line.render(&mut text),
                }
            }
            if file.crlf {
                text = text.replace('\n', "\r\n");
            }
            let path = format!("{}f{n}.toml", pick(DIRS, file.dir));
            files.push((path, text.into_bytes()));
        }
        files
    }
}
