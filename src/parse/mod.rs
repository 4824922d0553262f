//! Parse: TOML text → the typed, spanned model of one file.
//!
//! **Invariant:** parsing never fails. It returns what it could read *and* every problem it met:
//! one `syntax` diagnostic for a file that is not TOML, and for a TOML file every unknown key,
//! every wrong type and every value outside its set, each at its exact span.

pub(crate) mod lines;
mod reader;
pub mod settings;
mod suppress;

use rayon::prelude::*;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::diagnostic::Diagnostic;
use crate::model::{
    Channel, Connector, Def, Field, Im, ImForm, Kind, MessagingEntry, Ou, Secret, SecretHit,
    Service, Sp, Suppression, Text,
};
use crate::rules::secret_in_config::is_secret_shaped;
use crate::rules::unknown_field::KindRename;
use crate::rules::{invalid_value, syntax};
use crate::source::{FileId, SourceFile, Span};
use reader::{Misspelled, Reader, Schema, key_str};

/// What one piece of the workspace contributes: a whole entity file, one batch of a large
/// one, or several small files read together (`parse_pieces` returns them in file order),
/// which resolve consumes one by one.
#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    /// True when the file is not valid TOML (or not UTF-8): it contributes no entities, and
    /// rules that conclude something is missing stay quiet.
    pub broken: bool,
    /// OUs, in the order of the file.
    pub ous: Vec<Ou>,
    /// Connectors, in the order of the file.
    pub connectors: Vec<Connector>,
    /// Messaging entries, in the order of the file.
    pub entries: Vec<MessagingEntry>,
    /// Services, in the order of the file.
    pub services: Vec<Box<Service>>,
    /// `# nimbus-lint: allow(..)` comments.
    pub suppressions: Vec<Suppression>,
    /// Strings shaped like credentials.
    pub secrets: Vec<SecretHit>,
    /// Strings whose words are not looked for in their text: basic strings written with
    /// escapes (`"Intro\n…"`), whose words were looked for in their values (the words of their
    /// text are not theirs), and SIDs mistyped (`SK` and 30 hex digits), no credentials.
    pub words_read: Vec<Span>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
    /// Definitions written with the wrong type (`[ou] sales = "x"`: the id; `ou = 1`: every id
    /// of the kind): already reported, so references to them are not reported again.
    pub unreadable: Vec<(Kind, Option<Text>)>,
    /// Misspelled kinds that a fix renames, which resolve weighs against the other files.
    pub renames: Vec<KindFix>,
    /// `ou` keys of OUs that a fix renames to `parent`, which resolve weighs against the OU
    /// tree.
    pub parent_guesses: Vec<ParentGuess>,
}

/// An OU's `ou = "x"`, which a fix renames to `parent` (see [`ParsedFile::parent_guesses`]):
/// when `x` is an OU below it, the rename would make a loop, and is not made.
#[derive(Clone, Debug)]
pub struct ParentGuess {
    /// Index of its `unknown-field` diagnostic in [`ParsedFile::diagnostics`].
    pub diagnostic: usize,
    /// The OU's id.
    pub ou: Text,
    /// The OU the key names.
    pub value: Text,
}

/// A misspelled kind's rename (`[services.x]` to `[service.x]`), certain within its file: the
/// ids of its table, which another file may define under the kind already.
#[derive(Clone, Debug)]
pub struct KindFix {
    /// Index of its `unknown-field` diagnostic in [`ParsedFile::diagnostics`].
    pub diagnostic: usize,
    /// The kind it renames to.
    pub kind: Kind,
    /// The ids of the table renamed.
    pub ids: Vec<Box<str>>,
}

/// The top-level tables an entity file may hold.
const KINDS: &[&str] = &["ou", "connector", "messaging_entry", "service"];

/// Files larger than this are split into batches of about this size, parsed in parallel: the
/// parse tree of one batch at a time is all the memory parsing needs.
const BATCH: usize = 64 * 1024;

/// Parses one entity file into one [`ParsedFile`].
pub fn parse_entities(id: FileId, file: &SourceFile) -> ParsedFile {
    let mut pieces = parse_pieces(id, file).into_iter();
    let mut out = pieces.next().unwrap_or_default();
    for p in pieces {
        out.append(p);
    }
    out
}

impl ParsedFile {
    /// Adds what `next` holds after what `self` holds: the pieces of consecutive files (or
    /// batches) read as one, which is all resolve needs of them.
    pub fn append(&mut self, next: ParsedFile) {
        let ParsedFile {
            broken,
            ous,
            connectors,
            entries,
            services,
            suppressions,
            secrets,
            diagnostics,
            unreadable,
            renames,
            parent_guesses,
            words_read,
        } = next;
        let shift = self.diagnostics.len();
        self.parent_guesses
            .extend(parent_guesses.into_iter().map(|g| ParentGuess {
                diagnostic: g.diagnostic + shift,
                ..g
            }));
        self.renames.extend(renames.into_iter().map(|r| KindFix {
            diagnostic: r.diagnostic + shift,
            ..r
        }));
        self.broken |= broken;
        self.ous.extend(ous);
        self.connectors.extend(connectors);
        self.entries.extend(entries);
        self.services.extend(services);
        self.suppressions.extend(suppressions);
        self.secrets.extend(secrets);
        self.diagnostics.extend(diagnostics);
        self.unreadable.extend(unreadable);
        self.words_read.extend(words_read);
    }
}

/// Parses one entity file in pieces, in file order: one, or one per batch of a large file
/// (the pipeline hands the pieces to resolve without merging them first).
pub fn parse_pieces(id: FileId, file: &SourceFile) -> Vec<ParsedFile> {
    if let Some(d) = unparsable(id, file) {
        return vec![ParsedFile {
            broken: true,
            diagnostics: vec![d],
            ..ParsedFile::default()
        }];
    }
    let text: &str = &file.text;
    let whole = Whole::new(text);
    let mut parts = match lines::batches(text, BATCH) {
        Some(ranges) => {
            let parts: Vec<ParsedFile> = ranges
                .par_iter()
                .map(|b| match &b.within {
                    // Inside a bare `[kind]` table: that header, then the batch, which keeps
                    // its place in the file (the header's own span is never reported).
                    Some(header) => {
                        let prefixed =
                            format!("{}\n{}", &text[header.clone()], &text[b.range.clone()]);
                        let base = b.range.start - (header.len() + 1);
                        parse_batch(id, &prefixed, base, &whole)
                    }
                    None => parse_batch(id, &text[b.range.clone()], b.range.start, &whole),
                })
                .collect();
            if batches_agree(&parts) {
                parts
            } else {
                vec![parse_batch(id, text, 0, &whole)]
            }
        }
        None => vec![parse_batch(id, text, 0, &whole)],
    };
    if !parts.iter().any(|p| p.broken) && may_hold_directive(text) {
        let (suppressions, diags, secrets) = suppress::scan(id, text, &parts);
        parts[0].suppressions = suppressions;
        parts[0].diagnostics.extend(diags);
        parts[0].secrets.extend(secrets);
    }
    if !parts.iter().any(|p| p.broken) {
        let loose = loose_secrets(id, text, &parts);
        parts[0].secrets.extend(loose);
    }
    parts
}

/// The syntax fixes of `text`, a file that does not parse (bare text values quoted, `;`
/// comments given `#`, …), as the parse of the file would give them one at a time (it stops
/// at the first error): each top-level statement read alone, with its table's header for `explained`'s care for what may be
/// a credential. `check --fix` takes these from the lines: one pass, not a parse of the file
/// for each.
///
/// As the parse would, the pass stops at the first line with an error and no fix (a broken
/// header, a line that is no key). It also stops before the first multi-line string: a bare
/// value with quotes in it could make the lines after read otherwise than the parser reads
/// them. A value that spans lines (an array, an inline table) is read whole, and each
/// statement's fixes are found one after another (`statement_fixes`: a list's missing
/// commas, a value quoted then its `;` comment given `#`); an INI comment line (`; note`) is
/// read as a statement.
pub fn bare_value_fixes(id: FileId, text: &str) -> Vec<crate::diagnostic::Fix> {
    let mut out = Vec::new();
    let limit = [text.find("\"\"\""), text.find("'''")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(text.len());
    // The last table header's line: what `explained` needs around a line (a secret's table),
    // given with the line alone, so that no line is read back to its header again.
    let mut header: Option<std::ops::Range<usize>> = None;
    let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i);
    let errors = |line: &str| DeTable::parse_recoverable(line).1;
    let mut top = lines::top_level(text).peekable();
    while let Some(l) = top.next() {
        let end = line_end(l.text_start);
        if end > limit {
            break;
        }
        let raw = &text[l.text_start..end];
        let line = raw.trim_end_matches('\r');
        match l.line {
            lines::Line::Header { .. } => {
                if !errors(line).is_empty() {
                    break;
                }
                header = Some(l.text_start..end);
                continue;
            }
            lines::Line::Key(_) => {}
            lines::Line::Blank | lines::Line::Comment(_) => continue,
            // An INI comment line (`; note`): mended as a statement is.
            lines::Line::Other if line.starts_with(';') => {}
            lines::Line::Other => break,
        }
        // A statement that goes on past its line (the next top-level line is not the next
        // line), an array or inline table spread over lines: read whole.
        // (From its indent's blanks: a fix that adds a line indents it alike.)
        let next = top.peek().map_or(text.len(), |n| n.start).max(end);
        let from = text[..l.text_start].trim_end_matches([' ', '\t']).len();
        let statement = match next > end + 1 {
            true => &text[from..next],
            false => &text[from..end],
        };
        // The header's line, then the statement, placed where it is in the file.
        let context = match &header {
            Some(h) => format!("{}\n{statement}", &text[h.clone()]),
            None => statement.to_owned(),
        };
        let base = from - (context.len() - statement.len());
        let (fixes, mended) = statement_fixes(id, context, base, from);
        out.extend(fixes);
        if !mended {
            break;
        }
    }
    out
}

