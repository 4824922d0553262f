//! `nimbus.toml`: the workspace settings, read and validated like any other file.

use toml::de::{DeTable, DeValue};

use crate::diagnostic::Diagnostic;
use crate::model::Sp;
use crate::rules::{Code, Level, invalid_value};
use crate::source::{FileId, SourceFile, Span};

use super::reader::{Reader, Schema, key_str, type_name};

/// Default for `[workspace] max_file_size`: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;
/// Default for `[workspace] max_files`.
pub const DEFAULT_MAX_FILES: u64 = 100_000;

/// The settings of a workspace, with their spans.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `[workspace] exclude`: gitignore-style globs, relative to the root.
    pub exclude: Vec<Sp<crate::model::Text>>,
    /// `[workspace] max_file_size`, in bytes.
    pub max_file_size: u64,
    /// `[workspace] max_files`.
    pub max_files: u64,
    /// `[build] output`: where `build` writes, relative to the root.
    pub output: Option<Sp<crate::model::Text>>,
    /// `[lints]`: per-rule levels.
    pub lints: Vec<(Code, Sp<Level>)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_files: DEFAULT_MAX_FILES,
            output: None,
            lints: Vec::new(),
        }
    }
}

/// The settings file's outcome: the settings it holds and what is wrong with it.
#[derive(Debug, Default)]
pub struct ParsedSettings {
    /// The settings (defaults where the file is broken or silent).
    pub settings: Settings,
    /// True when the file is not valid TOML.
    pub broken: bool,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// Strings shaped like credentials.
    pub secrets: Vec<crate::model::SecretHit>,
}

/// Reads `nimbus.toml`.
pub fn parse_settings(id: FileId, file: &SourceFile) -> ParsedSettings {
    let mut out = ParsedSettings::default();
    if let Some(d) = super::unparsable(id, file) {
        out.diagnostics.push(d);
        out.broken = true;
        return out;
    }
    let (doc, broken) = super::parse_toml(id, &file.text, 0, &mut out.diagnostics);
    out.broken = broken;
    let mut r = Reader::new(id, &file.text, 0);
    if broken {
        r.secrets
            .extend(crate::rules::syntax::bare_secrets(id, &file.text, 0));
    }
    read(&mut r, doc.get_ref(), &mut out.settings);
    directives_here(&mut r, id, &file.text);
    if broken {
        // What the parser recovered still applies (`exclude` keeps drafts out, `[lints]`
        // keeps its levels), but only the syntax error is reported: one mistake, one
        // diagnostic.
        r.diagnostics.clear();
    }
    r.scan_secrets(doc.get_ref(), false);
    out.diagnostics.append(&mut r.diagnostics);
    out.secrets = r.secrets;
    out
}

/// `# nimbus-lint: allow(…)` lines of `nimbus.toml`: there is no entity there to silence.
fn directives_here(r: &mut Reader<'_>, id: FileId, text: &str) {
    for l in super::lines::top_level(text) {
        // As entity files read them: prose that names the tool is no directive.
        if let super::lines::Line::Comment(body) = l.line
            && (super::suppress::looks_like_directive(body.trim_start())
                || body.trim_start().starts_with("nimbus-lint:"))
        {
            let end = l.text_start + 1 + body.trim_end().len();
            r.diagnostics
                .push(crate::rules::unused_suppression::in_settings(Span::new(
                    id,
                    l.text_start..end,
                )));
        }
    }
}

/// The schema of the settings table `t`, called `what`, whose keys are `known`. (The hints for
/// keys of other tables are made only when `t` holds a key it does not know.)
fn schema(what: &str, known: &'static [&'static str], t: &DeTable<'_>) -> Schema<'static> {
    let stray = t.keys().any(|k| !known.contains(&key_str(k)));
    Schema {
        what: what.into(),
        known,
        aliases: &[],
        elsewhere: if stray { misplaced(what) } else { &[] },
        id: "",
        im_place: "",
        by_value: &[],
        dotted: None,
    }
}

/// The keys of `[workspace]`.
const WORKSPACE_KEYS: [&str; 3] = ["exclude", "max_file_size", "max_files"];

/// The table a settings key written in the wrong place belongs in (`[workspace]`, `[build]`),
/// or `[lints]` for a rule code: not `table`'s own.
fn home(key: &str, table: &str) -> Option<&'static str> {
    let home = if WORKSPACE_KEYS.contains(&key) {
        "[workspace]"
    } else if key == "output" {
        "[build]"
    } else if Code::parse(key).is_some() {
        "[lints]"
    } else {
        return None;
    };
    (home != table).then_some(home)
}