/// At most this many fixes are found in one statement by [`statement_fixes`]: each costs a
/// parse of the statement.
const STATEMENT_FIXES: usize = 64;

/// The fixes of one statement, one after another as rounds of `check --fix` would make them:
/// `context` is its header's line then the statement, at `base` of the file, the statement
/// from `from`. Each next fix is found in the statement mended by those before, after them,
/// and placed back in the file's text. True with them when the statement then parses; false
/// when an error is left with no fix (the parse of the file would stop there).
fn statement_fixes(
    id: FileId,
    mut context: String,
    base: usize,
    from: usize,
) -> (Vec<crate::diagnostic::Fix>, bool) {
    let mut out = Vec::new();
    // Where the statement starts in `context`, and where the last fix's text ends there.
    let first = from - base;
    let mut done = first;
    // How far the fixes so far moved the text after them (bytes added).
    let mut shift: isize = 0;
    for _ in 0..STATEMENT_FIXES {
        let statement = context[first..].trim_end_matches(['\r', '\n']);
        let errors = DeTable::parse_recoverable(statement).1;
        let Some((span, err)) = (errors.iter().filter_map(|e| Some((e.span()?, e))))
            .min_by_key(|(s, _)| (s.start, s.end))
        else {
            return (out, true);
        };
        let at = |o: usize| (base + first + o.min(statement.len())) as u32;
        let d = syntax::diagnostic(
            Span {
                file: id,
                start: at(span.start),
                end: at(span.end.max(span.start)),
            },
            err.message(),
        );
        let Some(mut fix) = syntax::explained(d, &context, base).fix else {
            return (out, false);
        };
        let place = |at: u32| (at as usize).checked_sub(base);
        let (Some(start), Some(end)) = (place(fix.span.start), place(fix.span.end)) else {
            return (out, false);
        };
        if start < done || end > context.len() || fix.span.file != id {
            return (out, false);
        }
        context.replace_range(start..end, &fix.text);
        done = start + fix.text.len();
        let placed = |o: usize| (o as isize + base as isize - shift) as u32;
        (fix.span.start, fix.span.end) = (placed(start), placed(end));
        shift += fix.text.len() as isize - (end - start) as isize;
        out.push(fix);
    }
    (out, false)
}

/// The fixes applied to one file together (`check --fix`, the editor's fix-all): its
/// compatible `fixes`, or, in a file that does not parse (`broken`), every bare value its parse
/// would meet one at a time ([`bare_value_fixes`], the first of them among `fixes`).
///
/// A file that parses must still parse once fixed: a fix never costs a file its reading.
/// When the fixes together would, none is made, and the error says why.
pub fn fixes_together(
    id: FileId,
    text: &str,
    fixes: &[&crate::diagnostic::Fix],
    broken: bool,
) -> Result<Vec<crate::diagnostic::Fix>, &'static str> {
    let bare = if broken {
        bare_value_fixes(id, text)
    } else {
        Vec::new()
    };
    if !bare.is_empty() {
        return Ok(bare);
    }
    let fixes: Vec<crate::diagnostic::Fix> = fixes.iter().map(|&f| f.clone()).collect();
    let parsed = |t: &str| DeTable::parse(t).is_ok();
    if !broken && parsed(text) {
        let fixed = crate::diagnostic::apply(text, &fixes.iter().collect::<Vec<_>>());
        if !parsed(&fixed) {
            return Err("the fixes would break its syntax");
        }
    }
    Ok(fixes)
}

/// True when batches parsed apart mean what the whole file means: none has a syntax error
/// (which the whole file reports at its own place) and no entity spans two batches.
fn batches_agree(parts: &[ParsedFile]) -> bool {
    if parts.iter().any(|p| p.broken) {
        return false;
    }
    let mut home: rustc_hash::FxHashMap<(Kind, &str), usize> = rustc_hash::FxHashMap::default();
    for (i, p) in parts.iter().enumerate() {
        let ids = p
            .ous
            .iter()
            .map(|e| (Kind::Ou, e.def.id.as_str()))
            .chain(
                p.connectors
                    .iter()
                    .map(|e| (Kind::Connector, e.def.id.as_str())),
            )
            .chain(
                p.entries
                    .iter()
                    .map(|e| (Kind::MessagingEntry, e.def.id.as_str())),
            )
            .chain(
                p.services
                    .iter()
                    .map(|e| (Kind::Service, e.def.id.as_str())),
            );
        for key in ids {
            if *home.entry(key).or_insert(i) != i {
                return false;
            }
        }
    }
    true
}

/// A file whole, as each of its batches sees it: its text, and what a misspelled kind's
/// rename needs to know of its top-level keys, read once for all of them.
struct Whole<'a> {
    text: &'a str,
    top: std::sync::OnceLock<TopKeys>,
}

impl<'a> Whole<'a> {
    fn new(text: &'a str) -> Self {
        Whole {
            text,
            top: std::sync::OnceLock::new(),
        }
    }

    fn top(&self) -> &TopKeys {
        self.top.get_or_init(|| TopKeys::of(self.text))
    }
}

/// The first keys of a file's table headers, and of its dotted keys above them.
#[derive(Default)]
struct TopKeys {
    /// By first key: the lines (1-based) of the headers it opens, the second keys of those
    /// with two parts (`[service.x]`), and whether one is that key alone (`[service]`).
    headers: rustc_hash::FxHashMap<String, (Vec<u32>, rustc_hash::FxHashSet<String>, bool)>,
    /// By first and second key named in deeper headers only (`[service.x.instant_messaging]`
    /// with no `[service.x]`): the third keys.
    sub_tables: rustc_hash::FxHashMap<(String, String), rustc_hash::FxHashSet<String>>,
    /// First keys of the dotted keys above the first header.
    above: rustc_hash::FxHashSet<String>,
    /// A header or key there holds a backslash (`["\u0073ervice".x]`): keys compared as
    /// written could miss a clash.
    escaped: bool,
}

impl TopKeys {
    fn of(text: &str) -> TopKeys {
        let mut top = TopKeys::default();
        let mut before_headers = true;
        // The line of each header, counted as the lines go by.
        let (mut line, mut counted) = (1, 0);
        for l in lines::top_level(text) {
            let escaped = || lines::escaped_key(text, &l);
            match &l.line {
                lines::Line::Header { path, .. } => {
                    before_headers = false;
                    top.escaped |= escaped();
                    line += text[counted..l.start].matches('\n').count() as u32;
                    counted = l.start;
                    let Some(first) = path.first() else { continue };
                    let entry = top.headers.entry(first.clone()).or_default();
                    entry.0.push(line);
                    match (path.get(1), path.get(2)) {
                        (Some(second), Some(third)) => {
                            (top.sub_tables)
                                .entry((first.clone(), second.clone()))
                                .or_default()
                                .insert(third.clone());
                        }
                        (Some(second), None) => {
                            entry.1.insert(second.clone());
                        }
                        (None, _) => entry.2 = true,
                    }
                }
                lines::Line::Key(body) if before_headers => {
                    top.escaped |= escaped();
                    if let Some(first) = lines::key_path(body).into_iter().next() {
                        top.above.insert(first);
                    }
                }
                _ => {}
            }
        }
        top
    }
}

/// Whether the top-level table `name` of a file whose top-level keys are `top`, an unknown
/// kind of entity, can be renamed `suggested` by one edit of its key: written in one header,
/// and with no header or top-level key of `suggested` that the rename would clash with (the
/// bare `[suggested]`, or an id of `table`'s under it).
fn kind_rename(top: &TopKeys, name: &str, suggested: &str, table: &DeTable<'_>) -> KindRename {
    // Another misspelling of the same kind in the file (`[servics.x]` and `[services.x]`):
    // renamed both, they could define one table twice.
    let rivals = (top.headers.keys().chain(&top.above))
        .filter(|k| *k != name && *k != suggested && kind_meant(k) == Some(suggested))
        .take(1)
        .count();
    let clash = !near_kind(name, suggested)
        || rivals > 0
        || top.escaped
        || top.above.contains(name)
        || top.above.contains(suggested)
        || top.headers.get(suggested).is_some_and(|(_, ids, bare)| {
            *bare || table.keys().any(|id| ids.contains(key_str(id)))
        })
        // A sub-table of the id written right (`[service.x.instant_messaging]` below
        // `[services.x]`) is the entity's own once renamed, unless the table holds it too.
        || table.iter().any(|(id, value)| {
            let Some(subs) = (top.sub_tables).get(&(suggested.to_owned(), key_str(id).to_owned()))
            else {
                return false;
            };
            match value.get_ref() {
                DeValue::Table(t) => t.keys().any(|k| subs.contains(key_str(k))),
                _ => true,
            }
        });
    let lines = top.headers.get(name).map_or(&[][..], |(lines, ..)| lines);
    match lines {
        _ if clash => KindRename::Unsafe,
        [] => KindRename::Unsafe,
        [_] => KindRename::Safe,
        _ => KindRename::Headers(lines.to_vec()),
    }
}

/// Parses `text` (the file, or a batch of it starting at byte `base`); `whole` is the file.
fn parse_batch(id: FileId, text: &str, base: usize, whole: &Whole<'_>) -> ParsedFile {
    let mut out = ParsedFile::default();
    // Indexed in `r.diagnostics` until they join `out.diagnostics`.
    let mut renames = Vec::new();
    let (mut doc, broken) = parse_toml(id, text, base, &mut out.diagnostics);
    let mut r = Reader::new(id, text, base);
    if broken {
        r.secrets.extend(syntax::bare_secrets(id, text, base));
    }
    if !broken {
        move_keys_above_headers(&mut r, text, doc.get_mut());
        let mut keys: Vec<_> = doc.get_ref().iter().collect();
        keys.sort_by_key(|(k, _)| k.span().start);
        for (key, value) in keys {
            let name = key_str(key);
            match Kind::ALL.iter().find(|k| k.key() == name) {
                Some(&kind) => read_kind(&mut r, kind, value, &mut out),
                None => {
                    let before = r.diagnostics.len();
                    r.unknown_keys(&single(key, value), &entity_file_schema());
                    // `[[services]]` too is a table of the file, meant as a kind.
                    let tables = array_of_tables(&r, value);
                    let table = matches!(value.get_ref(), DeValue::Table(_)) || tables;
                    if r.diagnostics.len() > before
                        && let Some(mut d) = r.diagnostics.pop()
                    {
                        let rename = match (&d.fix, value.get_ref()) {
                            (Some(fix), DeValue::Table(t)) => {
                                let rename = kind_rename(whole.top(), name, &fix.text, t);
                                if let (KindRename::Safe, Some(&kind)) =
                                    (&rename, Kind::ALL.iter().find(|k| k.key() == fix.text))
                                {
                                    renames.push(KindFix {
                                        diagnostic: r.diagnostics.len(),
                                        kind,
                                        ids: t.keys().map(|id| key_str(id).into()).collect(),
                                    });
                                }
                                rename
                            }
                            // `[[services]]`: renamed, it would be an array still.
                            (Some(fix), _) if tables => {
                                d.help = format!(
                                    "did you mean `{}`? entities are tables keyed by their id, not an array of tables",
                                    entity_example(&fix.text, value)
                                );
                                KindRename::Unsafe
                            }
                            _ => KindRename::Unsafe,
                        };
                        let d = crate::rules::unknown_field::unknown_kind(d, name, table, rename);
                        r.diagnostics.push(d);
                    }
                }
            }
        }
    }
    out.broken = broken;
    r.scan_secrets(doc.get_ref(), true);
    let shift = out.diagnostics.len();
    for g in &mut out.parent_guesses {
        g.diagnostic += shift;
    }
    out.renames = (renames.into_iter())
        .map(|f| KindFix {
            diagnostic: f.diagnostic + shift,
            ..f
        })
        .collect();
    out.diagnostics.append(&mut r.diagnostics);
    out.secrets = r.secrets;
    out.words_read = r.words_read;
    // Batches are many and small: give back the slack of their growth.
    out.services.shrink_to_fit();
    out.entries.shrink_to_fit();
    out.connectors.shrink_to_fit();
    out.ous.shrink_to_fit();
    out
}

/// Words of `text`, a file that parses, shaped like an API key secret that no value, key or
/// comment code of `parts` holds whole: in a comment, or inside a longer string (`"key:
/// Abc…"`). Credentials never belong in these files, there either: each is a secret, and
/// reported. (32 hex digits alone are not: those are checksums as often as auth tokens.)
fn loose_secrets(id: FileId, text: &str, parts: &[ParsedFile]) -> Vec<SecretHit> {
    let words = crate::rules::secret_in_config::shaped_words(text, false);
    if words.is_empty() {
        return Vec::new();
    }
    // What was read already: the hits, and the strings read in their values (a hit of one of
    // those lies inside it), merged into ranges that do not overlap.
    let mut spans: Vec<std::ops::Range<usize>> = (parts.iter())
        .flat_map(|p| {
            p.secrets
                .iter()
                .map(|h| h.span)
                .chain(p.words_read.iter().copied())
        })
        .map(|s| s.range())
        .collect();
    spans.sort_unstable_by_key(|k| k.start);
    let mut known: Vec<std::ops::Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match known.last_mut() {
            Some(last) if s.start < last.end => last.end = last.end.max(s.end),
            _ => known.push(s),
        }
    }
    // The entity of a word is the one whose header is the last above it, or, in the comment
    // lines right above a header, that header's (as for a suppression comment there): a
    // suppression comment on that entity covers the word.
    let mut headers: Vec<(u32, Kind, &crate::model::Text)> = (parts.iter())
        .flat_map(|p| {
            (p.ous.iter().map(|e| (Kind::Ou, &e.def)))
                .chain(p.connectors.iter().map(|e| (Kind::Connector, &e.def)))
                .chain(p.entries.iter().map(|e| (Kind::MessagingEntry, &e.def)))
                .chain(p.services.iter().map(|e| (Kind::Service, &e.def)))
        })
        .map(|(kind, def)| (def.header.start, kind, &def.id))
        .collect();
    headers.sort_unstable_by_key(|h| h.0);
    let comments_from: Vec<usize> = headers
        .iter()
        .map(|h| comments_above(text, h.0 as usize))
        .collect();
    (words.into_iter())
        .filter(|w| {
            let at = known.partition_point(|k| k.end <= w.start);
            known.get(at).is_none_or(|k| k.start >= w.end)
        })
        .map(|w| {
            let above = headers.partition_point(|h| h.0 as usize <= w.start);
            let below = (comments_from.get(above)).is_some_and(|&from| from <= w.start);
            let entity = (if below {
                Some(above)
            } else {
                above.checked_sub(1)
            })
            .map(|i| (headers[i].1, headers[i].2.clone()));
            SecretHit {
                span: Span::new(id, w.clone()),
                value: text[w].to_owned(),
                literal_secret: false,
                key: None,
                entity,
                loose: true,
            }
        })
        .collect()
}

/// Where the comment lines right above the line of byte `at` begin (no blank line between):
/// `at`'s line start when there are none.
pub(crate) fn comments_above(text: &str, at: usize) -> usize {
    let mut start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let before = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !text[before..start].trim_start().starts_with('#') {
            break;
        }
        start = before;
    }
    start
}

/// Keys written above a file's first header (`license = …` pasted above `[service.x]`),
/// which TOML puts in no entity. A key that the entity of the first header takes, and does
/// not have, is reported where it is written and read into that entity, as meant (no
/// `missing-field` on top). Other keys stay for the top level's own check (`unknown-field`,
/// a misspelled kind).
fn move_keys_above_headers(r: &mut Reader<'_>, text: &str, doc: &mut DeTable<'_>) {
    let field = |name: &str| {
        IM_KEYS.contains(&name) || Kind::ALL.iter().any(|&k| keys_of(k).contains(&name))
    };
    let mut stray: Vec<Spanned<DeString<'_>>> = (doc.iter())
        .filter(|(k, v)| !matches!(v.get_ref(), DeValue::Table(_)) && field(key_str(k)))
        .map(|(k, _)| k.clone())
        .collect();
    if stray.is_empty() {
        return;
    }
    stray.sort_by_key(|k| k.span().start);
    // The first header's path, when it names an entity (`[service.x]`, or its IM table).
    let header = lines::top_level(text).find_map(|l| match l.line {
        lines::Line::Header { path, .. } => Some(path),
        _ => None,
    });
    let target = header.filter(|p| p.len() >= 2).and_then(|p| {
        let kind = *Kind::ALL.iter().find(|k| k.key() == p[0])?;
        Some((kind, p))
    });
    for key in stray {
        let name = key_str(&key);
        // Where it goes: the entity's table, or its service's IM table.
        let place: Option<Vec<String>> = target.as_ref().and_then(|(kind, path)| {
            let keys = keys_of(*kind);
            if *kind == Kind::Service && IM_KEYS.contains(&name) {
                let mut im = path[..2].to_vec();
                im.push("instant_messaging".to_owned());
                Some(im)
            } else if keys.contains(&name) && name != "instant_messaging" {
                Some(path[..2].to_vec())
            } else {
                None
            }
        });
        let Some(path) = place.as_deref() else {
            continue;
        };
        if table_at(doc, path).is_none_or(|t| t.contains_key(name)) {
            continue;
        }
        let keys: Vec<String> = path
            .iter()
            .map(|k| crate::diagnostic::toml_key(k))
            .collect();
        let header = format!("[{}]", keys.join("."));
        r.diagnostics
            .push(crate::rules::unknown_field::above_headers(
                r.span(key.span()),
                name,
                &header,
            ));
        if let Some((key, value)) = doc.remove_entry(name)
            && let Some(table) = table_at(doc, path)
        {
            table.insert(key, value);
        }
    }
}

/// The keys an entity of `kind` takes.
fn keys_of(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Ou => OU_KEYS,
        Kind::Connector => CONNECTOR_KEYS,
        Kind::MessagingEntry => ENTRY_KEYS,
        Kind::Service => SERVICE_KEYS,
    }
}

/// The table at `path` in `doc`, when every step is one.
fn table_at<'d, 'i>(doc: &'d mut DeTable<'i>, path: &[String]) -> Option<&'d mut DeTable<'i>> {
    let mut table = doc;
    for step in path {
        match table.get_mut(step.as_str())?.get_mut() {
            DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    Some(table)
}

/// True when `text` may hold a `nimbus-lint` comment, however spelled (`Nimbus_Lint`): only
/// then are its comments read.
fn may_hold_directive(text: &str) -> bool {
    use std::sync::LazyLock;
    static LOWER: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("imbus"));
    static UPPER: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("IMBUS"));
    // `Nimbus Sales` in a name is not one: the name must go on with `-lint` or `_lint`.
    let bytes = text.as_bytes();
    let named = |at: usize| {
        bytes.get(at + 5..at + 10).is_some_and(|rest| {
            rest.eq_ignore_ascii_case(b"-lint") || rest.eq_ignore_ascii_case(b"_lint")
        })
    };
    LOWER.find_iter(bytes).any(named) || UPPER.find_iter(bytes).any(named)
}