/// The help for `key`, written in `table`, that belongs in `home` (see [`home`]).
fn moved(key: &str, home: &str) -> String {
    if home == "[lints]" {
        format!(
            "`{key}` is a rule code: levels go below a `[lints]` header, e.g. `{key} = \"allow\"`"
        )
    } else {
        format!("`{key}` belongs in `{home}`: move it below a `{home}` header")
    }
}

/// The `elsewhere` hints of the settings table `what` (`nimbus.toml` for the top level): the
/// keys of the other tables, and rule codes outside `[lints]`. Made once per table.
fn misplaced(what: &str) -> &'static [(&'static str, &'static str)] {
    use std::sync::OnceLock;
    static TOP: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    static WORKSPACE: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    static BUILD: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    let (cell, table) = match what {
        "nimbus.toml" => (&TOP, ""),
        "[workspace]" => (&WORKSPACE, "[workspace]"),
        "[build]" => (&BUILD, "[build]"),
        _ => return &[],
    };
    cell.get_or_init(|| {
        let keys = (WORKSPACE_KEYS.iter().copied())
            .chain(["output"])
            .chain(Code::ALL.iter().map(|c| c.as_str()));
        keys.filter_map(|key| {
            let hint: &'static str = Box::leak(moved(key, home(key, table)?).into_boxed_str());
            Some((key, hint))
        })
        .collect()
    })
}

/// True when `key` is one of `nimbus.toml`'s: a table, a key of `[workspace]` or `[build]`,
/// or a rule code of `[lints]`.
pub(crate) fn is_settings_key(key: &str) -> bool {
    TOP_KEYS.contains(&key) || home(key, "").is_some()
}

/// The tables of `nimbus.toml`.
const TOP_KEYS: [&str; 3] = ["workspace", "build", "lints"];

fn read(r: &mut Reader<'_>, doc: &DeTable<'_>, settings: &mut Settings) {
    let top = Schema {
        what: "nimbus.toml".into(),
        known: &TOP_KEYS,
        aliases: &[("lint", "lints")],
        elsewhere: if doc.keys().any(|k| !TOP_KEYS.contains(&key_str(k))) {
            top_elsewhere()
        } else {
            &[]
        },
        id: "",
        im_place: "",
        by_value: &[],
        dotted: None,
    };
    let m = r.unknown_keys(doc, &top);
    if let Some(t) = table(r, doc, "workspace", &m) {
        read_workspace(r, t, settings);
    }
    if let Some(t) = table(r, doc, "build", &m) {
        read_build(r, t, settings);
    }
    if let Some(t) = table(r, doc, "lints", &m) {
        read_lints(r, t, settings);
    }
}

/// The `elsewhere` hints of the top level: entities, then the keys of the tables.
fn top_elsewhere() -> &'static [(&'static str, &'static str)] {
    static TOP: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    const ENTITIES: &str =
        "entities go in the other .toml files of the workspace, not in nimbus.toml";
    TOP.get_or_init(|| {
        (["ou", "connector", "messaging_entry", "service"].iter())
            .map(|&k| (k, ENTITIES))
            .chain(misplaced("nimbus.toml").iter().copied())
            .collect()
    })
}

/// `[workspace]`: `exclude` globs and the limits.
fn read_workspace(r: &mut Reader<'_>, t: &DeTable<'_>, settings: &mut Settings) {
    let wm = r.unknown_keys(t, &schema("[workspace]", &WORKSPACE_KEYS, t));
    let mut globs = r
        .strings(t, "exclude", &wm, "exclude = [\"drafts/**\"]")
        .items;
    // One glob written as a string is reported as the wrong type (with the list as the
    // fix) and applied as meant.
    if let Some(v) = t.get("exclude")
        && let DeValue::String(glob) = v.get_ref()
    {
        globs.push(Sp {
            value: crate::model::Text::from(glob.as_ref()),
            span: r.span(v.span()),
        });
    }
    for glob in globs {
        if crate::load::unescaped_brace(&glob.value) {
            r.diagnostics
                .push(invalid_value::glob_braces(glob.span, &glob.value));
            continue;
        }
        if let Some(rest) = glob.value.strip_prefix("./") {
            r.diagnostics
                .push(invalid_value::glob_dot_slash(glob.span, &glob.value, rest));
            continue;
        }
        match ignore::gitignore::GitignoreBuilder::new("/").add_line(None, &glob.value) {
            Ok(_) => settings.exclude.push(glob),
            Err(e) => r.diagnostics.push(invalid_value::bad_glob(
                glob.span,
                &glob.value,
                &e.to_string(),
            )),
        }
    }
    // Places in a file are kept in 32 bits.
    if let Some(n) = count(r, t, "max_file_size", u64::from(u32::MAX)) {
        settings.max_file_size = n;
    }
    if let Some(n) = count(r, t, "max_files", u64::MAX) {
        settings.max_files = n;
    }
}