/// The `syntax` error of a file that is not parsed at all: not UTF-8, or holding a merge
/// conflict (whose two sides would each define the same entities).
fn unparsable(id: FileId, file: &SourceFile) -> Option<Diagnostic> {
    if looks_utf16(&file.text) {
        let end = file.text.find('\n').unwrap_or(file.text.len()).min(64);
        let end = (0..=end)
            .rev()
            .find(|&e| file.text.is_char_boundary(e))
            .unwrap_or(0);
        return Some(syntax::utf16(Span::new(id, 0..end)));
    }
    if let Some(at) = file.utf8_error {
        // The bad byte reads as U+FFFD: the span covers it.
        let len = if file.text[at..].starts_with('\u{fffd}') {
            3
        } else {
            0
        };
        return Some(syntax::not_utf8(Span::new(id, at..at + len)));
    }
    lines::conflict_marker(&file.text).map(|at| syntax::conflict_marker(Span::new(id, at)))
}

/// True when `text` (as read, invalid bytes replaced) starts like UTF-16: a byte order mark
/// (two invalid bytes) then a NUL byte beside each of the first characters, or those NUL
/// bytes alone.
fn looks_utf16(text: &str) -> bool {
    let rest = text.strip_prefix("\u{fffd}\u{fffd}").unwrap_or(text);
    let head = &rest.as_bytes()[..rest.len().min(32)];
    // Half the bytes NUL, as UTF-16 gives ASCII text (a file of NULs alone is not text).
    let nul = head.iter().filter(|&&b| b == 0).count();
    head.len() >= 8 && nul * 5 >= head.len() * 2 && nul * 5 <= head.len() * 3
}

/// Parses TOML text starting at byte `base` of its file, reporting the first syntax error
/// (an integer the parser lets through but TOML does not allow is one too). Returns the
/// (possibly partial) tree and whether it is broken.
fn parse_toml<'a>(
    id: FileId,
    text: &'a str,
    base: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Spanned<DeTable<'a>>, bool) {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let first = errors
        .iter()
        .min_by_key(|e| e.span().map_or((usize::MAX, 0), |s| (s.start, s.end)));
    if let Some(err) = first {
        // The parser's recursion limit comes without a place: point at the line that nests
        // deepest (the longest key or header), not at the top of the file.
        let span = match err.span() {
            Some(s) if !(s.is_empty() && s.start == 0 && err.message().contains("recursion")) => s,
            _ => {
                let at = lines::top_level(text)
                    .filter(|l| matches!(l.line, lines::Line::Key(_) | lines::Line::Header { .. }))
                    .max_by_key(|l| {
                        let line = &text[l.text_start..];
                        (
                            line.find('\n').unwrap_or(line.len()),
                            std::cmp::Reverse(l.start),
                        )
                    })
                    .map_or(0, |l| l.text_start);
                at..at
            }
        };
        let clamp = |mut o: usize| {
            o = o.min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            o + base
        };
        let d = syntax::diagnostic(
            Span::new(id, clamp(span.start)..clamp(span.end.max(span.start))),
            err.message(),
        );
        diagnostics.push(syntax::explained(d, text, base));
        return (doc, true);
    }
    if let Some(at) = reader::invalid_integer(text, doc.get_ref()) {
        diagnostics.push(syntax::diagnostic(
            Span::new(id, at.start + base..at.end + base),
            "invalid integer",
        ));
        return (doc, true);
    }
    (doc, false)
}

/// A one-key table, to report an unknown top-level key with the shared machinery.
fn single<'i>(key: &Spanned<DeString<'i>>, value: &Spanned<DeValue<'i>>) -> DeTable<'i> {
    let mut t = DeTable::new();
    t.insert(
        key.clone(),
        Spanned::new(value.span(), DeValue::Boolean(true)),
    );
    t
}

/// The kind of entity that an unknown top-level key `name` stands for, as `unknown-field`
/// reads it: an alias (`services`) or a spelling near a kind (`servce`, `Service`).
fn kind_meant(name: &str) -> Option<&'static str> {
    let schema = entity_file_schema();
    let lower = name.to_ascii_lowercase();
    (KINDS.iter().copied().find(|k| *k == lower))
        .or_else(|| schema.alias(&lower).map(|(kind, _)| kind))
        .or_else(|| crate::suggest::nearest(name, KINDS.iter().copied()))
}

/// True when `name` is a spelling of `kind` near enough for a rename to be certain: an alias
/// (`services`), or one letter added, dropped, changed or two swapped, case aside (`servce`,
/// `Sevrice`). Further off (`device`, `collector`), it may be another word: the help asks.
fn near_kind(name: &str, kind: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    entity_file_schema()
        .alias(&lower)
        .is_some_and(|(k, _)| k == kind)
        || strsim::osa_distance(&lower, kind) <= 1
}

/// Keys only an entity has: a table that holds one is a tenant's, whatever its name (a
/// service written `[sales-ivr]`, its kind left out).
const ENTITY_KEYS: &[&str] = &[
    "ou",
    "api_key_sid",
    "api_key_secret",
    "service_sid",
    "messaging_entry",
    "instant_messaging",
    "user_assignment",
];

/// Keys an entity has that other tools' tables have too (`license` in Cargo's `[package]`):
/// a sign only in a table taken for a kind (`[services.x]`, `[[service]]`).
const SHARED_KEYS: &[&str] = &[
    "license",
    "licence",
    "parent",
    "connector",
    "transfers",
    "channels",
    "account_sid",
];

/// What the key line `body` shows of an entity, in its keys (`x.ou = …`, `x = { ou = … }`)
/// and its strings: `Sure` for a key of [`ENTITY_KEYS`] or a licence's value
/// (`"contact_center"`), `Maybe` for a key of [`SHARED_KEYS`], else `No`. Read roughly, a
/// word or string followed by `=` being a key, up to a comment.
fn entity_sign(body: &str) -> Sign {
    let mut sign = Sign::No;
    let mut rest = body;
    loop {
        rest =
            rest.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && !"_-\"'#".contains(c));
        let (token, quoted, after) = match rest.chars().next() {
            None | Some('#') => return sign,
            Some(q @ ('"' | '\'')) => {
                let inner = &rest[1..];
                let mut end = inner.len();
                let mut escaped = false;
                for (i, c) in inner.char_indices() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' if q == '"' => escaped = true,
                        c if c == q => {
                            end = i;
                            break;
                        }
                        _ => {}
                    }
                }
                (&inner[..end], true, &inner[(end + 1).min(inner.len())..])
            }
            Some(_) => {
                let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
                let end = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
                (&rest[..end], false, &rest[end..])
            }
        };
        let next = after.trim_start_matches([' ', '\t']);
        let key = next.starts_with('=') && !next.starts_with("==");
        if key && ENTITY_KEYS.contains(&token)
            || !key
                && quoted
                && crate::model::License::SPELLINGS
                    .iter()
                    .any(|(l, _)| *l == token)
        {
            return Sign::Sure;
        }
        if key && SHARED_KEYS.contains(&token) {
            sign = Sign::Maybe;
        }
        rest = after;
    }
}

/// How far a top-level name shows a file to be a tenant's.
#[derive(PartialEq)]
enum Sign {
    /// A kind of entity, as the tool reads it (`[service.x]`, `[ou]`, `[OU.x]`, `service.x.ou`).
    Sure,
    /// Taken for a kind (an alias, a misspelling, a bare kind in capitals, an array of
    /// tables): sure with a key only entities have in the table.
    Maybe,
    /// None.
    No,
}

/// What the top-level name `first`, the first of `keys` keys, shows (`array`: `[[first]]`).
fn sign(first: &str, keys: usize, array: bool) -> Sign {
    match kind_meant(first) {
        None => Sign::No,
        Some(kind)
            if !array && (first == kind || (keys > 1 && first.eq_ignore_ascii_case(kind))) =>
        {
            Sign::Sure
        }
        Some(_) => Sign::Maybe,
    }
}

/// True when `text` is another tool's TOML (a `Cargo.toml`, a `pyproject.toml`, a Fly.io
/// `fly.toml` with its `[[services]]`): it has a table or a top-level key, and none shows an
/// entity. A table of a kind of entity shows one (`[service.x]`); so does a key only entities
/// have, in any table (`ou`, see `entity_sign`); a key entities share with other tools
/// (`license`) does in a table taken for a kind (`[services.x]`). A file with no table nor key
/// (empty, or comments alone) may be a tenant's file being begun, and a key spelled with an
/// escape may be any: neither is another tool's.
pub fn another_tools_toml(text: &str) -> bool {
    let mut named = false;
    // Below a header: whether its name was taken for a kind.
    let mut header: Option<bool> = None;
    for l in lines::top_level(text) {
        match &l.line {
            lines::Line::Header { path, array } => {
                named = true;
                let sign = (path.first()).map_or(Sign::No, |f| sign(f, path.len(), *array));
                if sign == Sign::Sure || lines::escaped_key(text, &l) {
                    return false;
                }
                header = Some(sign == Sign::Maybe);
            }
            lines::Line::Key(body) => {
                named = true;
                let name = match header {
                    Some(kind_like) => {
                        if kind_like {
                            Sign::Maybe
                        } else {
                            Sign::No
                        }
                    }
                    None => {
                        let path = lines::key_path(body);
                        // `service.x.ou = …` is an entity; `service = "api"` is none, and
                        // `service = { x = { ou = … } }` shows one by its keys.
                        match (path.first()).map_or(Sign::No, |f| sign(f, path.len(), false)) {
                            Sign::Sure if path.len() > 1 => return false,
                            Sign::No => Sign::No,
                            _ => Sign::Maybe,
                        }
                    }
                };
                let keys = entity_sign(body);
                if keys == Sign::Sure
                    || (keys == Sign::Maybe && name == Sign::Maybe)
                    || lines::escaped_key(text, &l)
                {
                    return false;
                }
            }
            _ => {}
        }
    }
    named
}

fn entity_file_schema() -> Schema<'static> {
    Schema {
        what: "the top level of an entity file".into(),
        known: KINDS,
        aliases: &[
            ("ous", "ou"),
            ("connectors", "connector"),
            ("messaging_entries", "messaging_entry"),
            ("entry", "messaging_entry"),
            ("entries", "messaging_entry"),
            ("services", "service"),
        ],
        elsewhere: &[
            (
                "workspace",
                "`[workspace]` belongs in nimbus.toml at the workspace root",
            ),
            (
                "build",
                "`[build]` belongs in nimbus.toml at the workspace root",
            ),
            (
                "lints",
                "`[lints]` belongs in nimbus.toml at the workspace root",
            ),
        ],
        id: "",
        im_place: "",
        by_value: &[],
        dotted: None,
    }
}

/// Reads `[kind.ID]` tables.
/// A kind's key whose value is not a table of entities (`service = 1`, `[[service]]`):
/// reported with the table it meant, and the kind marked unreadable.
fn not_a_table_of_entities(
    r: &mut Reader<'_>,
    kind: Kind,
    value: &Spanned<DeValue<'_>>,
    out: &mut ParsedFile,
) {
    let example = entity_example(kind.key(), value);
    r.wrong_type(value, kind.key(), "a table", &example);
    out.unreadable.push((kind, None));
}

/// True when `value` is written as an array of tables (`[[services]]`), not as an array
/// (`services = [[1, 2]]`).
fn array_of_tables(r: &Reader<'_>, value: &Spanned<DeValue<'_>>) -> bool {
    let DeValue::Array(items) = value.get_ref() else {
        return false;
    };
    items
        .iter()
        .all(|i| matches!(i.get_ref(), DeValue::Table(_)))
        && r.src.get(value.span()).is_some_and(|s| s.starts_with("[["))
}

/// The header of an entity of kind `kind` that an array of tables `value` under it meant:
/// `[[service]]` with `id = "desk"` (or `name`) inside meant `[service.desk]`.
fn entity_example(kind: &str, value: &Spanned<DeValue<'_>>) -> String {
    let named = match value.get_ref() {
        DeValue::Array(items) => items.iter().find_map(|i| match i.get_ref() {
            DeValue::Table(t) => ["id", "name"]
                .iter()
                .find_map(|k| match t.get(*k)?.get_ref() {
                    DeValue::String(s) if crate::model::is_valid_id(s) => Some(s.to_string()),
                    _ => None,
                }),
            _ => None,
        }),
        _ => None,
    };
    format!("[{kind}.{}]", named.as_deref().unwrap_or("<id>"))
}

fn read_kind(r: &mut Reader<'_>, kind: Kind, value: &Spanned<DeValue<'_>>, out: &mut ParsedFile) {
    let DeValue::Table(table) = value.get_ref() else {
        return not_a_table_of_entities(r, kind, value, out);
    };
    let mut entities: Vec<_> = table.iter().collect();
    entities.sort_by_key(|(k, _)| k.span().start);
    // Keys an entity takes written beside the one entity of the table (`api_key_sid = …`
    // below `[connector]` and `c1 = { … }`): reported, and read into it, as meant.
    let is_table = |v: &Spanned<DeValue<'_>>| matches!(v.get_ref(), DeValue::Table(_));
    let stray: Vec<_> = (entities.iter())
        .filter(|(k, v)| kind != Kind::Ou && !is_table(v) && keys_of(kind).contains(&key_str(k)))
        .collect();
    let owners: Vec<&str> = if stray.is_empty() {
        Vec::new()
    } else {
        (entities.iter())
            .filter(|(_, v)| is_table(v))
            .map(|(k, _)| key_str(k))
            .collect()
    };
    let owner = match owners[..] {
        [one] => Some(one),
        _ => None,
    };
    for &(key, value) in &entities {
        let id = key_str(key);
        let DeValue::Table(t) = value.get_ref() else {
            let what = format!("{}.{id}", kind.key());
            let array_of_tables = r.src.get(value.span()).is_some_and(|s| s.starts_with("[["));
            let example = format!("[{what}]");
            if array_of_tables {
                r.diagnostics
                    .push(invalid_value::array_of_tables(r.span(value.span()), &what));
            } else if kind != Kind::Ou && keys_of(kind).contains(&id) {
                let inline = |o: &str| {
                    (table.get(o))
                        .is_some_and(|v| r.src.get(v.span()).is_some_and(|t| t.starts_with('{')))
                };
                r.diagnostics.push(invalid_value::entity_key_in_kind_table(
                    r.span(key.span()),
                    kind,
                    id,
                    owner.map(|o| (o, inline(o))),
                ));
                // No entity of that id: the key is read into the one written beside it.
                if owner.is_some() {
                    continue;
                }
            } else {
                r.wrong_type(value, &what, "a table", &example);
            }
            out.unreadable.push((kind, Some(id.into())));
            continue;
        };
        let with_stray;
        let t = match owner {
            Some(o) if o == id => {
                let mut all = t.clone();
                for &&(k, v) in &stray {
                    if !all.contains_key(key_str(k)) {
                        all.insert(k.clone(), v.clone());
                    }
                }
                with_stray = all;
                &with_stray
            }
            _ => t,
        };
        let e = Entity {
            id,
            id_span: r.span(key.span()),
            header: r.header_span(key.span(), value.span()),
            value,
            t,
            what: format!("{} `{id}`", kind.noun()),
            kind,
        };
        match kind {
            Kind::Ou => {
                let m = r.unknown_keys(
                    t,
                    &Schema {
                        dotted: e.dotted(),
                        ..schema(
                            e.what.clone(),
                            OU_KEYS,
                            &[("ou", "parent"), ("parent_id", "parent")],
                            &[],
                        )
                    },
                );
                // `ou = "x"` renamed to `parent`: resolve knows whether `x` is below it.
                let ou_key = t.iter().find(|(k, _)| k.get_ref().as_ref() == "ou");
                if let Some((key, value)) = ou_key
                    && let DeValue::String(v) = value.get_ref()
                    && let span = r.span(key.span())
                    && let Some(at) =
                        (r.diagnostics.iter()).rposition(|d| d.span == span && d.fix.is_some())
                {
                    out.parent_guesses.push(ParentGuess {
                        diagnostic: at,
                        ou: id.into(),
                        value: v.as_ref().into(),
                    });
                }
                let parent = match r.string(t, "parent", &m, "parent = \"<OU id>\"") {
                    // `[ou.x.y]`: no OU `x` was meant, and it is no root.
                    Field::Absent if m.dotted_id => Field::Invalid,
                    parent => parent,
                };
                out.ous.push(Ou {
                    def: e.def(r, &m, false),
                    parent,
                });
            }
            Kind::Connector => out.connectors.push(read_connector(r, &e)),
            Kind::MessagingEntry => out.entries.push(read_entry(r, &e)),
            Kind::Service => out.services.push(Box::new(read_service(r, &e))),
        }
    }
}

/// One entity's table, as the readers of each kind take it.
struct Entity<'a, 'de> {
    id: &'a str,
    id_span: crate::source::Span,
    header: crate::source::Span,
    /// The table as a value (where it is written).
    value: &'a Spanned<DeValue<'de>>,
    t: &'a DeTable<'de>,
    /// How messages name it: ``service `desk` ``.
    what: String,
    /// Its kind.
    kind: Kind,
}

impl<'a> Entity<'a, '_> {
    /// Its kind's key and its id, for [`Schema::dotted`].
    fn dotted(&self) -> Option<(&'static str, &'a str)> {
        Some((self.kind.key(), self.id))
    }

    /// Its id, places, `name` and (`has_ou`) `ou`.
    fn def(&self, r: &mut Reader<'_>, m: &Misspelled, has_ou: bool) -> Def {
        let t = self.t;
        // Its own header, `[service.x]`, written, or the entity written inline (`x = { … }`):
        // then inline tables alone (`instant_messaging = { … }`) are no sub-tables of a
        // table never written.
        let text = |range: std::ops::Range<usize>| {
            (range.start.checked_sub(r.base))
                .zip(range.end.checked_sub(r.base))
                .and_then(|(start, end)| r.src.get(start..end))
        };
        let written = || {
            let own_header = (text(self.header.range()).and_then(|h| h.strip_prefix('[')))
                .is_some_and(|h| !h.starts_with('[') && lines::key_path(h).len() == 2);
            own_header || text(self.value.span()).is_some_and(|v| v.starts_with('{'))
        };
        Def {
            id: self.id.into(),
            id_span: self.id_span,
            header: self.header,
            sub_tables_only: !t.is_empty()
                && t.iter()
                    .all(|(_, v)| matches!(v.get_ref(), DeValue::Table(_)))
                && !written(),
            name: display_name(r, t, m),
            ou: if has_ou {
                r.string(t, "ou", m, "ou = \"<OU id>\"")
            } else {
                Field::Absent
            },
        }
    }
}

/// `name` of the table `t`: a display name, so not blank (Nimbus would show nothing).
fn display_name(r: &mut Reader<'_>, t: &DeTable<'_>, m: &Misspelled) -> Field<Text> {
    match r.string(t, "name", m, "name = \"Display Name\"") {
        Field::Set(name) if name.value.trim().is_empty() => {
            r.diagnostics
                .push(crate::rules::invalid_value::blank_name(name.span));
            Field::Invalid
        }
        name => name,
    }
}

fn read_connector(r: &mut Reader<'_>, e: &Entity) -> Connector {
    let t = e.t;
    let m = r.unknown_keys(
        t,
        &Schema {
            by_value: &[
                ("type", |v| v.eq_ignore_ascii_case("twilio")),
                ("api_key_sid", |v| sid_shaped(v, "SK")),
            ],
            dotted: e.dotted(),
            ..schema(
                e.what.clone(),
                CONNECTOR_KEYS,
                CONNECTOR_ALIASES,
                CONNECTOR_ELSEWHERE,
            )
        },
    );
    Connector {
        def: e.def(r, &m, true),
        kind: r.string(t, "type", &m, "type = \"twilio\""),
        region: r.choice(t, "region", &m),
        api_key_sid: r.string(t, "api_key_sid", &m, "api_key_sid = \"SK…\""),
        api_key_secret: read_secret(r, t, &m, e.id),
    }
}