/// `[build]`: `output`, a file path inside the workspace.
fn read_build(r: &mut Reader<'_>, t: &DeTable<'_>, settings: &mut Settings) {
    let bm = r.unknown_keys(t, &schema("[build]", &["output"], t));
    let output = r
        .string(t, "output", &bm, "output = \"dist/bundle.json\"")
        .get()
        .cloned();
    match output {
        Some(o) if o.value.as_str() == "-" => {
            r.diagnostics.push(invalid_value::output_dash(o.span))
        }
        Some(o) if !names_a_file(&o.value) => r
            .diagnostics
            .push(invalid_value::not_a_file_path(o.span, &o.value)),
        Some(o) if leaves_the_workspace(&o.value) => r
            .diagnostics
            .push(invalid_value::output_outside(o.span, &o.value)),
        Some(o) if is_hidden(&o.value) => r
            .diagnostics
            .push(invalid_value::output_hidden(o.span, &o.value)),
        output => settings.output = output,
    }
}

/// `[lints]`: a level for each rule code.
fn read_lints(r: &mut Reader<'_>, t: &DeTable<'_>, settings: &mut Settings) {
    let mut entries: Vec<_> = t.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    // The code each unknown key's spelling points at: not one the table sets already (the
    // rename would make a duplicate key); one two keys point at is renamed in neither.
    let meant: Vec<Option<Code>> = (entries.iter())
        .map(|(key, _)| {
            let name = key_str(key);
            Code::parse(name)
                .is_none()
                .then(|| Code::nearest(name))
                .flatten()
                .filter(|c| !t.contains_key(c.as_str()))
        })
        .collect();
    // How many keys point at each code: counted once, asked for every key.
    let mut wanted: rustc_hash::FxHashMap<Code, usize> = rustc_hash::FxHashMap::default();
    for c in meant.iter().flatten() {
        *wanted.entry(*c).or_default() += 1;
    }
    for ((key, value), suggestion) in entries.into_iter().zip(&meant) {
        let name = key_str(key);
        let code = Code::parse(name);
        // A rule that cannot be lowered takes no other level than `"error"`.
        let hard = code.or(*suggestion).filter(|c| c.rule().hard);
        if code.is_none() {
            let error = matches!(value.get_ref(), DeValue::String(l) if Level::parse(l) == Some(Level::Error));
            let lowered = hard.filter(|_| !error);
            let certain = suggestion.is_some_and(|c| wanted[&c] == 1) && lowered.is_none();
            let mut d = crate::rules::unknown_field::unknown_lint(
                r.span(key.span()),
                name,
                *suggestion,
                certain,
            );
            if let Some(c) = lowered {
                d.help = format!(
                    "did you mean `{c}`? It cannot be lowered: {}",
                    lowered_why(c)
                );
            }
            if let Some(home) = home(name, "[lints]") {
                d.help = moved(name, home);
            }
            r.diagnostics.push(d);
            // A key that names no code has no level to judge (`exclude = […]`, another
            // table's): one mistake, one diagnostic.
            if suggestion.is_none() {
                continue;
            }
        }
        let DeValue::String(level) = value.get_ref() else {
            lint_not_a_string(r, value, name, hard);
            continue;
        };
        let span = r.span(value.span());
        // Named as meant: a misspelled code's help names the code it is taken for.
        let meant: &str = match code.or(*suggestion) {
            Some(c) => c.as_str(),
            None => name,
        };
        // A misspelled code's level is judged too: both mistakes at once, each with its fix.
        let Some(level) = Level::parse(level) else {
            let suggestion =
                level_meant(level).or_else(|| crate::suggest::nearest(level, Level::NAMES));
            let mut d = invalid_value::not_a_choice(
                span,
                meant,
                "level",
                level,
                &Level::NAMES,
                suggestion.as_slice(),
            );
            if let Some(c) = hard.filter(|_| suggestion != Some("error")) {
                d.fix = None;
                d.help = format!("`{c}` cannot be lowered: {}", lowered_why(c));
            }
            r.diagnostics.push(d);
            continue;
        };
        let Some(code) = code else { continue };
        if code.rule().hard && level != Level::Error {
            r.diagnostics
                .push(invalid_value::hard_error_lowered(span, code));
            continue;
        }
        settings.lints.push((code, Sp { value: level, span }));
    }
}