fn read_entry(r: &mut Reader<'_>, e: &Entity) -> MessagingEntry {
    let t = e.t;
    let m = r.unknown_keys(
        t,
        &Schema {
            by_value: &[("service_sid", |v| sid_shaped(v, "IS"))],
            dotted: e.dotted(),
            ..schema(e.what.clone(), ENTRY_KEYS, ENTRY_ALIASES, ENTRY_ELSEWHERE)
        },
    );
    MessagingEntry {
        def: e.def(r, &m, true),
        connector: r.string(t, "connector", &m, "connector = \"<connector id>\""),
        service_sid: r.string(t, "service_sid", &m, "service_sid = \"IS…\""),
    }
}

fn read_service(r: &mut Reader<'_>, e: &Entity) -> Service {
    let (t, id) = (e.t, e.id);
    let place = im_place(r, e.value, t, id);
    let m = r.unknown_keys(
        t,
        &Schema {
            id,
            im_place: &place,
            dotted: e.dotted(),
            by_value: &[("license", |v| {
                crate::model::License::SPELLINGS
                    .iter()
                    .any(|(s, _)| *s == v)
            })],
            ..schema(
                e.what.clone(),
                SERVICE_KEYS,
                SERVICE_ALIASES,
                SERVICE_ELSEWHERE,
            )
        },
    );
    // Keys of the service written below its `instant_messaging` header (looked for only when
    // that table has a key of its own that it does not know).
    let im = match t.get("instant_messaging").map(|v| v.get_ref()) {
        Some(DeValue::Table(im)) if im.keys().any(|k| !IM_KEYS.contains(&k.get_ref().as_ref())) => {
            Some(im)
        }
        _ => None,
    };
    let at = |key: &str| misplaced(t, im, key);
    let mut def = e.def(r, &m, true);
    let none = Misspelled::default();
    if !std::ptr::eq(at("name"), t) {
        def.name = display_name(r, at("name"), &none);
    }
    if !std::ptr::eq(at("ou"), t) {
        def.ou = r.string(at("ou"), "ou", &none, "ou = \"<OU id>\"");
    }
    let license = r.choice(at("license"), "license", &m);
    let user_assignment = r.choice(at("user_assignment"), "user_assignment", &m);
    let transfers = r.strings(
        at("transfers"),
        "transfers",
        &m,
        "transfers = [\"<service id>\"]",
    );
    let transfers_unreadable = matches!(transfers.field, Field::Invalid) || transfers.rejected > 0;
    let transfers = transfers.items;
    let im = read_im(r, t, &m, id);
    Service {
        def,
        license,
        user_assignment,
        transfers,
        transfers_unreadable,
        im,
    }
}

fn schema(
    what: String,
    known: &'static [&'static str],
    aliases: &'static [(&'static str, &'static str)],
    elsewhere: &'static [(&'static str, &'static str)],
) -> Schema<'static> {
    Schema {
        what,
        known,
        aliases,
        elsewhere,
        id: "",
        im_place: "",
        by_value: &[],
        dotted: None,
    }
}

/// The table where a key of `home` was written by mistake (`unknown-field` reported there):
/// `other`, when `home` lacks the key and `other` has it. The value is read from there, as
/// meant, so nothing downstream concludes that it is missing.
fn misplaced<'t, 'i>(
    home: &'t DeTable<'i>,
    other: Option<&'t DeTable<'i>>,
    key: &str,
) -> &'t DeTable<'i> {
    match other {
        Some(o) if !home.contains_key(key) && o.contains_key(key) => o,
        _ => home,
    }
}

/// Other words for `ou`, in every entity's table that takes it: its own spellings, which a
/// fix renames.
pub(crate) const OU_ALIASES: &[(&str, &str)] = &[
    // An OU's word for what holds it.
    ("parent", "ou"),
    ("ou_id", "ou"),
    ("org_unit", "ou"),
    ("organization_unit", "ou"),
    ("organisation_unit", "ou"),
    ("unit", "ou"),
];

/// Words that may mean `ou` (on an OU, `parent`), or something else (`owner` an e-mail
/// address): offered in the help, never renamed.
pub(crate) const SYNONYMS: &[(&str, &str)] = &[
    ("org", "ou"),
    ("organization", "ou"),
    ("organisation", "ou"),
    ("owner", "ou"),
    ("tenant", "ou"),
];
const OU_KEYS: &[&str] = &["name", "parent"];
const CONNECTOR_KEYS: &[&str] = &[
    "name",
    "ou",
    "type",
    "region",
    "api_key_sid",
    "api_key_secret",
];
const CONNECTOR_ALIASES: &[(&str, &str)] = &[
    ("sid", "api_key_sid"),
    ("api_key", "api_key_sid"),
    ("secret", "api_key_secret"),
    ("kind", "type"),
];
const CONNECTOR_ELSEWHERE: &[(&str, &str)] = &[
    (
        "service_sid",
        "`service_sid` belongs to a messaging entry: `[messaging_entry.ID]`",
    ),
    (
        "account_sid",
        "connectors authenticate with an API key, never the account SID: set `api_key_sid = \"SK…\"`",
    ),
    (
        "auth_token",
        "credentials never belong in these files: set `api_key_secret = { env = \"NAME\" }`",
    ),
];
const ENTRY_KEYS: &[&str] = &["name", "ou", "connector", "service_sid"];
const ENTRY_ALIASES: &[(&str, &str)] = &[
    ("sid", "service_sid"),
    ("conversations_service_sid", "service_sid"),
];
const ENTRY_ELSEWHERE: &[(&str, &str)] = &[
    (
        "api_key_sid",
        "`api_key_sid` belongs to the connector: `[connector.ID]`",
    ),
    (
        "region",
        "`region` belongs to the connector: `[connector.ID]`",
    ),
    (
        "channels",
        "`channels` belong to the services that apply the entry: `[service.ID.instant_messaging]`",
    ),
];
const SERVICE_KEYS: &[&str] = &[
    "name",
    "ou",
    "license",
    "user_assignment",
    "transfers",
    "instant_messaging",
];
const SERVICE_ALIASES: &[(&str, &str)] = &[("licence", "license"), ("im", "instant_messaging")];
const SERVICE_ELSEWHERE: &[(&str, &str)] = &[
    (
        "channels",
        "`channels` belongs in the service's IM table: move it {im}",
    ),
    (
        "messaging_entry",
        "`messaging_entry` belongs in the service's IM table: move it {im}",
    ),
];