/// The level other linters' spelling means (clippy's and ruff's `warn`, `deny`, eslint's
/// `off`).
fn level_meant(level: &str) -> Option<&'static str> {
    match level.trim().to_ascii_lowercase().as_str() {
        "warn" | "warnings" => Some("warning"),
        "deny" | "forbid" | "err" | "errors" => Some("error"),
        "off" | "ignore" | "none" | "disable" | "disabled" | "allowed" => Some("allow"),
        _ => None,
    }
}

/// True when `path` can name a file: not empty, not ending in `/` (or `\\`), and its last
/// part neither `.` nor `..`.
pub(crate) fn names_a_file(path: &str) -> bool {
    !path.ends_with(['/', '\\'])
        && std::path::Path::new(path)
            .components()
            .next_back()
            .is_some_and(|c| matches!(c, std::path::Component::Normal(_)))
}

/// True when `path` may lead out of the workspace or into a hidden folder: absolute, above
/// the root through `..`, or through a folder whose name starts with `.` (`.git/hooks`). A
/// repository's settings must not make `build` write over files that are not its own; `-o`,
/// which the user types, may.
fn leaves_the_workspace(path: &str) -> bool {
    use std::path::Component;
    let mut depth = 0usize;
    for c in std::path::Path::new(path).components() {
        match c {
            Component::CurDir => {}
            Component::Normal(_) => depth += 1,
            Component::ParentDir if depth == 0 => return true,
            Component::ParentDir => depth -= 1,
            Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    // `~/…` and `~user/…`: a home folder, which a shell would expand (`~b.json` is a name).
    path == "~" || path.starts_with('~') && path.contains(['/', '\\'])
}

/// True when `path` names a hidden file or goes through a hidden folder (`.git/hooks/…`):
/// the walk never reads them, and the bundle has no business there.
fn is_hidden(path: &str) -> bool {
    (std::path::Path::new(path).components()).any(
        |c| matches!(c, std::path::Component::Normal(n) if n.to_string_lossy().starts_with('.')),
    )
}

/// A sub-table of the settings; anything else is reported.
fn table<'t, 'i>(
    r: &mut Reader<'_>,
    doc: &'t DeTable<'i>,
    key: &str,
    m: &super::reader::Misspelled,
) -> Option<&'t DeTable<'i>> {
    let value = r.value(doc, key, m).ok()?;
    match value.get_ref() {
        DeValue::Table(t) => Some(t),
        _ => {
            r.wrong_type(value, key, "a table", &format!("[{key}]"));
            None
        }
    }
}

/// A positive integer setting.
fn count(r: &mut Reader<'_>, t: &DeTable<'_>, key: &str, max: u64) -> Option<u64> {
    let value = t.get(key)?;
    let n = match value.get_ref() {
        DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    };
    match n {
        Some(n) if n > max => {
            r.diagnostics
                .push(invalid_value::count_over(r.span(value.span()), key, max));
            None
        }
        Some(n) if n > 0 => Some(n),
        _ => {
            r.diagnostics
                .push(invalid_value::not_a_count(r.span(value.span()), key));
            None
        }
    }
}

/// Why `code`, a rule that cannot be lowered, takes no level but `"error"`: what the help of
/// a fix withheld says.
fn lowered_why(code: Code) -> String {
    format!(
        "it stays an error ({}), so no level but `\"error\"` is accepted; fix the problem instead, or remove this line",
        code.why_hard()
    )
}

/// A rule's level written as something else than a string: `false` (or `0`, `"off"`'s
/// meaning) turns the rule off, so it is told to write `"allow"`, with a fix (not for a rule
/// that cannot be lowered, `hard`: the help says so); `true` and the rest are shown the three
/// levels.
fn lint_not_a_string(
    r: &mut Reader<'_>,
    value: &toml::Spanned<DeValue<'_>>,
    name: &str,
    hard: Option<Code>,
) {
    let off = match value.get_ref() {
        DeValue::Boolean(b) => !*b,
        DeValue::Integer(i) => {
            (i.as_str().trim_start_matches(['+', '-']).bytes()).all(|b| b == b'0')
        }
        _ => false,
    };
    let span = r.span(value.span());
    let example = format!("{name} = \"allow\"");
    let d = invalid_value::wrong_type(span, name, "a string", type_name(value), &example);
    r.diagnostics.push(if let Some(c) = hard.filter(|_| off) {
        d.help(format!("`{c}` cannot be lowered: {}", lowered_why(c)))
    } else if off {
        d.help(format!(
            "a rule is turned off with the level `\"allow\"`: write `{name} = \"allow\"`"
        ))
        .fix_string(span, "allow")
    } else {
        d.help(format!(
            "a level is a string, `\"allow\"`, `\"warning\"` or `\"error\"`: e.g. `{name} = \"error\"`"
        ))
    });
}