/// Where a key of the IM table written in the service table can go, as the tables are
/// written: below the IM header, into the inline IM table, or into a new one (a header only
/// when the service has one).
fn im_place(r: &Reader<'_>, service: &Spanned<DeValue<'_>>, t: &DeTable<'_>, id: &str) -> String {
    let header = |v: &Spanned<DeValue<'_>>| r.src.get(v.span()).is_some_and(|s| s.starts_with('['));
    match t.get_key_value("instant_messaging") {
        Some((_, im)) if header(im) => format!("below `[service.{id}.instant_messaging]`"),
        // Written with dotted keys: one more (`{key}` is filled in after).
        Some((key, _)) => match crate::rules::text::dotted_prefix(r.src, key.span()) {
            Some(prefix) => format!("to `{prefix}.{{key}} = …`"),
            None => "into `instant_messaging = { … }`".to_owned(),
        },
        None if header(service) => format!(
            "into an IM table (below a new `[service.{id}.instant_messaging]`, or into `instant_messaging = {{ … }}`)"
        ),
        None => "into an IM table (`instant_messaging = { … }` in the service's table)".to_owned(),
    }
}
const IM_KEYS: &[&str] = &["messaging_entry", "channels"];
const IM_ALIASES: &[(&str, &str)] = &[
    ("entry", "messaging_entry"),
    ("im_entry", "messaging_entry"),
    ("channel", "channels"),
];
/// Where a service key written in its IM table goes (`{key}` and `{id}` filled in).
const OF_THE_SERVICE: &str = "`{key}` belongs to the service, not its IM table: write it in `[service.{id}]`, above any `[service.{id}.instant_messaging]` header";
/// IM switched off by a key, as other tools do: the table is what turns it on.
const IM_SWITCH: &str = "IM is on whenever service `{id}` has an `instant_messaging` table: to turn it off, remove the table and its keys; to keep it on, remove this line";
const IM_ELSEWHERE: &[(&str, &str)] = &[
    ("enabled", IM_SWITCH),
    ("enable", IM_SWITCH),
    ("disabled", IM_SWITCH),
    ("active", IM_SWITCH),
    ("transfers", OF_THE_SERVICE),
    ("license", OF_THE_SERVICE),
    ("user_assignment", OF_THE_SERVICE),
    ("ou", OF_THE_SERVICE),
    ("name", OF_THE_SERVICE),
];
const SECRET_KEYS: &[&str] = &["env"];

/// True when `key` is a key nimbus-lint reads in some table: an entity's, its IM or secret
/// table's, or one of `nimbus.toml`'s (rule codes included).
pub(crate) fn is_known_key(key: &str) -> bool {
    [
        OU_KEYS,
        CONNECTOR_KEYS,
        ENTRY_KEYS,
        SERVICE_KEYS,
        IM_KEYS,
        SECRET_KEYS,
    ]
    .iter()
    .any(|keys| keys.contains(&key))
        || settings::is_settings_key(key)
}
const SECRET_ALIASES: &[(&str, &str)] = &[("var", "env"), ("name", "env")];

/// `api_key_secret`: `{ env = "NAME" }`, or a literal (recorded as a secret, never kept).
fn read_secret(r: &mut Reader<'_>, t: &DeTable<'_>, m: &Misspelled, id: &str) -> Field<Secret> {
    let value = match r.value(t, "api_key_secret", m) {
        Ok(v) => v,
        Err(Field::Absent) => return Field::Absent,
        Err(_) => return Field::Invalid,
    };
    let span = r.span(value.span());
    match value.get_ref() {
        // A variable written as a shell reference (`"$TWILIO_SECRET"`, `"${TWILIO_SECRET}"`):
        // nothing secret was written, the table form was meant.
        DeValue::String(s) if variable_name(s).is_some() => {
            let name = variable_name(s).unwrap_or_default();
            r.diagnostics
                .push(invalid_value::env_name_as_value(span, name, s));
            Field::Invalid
        }
        DeValue::String(s) => {
            r.secrets.push(SecretHit {
                span,
                value: s.to_string(),
                literal_secret: true,
                key: Some("api_key_secret".into()),
                entity: Some((Kind::Connector, id.into())),
                loose: false,
            });
            Field::Set(Sp {
                value: Secret::Literal,
                span,
            })
        }
        DeValue::Table(st) => {
            // A string under any other key than `env` (or a misspelling of it) is the secret
            // itself written into the table: `secret-in-config` alone says so.
            let mut rest = st.clone();
            let mut literals = false;
            // Beside a variable's name, only a key named for a secret holds one (`value`,
            // `secret`); `note = "rotated monthly"` is an unknown key.
            let has_env = st.contains_key("env");
            for (key, v) in st.iter() {
                let name = key_str(key);
                let means_env = SECRET_ALIASES.iter().any(|(a, _)| *a == name)
                    || crate::suggest::nearest(name, SECRET_KEYS.iter().copied()).is_some();
                if name != "env"
                    && !means_env
                    && (!has_env || crate::rules::secret_in_config::names_the_secret_value(name))
                    && record_literals(r, v, id)
                {
                    rest.remove(key.get_ref().as_ref());
                    literals = true;
                }
            }
            let st = &rest;
            let what = format!("`api_key_secret` of connector `{id}`");
            let sm = r.unknown_keys(st, &schema(what, SECRET_KEYS, SECRET_ALIASES, &[]));
            match r.string(
                st,
                "env",
                &sm,
                "api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }",
            ) {
                Field::Set(name) if is_env_name(&name.value) => Field::Set(Sp {
                    value: Secret::Env(name.value),
                    span,
                }),
                Field::Set(name) if secret_behind_dollar(&name.value) => {
                    r.secrets.push(SecretHit {
                        span: name.span,
                        value: name.value.to_string(),
                        literal_secret: false,
                        key: Some("env".into()),
                        entity: Some((Kind::Connector, id.into())),
                        loose: false,
                    });
                    Field::Invalid
                }
                Field::Set(name) => {
                    let meant = variable_name(&name.value).filter(|n| *n != name.value.as_str());
                    r.diagnostics
                        .push(invalid_value::bad_env_name(name.span, &name.value, meant));
                    Field::Invalid
                }
                Field::Absent => {
                    // An unknown key already says what the table takes.
                    if !literals && !sm.any_unknown {
                        r.diagnostics.push(invalid_value::secret_without_env(span));
                    }
                    Field::Invalid
                }
                Field::Invalid => Field::Invalid,
            }
        }
        _ if record_literals(r, value, id) => Field::Invalid,
        _ => {
            r.wrong_type(
                value,
                "api_key_secret",
                "a table naming a variable",
                "api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }",
            );
            Field::Invalid
        }
    }
}

/// Records every string of `v`, a value written for `api_key_secret`, as a literal secret of
/// connector `id`; true when there was one. An upper-case name that could be a variable's
/// (`TWILIO_KEY`) is no secret wherever it stands: it is the name misplaced, and
/// `unknown-field` or `invalid-value` says so.
fn record_literals(r: &mut Reader<'_>, v: &Spanned<DeValue<'_>>, id: &str) -> bool {
    match v.get_ref() {
        DeValue::String(s) if !crate::rules::secret_in_config::names_a_variable(s) => {
            r.secrets.push(SecretHit {
                span: r.span(v.span()),
                value: s.to_string(),
                literal_secret: true,
                key: Some("api_key_secret".into()),
                entity: Some((Kind::Connector, id.into())),
                loose: false,
            });
            true
        }
        DeValue::Array(items) => items
            .iter()
            .fold(false, |any, i| record_literals(r, i, id) | any),
        DeValue::Table(t) => t
            .iter()
            .fold(false, |any, (_, v)| record_literals(r, v, id) | any),
        _ => false,
    }
}

/// True for `prefix` and 32 hex digits: a Twilio SID of that kind.
fn sid_shaped(v: &str, prefix: &str) -> bool {
    v.strip_prefix(prefix)
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The variable a string names when it reads as a shell reference, `$NAME` or `${NAME}`
/// (or Windows' `%NAME%` and PowerShell's `$env:NAME`): the `$` says a variable was meant. A bare upper-case word may be a secret
/// (`"CHANGEME"`), and stays one.
fn variable_name(s: &str) -> Option<&str> {
    // A credential with a `$` before it is a credential, never a name to move into `env`.
    after_dollar(s).filter(|name| is_env_name(name) && !is_secret_shaped(name))
}

/// What follows `$` (or stands in `${…}`, `%…%`, or follows `$env:`) in `s`, whatever it is.
pub(crate) fn after_dollar(s: &str) -> Option<&str> {
    let within = |open: &str, close: char| s.strip_prefix(open)?.strip_suffix(close);
    within("${", '}')
        .or_else(|| within("%", '%'))
        .or_else(|| s.strip_prefix("$env:"))
        .or_else(|| s.strip_prefix('$'))
}

/// `$` before a credential-shaped string: a secret pasted as a shell would name a variable.
fn secret_behind_dollar(s: &str) -> bool {
    after_dollar(s).is_some_and(is_secret_shaped)
}

/// Environment variable names: letters, digits and `_`, not starting with a digit.
pub(crate) fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A service's `instant_messaging` table.
///
/// Its keys written in the service table itself (reported there) are read as meant, and make
/// the service offer IM even without the table: its header is then the first such key.
fn read_im(r: &mut Reader<'_>, t: &DeTable<'_>, m: &Misspelled, id: &str) -> Field<Im> {
    let empty = DeTable::new();
    let mut form = ImForm::Inline;
    let (im, header, im_m) = match t.get_key_value("instant_messaging") {
        Some((key, value)) => {
            let DeValue::Table(im) = value.get_ref() else {
                // `instant_messaging = "whatsapp"` (or a list of channels): the channels meant.
                let channel = |v: &Spanned<DeValue<'_>>| match v.get_ref() {
                    DeValue::String(c) if ["whatsapp", "sms", "interact"].contains(&c.as_ref()) => {
                        Some(format!("\"{c}\""))
                    }
                    _ => None,
                };
                let channels: Option<Vec<String>> = match value.get_ref() {
                    DeValue::Array(items) if !items.is_empty() => {
                        items.iter().map(channel).collect()
                    }
                    _ => channel(value).map(|c| vec![c]),
                };
                let example = match channels {
                    Some(c) => format!("instant_messaging = {{ channels = [{}] }}", c.join(", ")),
                    None => format!("[service.{id}.instant_messaging]"),
                };
                r.wrong_type(value, "instant_messaging", "a table", &example);
                // `false`: IM turned off, which is no table at all (a table turns it on).
                if let (DeValue::Boolean(false), Some(d)) =
                    (value.get_ref(), r.diagnostics.last_mut())
                {
                    d.help = format!(
                        "a service without IM has no `instant_messaging`: remove this line (an `instant_messaging` table, even empty, turns IM on for `{id}`)"
                    );
                }
                return Field::Invalid;
            };
            let header = r.header_span(key.span(), value.span());
            if r.src.get(value.span()).is_some_and(|v| v.starts_with('[')) {
                form = ImForm::Header;
            }
            let what = format!("`instant_messaging` of service `{id}`");
            let schema = Schema {
                id,
                ..schema(what, IM_KEYS, IM_ALIASES, IM_ELSEWHERE)
            };
            (im, header, r.unknown_keys(im, &schema))
        }
        None if m.contains("instant_messaging") => return Field::Invalid,
        // No unknown key in the service table: no IM key written there by mistake.
        None if !m.any_unknown => return Field::Absent,
        None => {
            let first = IM_KEYS
                .iter()
                .filter_map(|k| t.get_key_value(*k))
                .map(|(k, _)| k.span())
                .min_by_key(|s| s.start);
            let Some(first) = first else {
                return Field::Absent;
            };
            form = ImForm::Implied;
            (&empty, r.span(first), Misspelled::default())
        }
    };
    let at = |key: &str| misplaced(im, m.any_unknown.then_some(t), key);
    let messaging_entry = r.string(
        at("messaging_entry"),
        "messaging_entry",
        &im_m,
        "messaging_entry = \"<messaging entry id>\"",
    );
    let list = r.strings(
        at("channels"),
        "channels",
        &im_m,
        "channels = [\"whatsapp\", \"sms\"]",
    );
    let lists_channel =
        matches!(list.field, Field::Invalid) || !list.items.is_empty() || list.rejected > 0;
    let before = r.diagnostics.len();
    let channels: Vec<Sp<Channel>> = list
        .items
        .iter()
        .filter_map(|s| {
            r.pick::<Channel>(s, "channels").map(|c| Sp {
                value: c,
                span: s.span,
            })
        })
        .collect();
    // A fix that writes a channel the list names, or another fix writes, would list it twice:
    // offered in the help, not made.
    // (Counted once: a list may be long.)
    let mut listed: rustc_hash::FxHashMap<String, usize> = Default::default();
    let valid = (list.items.iter())
        .filter(|s| Channel::SPELLINGS.iter().any(|(n, _)| *n == s.value))
        .map(|s| crate::diagnostic::toml_string(&s.value));
    let fixed = (r.diagnostics[before..].iter()).filter_map(|d| Some(d.fix.as_ref()?.text.clone()));
    for text in valid.chain(fixed) {
        *listed.entry(text).or_default() += 1;
    }
    for d in &mut r.diagnostics[before..] {
        if d.fix
            .as_ref()
            .is_some_and(|f| listed.get(&f.text).is_some_and(|&n| n > 1))
        {
            d.fix = None;
        }
    }
    Field::Set(Sp {
        span: header,
        value: Im {
            header,
            form,
            messaging_entry,
            channels_span: list.field.get().map(|c| c.span),
            channels,
            lists_channel,
            switched_off: switched_off(im),
        },
    })
}

/// True when the IM table `im` holds a switch that turns IM off (a key [`IM_ELSEWHERE`]
/// explains with [`IM_SWITCH`]): `enabled = false`, `disabled = true`, as other tools write it.
fn switched_off(im: &DeTable<'_>) -> bool {
    im.iter().any(|(k, v)| {
        let k = k.get_ref().as_ref();
        let switch = (IM_ELSEWHERE.iter()).any(|&(key, why)| key == k && why == IM_SWITCH);
        // `disabled` is the one switch whose `true` turns IM off.
        matches!(v.get_ref(), DeValue::Boolean(b) if switch && *b == (k == "disabled"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn other_tools_toml_names_no_kind_of_entity_and_ours_does_even_misspelled() {
        use super::another_tools_toml;
        let theirs = [
            "[package]\nname = \"x\"\nlicense = \"MIT\"\n[dependencies]\nserde = \"1\"\n\
             [dev-dependencies]\n[build-dependencies]\n[features]\n[profile.release]\n[lib]\n\
             [[bin]]\nname = \"x\"\n[target.'cfg(unix)'.dependencies]\n[patch.crates-io]\n\
             [badges]\n[[example]]\n[[test]]\n[[bench]]\n[workspace]\n[lints.rust]\n",
            "[project]\n[project.optional-dependencies]\n[build-system]\n[tool.ruff]\n\
             [dependency-groups]\n",
            "edition = \"2021\"\nmax_width = 100\n",
            "[advisories]\n[licenses]\n[bans]\n[sources]\n[graph]\n[output]\n",
            // A backslash in a value or a comment is no escaped key.
            "format = \"$all\\n$character\"\n[character]\nsuccess_symbol = \"[>](bold green)\"\n",
            "[tool.black]  # see C:\\docs\nline-length = 100\n",
            "ignore = [\"src\\\\gen\"]\n",
            // Fly.io, Cloudflare, Hugo: named like a kind, with no key of an entity.
            "app = \"x\"\n[[services]]\ninternal_port = 8080\nprotocol = \"tcp\"\n\
             [[services.ports]]\nport = 443\n",
            "name = \"w\"\nservices = [{ binding = \"API\", service = \"api\" }]\n",
            "baseURL = \"https://example.org/\"\n[services.googleAnalytics]\nID = \"G-X\"\n",
            "[device.sensor1]\nport = \"/dev/ttyUSB0\"\n",
            "[Service]\nExecStart = \"/bin/x\"\n",
            "service = \"api\"\n",
            // `license` is Cargo's too: only in a table named like a kind is it an entity's.
            "[package]\nlicense = \"MIT\"\n[connection]\nhost = \"x\"\n",
            // A key's name in a value or a comment is no key.
            "[[services.http_checks]]\npath = \"/healthz?ou=probe\"\n# ou = \"x\"\n",
        ];
        for text in theirs {
            assert!(another_tools_toml(text), "{text}");
        }
        let ours = [
            "[ou.contoso]\n",
            "[ou]\n",
            "service.x.ou = \"a\"\n",
            "[services.x]\nou = \"contoso\"\n",
            "[servce.x]\n# the licence\nlicense = \"contact_center\"\n",
            "[[connector]]\nid = \"tw\"\naccount_sid = \"AC1\"\n",
            "# a comment\n[messaging_entry]\nwa = { ou = \"a\" }\n",
            "[services]\nx = { ou = \"a\" }\n",
            "services.x.ou = \"a\"\n",
            "service = { x = { ou = \"a\" } }\n",
            "[OU.contoso]\n",
            "[Services.x]\n\"licence\" = \"contact_center\"\n",
            "[\"\\u006fu\".x]\n",
            "[package]\n[service.x]\n",
            "[tool.black]\n[service.x] # C:\\docs\n",
            // The kind left out of the headers: keys and values only entities have.
            "[sales-ivr]\nou = \"contoso\"\nlicense = \"contact_center\"\n",
            "[desk]\nlicense = 'advanced_routing'\n",
            "[x]\n\"ou\" = \"contoso\"\n",
            // Begun, not another tool's: nothing in it names anything.
            "",
            "# the sales services\n\n",
        ];
        for text in ours {
            assert!(!another_tools_toml(text), "{text}");
        }
    }

    #[test]
    fn directives_are_looked_for_only_where_the_tool_is_named() {
        use super::may_hold_directive;
        assert!(may_hold_directive("# nimbus-lint: allow(x)\n"));
        assert!(may_hold_directive("x = 1 # Nimbus_Lint allow(x)"));
        assert!(may_hold_directive("# NIMBUS-LINT"));
        assert!(!may_hold_directive("name = \"Luware Nimbus tenant\"\n"));
        assert!(!may_hold_directive("# nimbus"));
    }
}

#[cfg(test)]
mod batch_tests {
    use super::*;
    use std::fmt::Write as _;

    /// A large file parsed in batches reads as the same file parsed whole, in each shape
    /// `lines::batches` cuts: headers, the inline entities of a bare `[kind]` table, dotted
    /// entities above any header. Mistakes and comments are spread through it.
    #[test]
    fn a_file_cut_into_batches_reads_as_the_whole_file() {
        let entity = |i: usize| {
            let license = if i.is_multiple_of(7) {
                "gold"
            } else {
                "contact_center"
            };
            let extra = if i.is_multiple_of(11) {
                "; colour = \"red\""
            } else {
                ""
            };
            format!(
                "ou = \"r\"; license = \"{license}\"; transfers = [\"s{}\", 3]{extra}",
                (i + 1) % 3000
            )
        };
        let inline = |i: usize| entity(i).replace(';', ",");
        let mut bare = String::from("[ou]\nr = {}\nx = { parent = \"r\", ou = 1 }\n\n[service]\n");
        let mut dotted = String::new();
        let mut headers = String::from("[ou.r]\n");
        for i in 0..3000usize {
            if i.is_multiple_of(13) {
                bare.push_str("# nimbus-lint: allow(self-transfer)\n");
                dotted.push_str("# a comment\n");
            }
            let _ = writeln!(bare, "s{i} = {{ {} }}", inline(i));
            let _ = writeln!(dotted, "service.s{i} = {{ {} }}", inline(i));
            let _ = writeln!(headers, "[service.s{i}]\n{}", entity(i).replace("; ", "\n"));
        }
        dotted.push_str("[ou.r]\nname = \"R\"\n");
        for text in [&bare, &dotted, &headers] {
            let file = SourceFile::new(
                std::path::PathBuf::from("a.toml"),
                "a.toml",
                "a.toml",
                text.as_str().into(),
            );
            let id = FileId(0);
            assert!(lines::batches(text, BATCH).is_some_and(|b| b.len() > 1));
            let pieces = parse_pieces(id, &file);
            assert!(pieces.len() > 1);
            let mut batched = ParsedFile::default();
            for p in pieces {
                batched.append(p);
            }
            let mut whole = parse_batch(id, text, 0, &Whole::new(text));
            let (s, d, _) = suppress::scan(id, text, std::slice::from_ref(&whole));
            whole.suppressions = s;
            whole.diagnostics.extend(d);
            let shown = |p: &ParsedFile| {
                let mut diags: Vec<String> =
                    p.diagnostics.iter().map(|d| format!("{d:?}")).collect();
                diags.sort();
                (
                    format!("{:?}{:?}{:?}", p.ous, p.services, p.suppressions),
                    diags,
                )
            };
            let (a, b) = (shown(&batched), shown(&whole));
            assert!(!b.1.is_empty());
            assert!(a == b, "{}", &text[..200]);
        }
    }
}

#[cfg(test)]
mod fix_tests {
    use super::*;
    use crate::diagnostic::Fix;
    use crate::source::Span;

    #[test]
    fn fixes_that_would_break_a_file_that_parses_are_not_made() {
        let text = "[ou.a]\nname = \"x\"\n";
        let fix = |from: usize, to: usize, new: &str| Fix {
            code: crate::rules::Code::InvalidValue,
            title: "t".to_owned(),
            span: Span::new(FileId(0), from..to),
            text: new.to_owned(),
        };
        let good = fix(14, 17, "\"y\"");
        let made = fixes_together(FileId(0), text, &[&good], false);
        assert_eq!(made.map(|f| f.len()), Ok(1));
        let bad = fix(0, 6, "[ou.a");
        assert_eq!(
            fixes_together(FileId(0), text, &[&bad, &good], false).map(|f| f.len()),
            Err("the fixes would break its syntax")
        );
        // A file that does not parse yet gets its bare values quoted.
        let broken = "[ou.a]\nname = Contoso\n";
        let made = fixes_together(FileId(0), broken, &[], true).unwrap();
        assert_eq!(
            crate::diagnostic::apply(broken, &made.iter().collect::<Vec<_>>()),
            "[ou.a]\nname = \"Contoso\"\n"
        );
    }
}
