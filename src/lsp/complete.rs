//! Completion of ids where a reference goes: `parent` (OUs), `ou` (OUs), `connector`
//! (connectors visible from the entry's OU), `messaging_entry` (entries visible from the
//! service's OU), and the items of `transfers` (every other service); and of the values of
//! the keys that take fixed ones: `license`, `user_assignment`, `region`, `type`, and the
//! items of `channels`.
//!
//! Where the cursor is comes from a small, forgiving scan of the text, not from the parsed
//! model: while a value is being typed the file is often not valid TOML, and a file with a
//! syntax error contributes nothing to the model. The same scan collects the entities the
//! file defines and their `ou` values, so that the referring entity's OU and the candidates of
//! a file that does not parse right now are still known.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, TextEdit};

use super::convert::{self, Encoding};
use super::navigate::{self, Target};
use crate::Analysis;
use crate::model::{Kind, SecretMask};
use crate::source::SourceFile;

/// A place where a value goes, at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The value's key path: table header, inline-table keys, dotted key segments.
    pub path: Vec<String>,
    /// True when the value is an item of an array.
    pub in_array: bool,
    /// The bytes a chosen id replaces (what was typed of the value so far).
    pub replace: Range<usize>,
    /// The quote the string opened with, when the cursor is inside a string.
    pub quote: Option<char>,
    /// True when that string is closed after the replaced bytes.
    pub closed: bool,
}

/// What the scan of a file found.
#[derive(Debug, Default)]
pub struct Scan {
    /// The place at the cursor, when a value goes there.
    pub slot: Option<Slot>,
    /// The entities the file defines: (kind key, id).
    pub entities: Vec<(String, String)>,
    /// Their `ou` values, by (kind key, id).
    pub ous: HashMap<(String, String), String>,
    /// Every string value on one line and its place (filled by [`values`] only).
    pub values: Vec<Slot>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// A key (or a table header) may come.
    Key,
    /// A value comes.
    Value,
    /// A value was read.
    After,
}

/// Arrays and inline tables nested deeper than this complete nothing (no reference is
/// written that deep) and cost the scan no copy of their key path.
const MAX_DEPTH: usize = 32;

#[derive(Debug)]
struct Frame {
    array: bool,
    path: Vec<String>,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_kind(key: &str) -> bool {
    Kind::ALL.iter().any(|k| k.key() == key)
}

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    cursor: usize,
    table: Vec<String>,
    stack: Vec<Frame>,
    keys: Vec<String>,
    mode: Mode,
    decided: bool,
    /// Set by [`values`]: every string value is recorded.
    collect: bool,
    out: Scan,
    /// `out.entities` as a set, so that recording one stays O(1).
    recorded: std::collections::HashSet<(String, String)>,
}

impl Scanner<'_> {
    /// The key path that `keys` are relative to (none below [`MAX_DEPTH`]).
    fn base(&self) -> Vec<String> {
        if self.stack.len() > MAX_DEPTH {
            return Vec::new();
        }
        self.stack
            .iter()
            .rev()
            .find(|f| !f.array)
            .map_or_else(|| self.table.clone(), |f| f.path.clone())
    }

    /// Opens an array or inline table. Below [`MAX_DEPTH`] frames hold no path: nothing
    /// completes there, and copying the path into each frame would be quadratic in the depth.
    fn open(&mut self, array: bool) {
        let path = if self.stack.len() >= MAX_DEPTH {
            Vec::new()
        } else {
            self.value_path()
        };
        if !array {
            self.record_entity(&path);
        }
        self.stack.push(Frame { array, path });
    }

    fn value_path(&self) -> Vec<String> {
        let mut p = self.base();
        p.extend(self.keys.iter().cloned());
        p
    }

    fn in_array(&self) -> bool {
        self.stack.last().is_some_and(|f| f.array)
    }

    /// The slot of a value about to start at the cursor (nothing typed yet, or a bare word).
    fn decide(&mut self, replace: Range<usize>, quote: Option<char>, closed: bool) {
        if self.decided {
            return;
        }
        self.decided = true;
        if self.mode != Mode::Value || self.stack.len() > MAX_DEPTH {
            return;
        }
        let (path, in_array) = match self.stack.last() {
            Some(f) if f.array => (f.path.clone(), true),
            _ => (self.value_path(), false),
        };
        self.out.slot = Some(Slot {
            path,
            in_array,
            replace,
            quote,
            closed,
        });
    }

    /// Nothing completes here.
    fn nothing(&mut self) {
        self.decided = true;
    }

    fn line_end(&self, from: usize) -> usize {
        self.b[from..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |p| from + p)
    }

    fn record_entity(&mut self, path: &[String]) {
        if path.len() >= 2 && is_kind(&path[0]) {
            let e = (path[0].clone(), path[1].clone());
            if self.recorded.insert(e.clone()) {
                self.out.entities.push(e);
            }
        }
    }

    fn run(mut self) -> Scan {
        let mut i = 0;
        while i < self.b.len() {
            let c = self.b[i];
            if matches!(c, b' ' | b'\t' | b'\r') {
                i += 1;
                continue;
            }
            let starts_value = c == b'"' || c == b'\'' || is_key_byte(c) || c == b'+';
            if !self.decided && (self.cursor < i || (self.cursor == i && !starts_value)) {
                self.decide(self.cursor..self.cursor, None, false);
            }
            i = match c {
                b'\n' => self.newline(i),
                b'#' => {
                    let end = self.line_end(i);
                    if !self.decided && self.cursor > i && self.cursor <= end {
                        self.nothing();
                    }
                    end
                }
                b'"' | b'\'' => self.string(i),
                b'[' if self.stack.is_empty() && self.mode == Mode::Key && self.keys.is_empty() => {
                    self.header(i)
                }
                b'[' => {
                    if self.mode == Mode::Value {
                        self.open(true);
                    }
                    i + 1
                }
                b']' => {
                    if self.in_array() {
                        self.stack.pop();
                    }
                    self.mode = Mode::After;
                    i + 1
                }
                b'{' => {
                    if self.mode == Mode::Value {
                        self.open(false);
                        self.keys.clear();
                        self.mode = Mode::Key;
                    }
                    i + 1
                }
                b'}' => {
                    while let Some(f) = self.stack.pop() {
                        if !f.array {
                            break;
                        }
                    }
                    self.keys.clear();
                    self.mode = Mode::After;
                    i + 1
                }
                b'=' => {
                    if self.mode == Mode::Key {
                        self.mode = Mode::Value;
                    }
                    i + 1
                }
                b',' => {
                    match self.stack.last() {
                        Some(f) if f.array => self.mode = Mode::Value,
                        Some(_) => {
                            self.mode = Mode::Key;
                            self.keys.clear();
                        }
                        None => self.mode = Mode::After,
                    }
                    i + 1
                }
                _ => self.word(i),
            };
        }
        if !self.decided {
            self.decide(self.cursor..self.cursor, None, false);
        }
        self.out
    }

    fn newline(&mut self, i: usize) -> usize {
        if !self.stack.is_empty() && self.next_line_starts_statement(i + 1) {
            // An array or inline table left open while typing: the next line is a header or a
            // `key = value`, so the value ended here.
            self.stack.clear();
        }
        if self.stack.is_empty() {
            self.mode = Mode::Key;
            self.keys.clear();
        }
        i + 1
    }

    /// True when the line from `from` looks like a table header or a `key =` line.
    fn next_line_starts_statement(&self, from: usize) -> bool {
        let line = &self.text[from..self.line_end(from)];
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('[') {
            return rest
                .trim_start_matches('[')
                .starts_with(|c: char| c.is_ascii_alphabetic())
                && t.trim_end().ends_with(']');
        }
        let key_len = t
            .bytes()
            .take_while(|&b| is_key_byte(b) || b == b'.')
            .count();
        key_len > 0 && t[key_len..].trim_start().starts_with('=')
    }

    fn header(&mut self, i: usize) -> usize {
        let end = self.line_end(i);
        if !self.decided && self.cursor > i && self.cursor <= end {
            self.nothing();
        }
        let line = &self.text[i..end];
        let inner = line.trim_start_matches('[');
        let close = inner.find(']').unwrap_or(inner.len());
        self.table = split_keys(&inner[..close]);
        let table = self.table.clone();
        self.record_entity(&table);
        self.keys.clear();
        self.mode = Mode::Key;
        // Skip to the end of the line, comments included.
        end
    }

    fn string(&mut self, i: usize) -> usize {
        let q = self.b[i];
        let triple = self.b[i..].starts_with(&[q, q, q]);
        if triple {
            let close = self.text[i + 3..]
                .find(if q == b'"' { "\"\"\"" } else { "'''" })
                .map_or(self.b.len(), |p| i + 3 + p + 3);
            if !self.decided && self.cursor > i && self.cursor < close {
                self.nothing();
            }
            if !self.decided && self.cursor == i {
                self.nothing();
            }
            self.after_value();
            return close;
        }
        let mut j = i + 1;
        let mut closed = false;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' if q == b'"' => j += 2,
                b'\n' => break,
                c if c == q => {
                    closed = true;
                    break;
                }
                _ => j += 1,
            }
        }
        let j = j.min(self.b.len());
        let content = self.text.get(i + 1..j).unwrap_or_default().to_owned();
        if self.collect && self.mode == Mode::Value && self.stack.len() <= MAX_DEPTH {
            let (path, in_array) = match self.stack.last() {
                Some(f) if f.array => (f.path.clone(), true),
                _ => (self.value_path(), false),
            };
            self.out.values.push(Slot {
                path,
                in_array,
                replace: i + 1..j,
                quote: Some(q as char),
                closed,
            });
        }
        if !self.decided && self.cursor == i {
            self.nothing();
        }
        if !self.decided && self.cursor > i && self.cursor <= j {
            if self.mode == Mode::Value {
                let end = if closed {
                    j
                } else {
                    // Unclosed: what follows the cursor belongs to the id as far as id
                    // characters go.
                    self.cursor
                        + self.b[self.cursor..j]
                            .iter()
                            .take_while(|&&b| is_key_byte(b))
                            .count()
                };
                self.decide(i + 1..end, Some(q as char), closed && end == j);
            } else {
                self.nothing();
            }
        }
        match self.mode {
            Mode::Key => self.keys.push(content),
            Mode::Value => {
                if !self.in_array() {
                    let path = self.value_path();
                    if path.len() == 3 && path[2] == "ou" && is_kind(&path[0]) {
                        self.out
                            .ous
                            .insert((path[0].clone(), path[1].clone()), content);
                    }
                }
                self.after_value();
            }
            Mode::After => {}
        }
        if closed { j + 1 } else { j }
    }

    fn after_value(&mut self) {
        if self.mode == Mode::Value {
            self.mode = Mode::After;
        }
    }

    fn word(&mut self, i: usize) -> usize {
        let mut j = i;
        match self.mode {
            Mode::Key => {
                while j < self.b.len() && is_key_byte(self.b[j]) {
                    j += 1;
                }
                if j == i {
                    // `.` between key segments, or a stray character.
                    return i + 1;
                }
                self.keys.push(self.text[i..j].to_owned());
                if !self.decided && self.cursor >= i && self.cursor <= j {
                    self.nothing();
                }
            }
            Mode::Value | Mode::After => {
                while j < self.b.len()
                    && (is_key_byte(self.b[j]) || matches!(self.b[j], b'.' | b':' | b'+'))
                {
                    j += 1;
                }
                if j == i {
                    j = i + 1;
                }
                if !self.decided && self.cursor >= i && self.cursor <= j {
                    if is_key_byte(self.b[i]) {
                        self.decide(i..j, None, false);
                    } else {
                        self.nothing();
                    }
                }
                self.after_value();
            }
        }
        j
    }
}

/// `a.b."c d"` → `[a, b, c d]`.
fn split_keys(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for ch in s.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(ch),
            (None, '.') => out.push(std::mem::take(&mut cur)),
            (None, c) if c.is_whitespace() => {}
            (None, c) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Scans `text` for the slot at byte `cursor` and the entities the file defines.
pub fn scan(text: &str, cursor: usize) -> Scan {
    scanner(text, cursor).run()
}

/// Every string value of `text` with its place, read as forgivingly as [`scan`] reads: the
/// references of a file that does not parse.
pub fn values(text: &str) -> Vec<Slot> {
    let mut s = scanner(text, text.len());
    s.decided = true;
    s.collect = true;
    s.run().values
}

fn scanner(text: &str, cursor: usize) -> Scanner<'_> {
    Scanner {
        b: text.as_bytes(),
        text,
        cursor: cursor.min(text.len()),
        table: Vec::new(),
        stack: Vec::new(),
        keys: Vec::new(),
        mode: Mode::Key,
        decided: false,
        collect: false,
        out: Scan::default(),
        recorded: Default::default(),
    }
}

/// What a slot asks for: the kind of the ids, and the referring entity (kind, id).
pub(crate) fn wanted(slot: &Slot) -> Option<(Kind, Kind, &str)> {
    let p: Vec<&str> = slot.path.iter().map(String::as_str).collect();
    let referrer = |k: &str| Kind::ALL.into_iter().find(|kind| kind.key() == k);
    match (p.as_slice(), slot.in_array) {
        (["ou", id, "parent"], false) => Some((Kind::Ou, Kind::Ou, id)),
        ([k, id, "ou"], false) if *k != "ou" => Some((Kind::Ou, referrer(k)?, id)),
        (["messaging_entry", id, "connector"], false) => {
            Some((Kind::Connector, Kind::MessagingEntry, id))
        }
        (["service", id, "instant_messaging", "messaging_entry"], false) => {
            Some((Kind::MessagingEntry, Kind::Service, id))
        }
        (["service", id, "transfers"], true) => Some((Kind::Service, Kind::Service, id)),
        _ => None,
    }
}

/// The most items one completion answers with; past it the list is marked incomplete, and
/// the editor asks again as more is typed.
pub const MAX_ITEMS: usize = 500;

/// The completion items at byte `cursor` of `file`, a file of the checked workspace `a`:
/// the ids that contain what was typed (ignoring case), those that start with it first, at
/// most [`MAX_ITEMS`] of them; and whether some were left out. Details show no secret of
/// `mask` in full.
pub fn complete(
    a: &Analysis,
    file: &SourceFile,
    cursor: usize,
    enc: Encoding,
    mask: &SecretMask,
) -> (Vec<CompletionItem>, bool) {
    let scan = scan(&file.text, cursor);
    let Some(slot) = &scan.slot else {
        return (Vec::new(), false);
    };
    let Some((kind, referrer_kind, referrer)) = wanted(slot) else {
        return (fixed_values(file, slot, cursor, enc), false);
    };
    let typed = (file
        .text
        .get(slot.replace.start..cursor.max(slot.replace.start)))
    .unwrap_or_default()
    .to_lowercase();
    let matches = |id: &str| typed.is_empty() || id.to_lowercase().contains(&typed);
    let res = &a.ws.res;
    let textual_ou = |k: Kind, id: &str| {
        scan.ous
            .get(&(k.key().to_owned(), id.to_owned()))
            .and_then(|ou| res.lookup(&a.ws.model, Kind::Ou, ou))
    };
    // The referrer's OU: from the model when the model has it from this file (this file
    // parses), else from the text, else from a definition elsewhere.
    let here = a.ws.sources.find(&file.path);
    let in_model = res.lookup(&a.ws.model, referrer_kind, referrer);
    let referrer_target = |index| Target {
        kind: referrer_kind,
        index,
    };
    let referrer_ou = match in_model {
        Some(i) if Some(a.ws.model.def(referrer_kind, i).header.file) == here => {
            navigate::ou_of(a, referrer_target(i))
        }
        _ => textual_ou(referrer_kind, referrer)
            .or_else(|| in_model.and_then(|i| navigate::ou_of(a, referrer_target(i)))),
    };
    let visible = |cand_ou: Option<u32>| match (referrer_ou, cand_ou) {
        (Some(r), Some(c)) if matches!(kind, Kind::Connector | Kind::MessagingEntry) => {
            res.tree.is_at_or_above(c, r) != Some(false)
        }
        _ => true,
    };
    // Not the referrer itself, nor a service its `transfers` list already holds: as the model
    // has it from this file, else (the file does not parse) as its text has it.
    let modelled = in_model.filter(|&i| Some(a.ws.model.def(referrer_kind, i).header.file) == here);
    let listed: HashSet<&str> = match (slot.in_array, modelled) {
        (true, Some(i)) if kind == Kind::Service => (a.ws.model.services[i as usize].transfers)
            .iter()
            .filter(|t| {
                t.span.range() != (slot.replace.start.saturating_sub(1)..slot.replace.end + 1)
            })
            .map(|t| t.value.as_str())
            .collect(),
        (true, None) if kind == Kind::Service => listed_beside(file, slot),
        _ => HashSet::new(),
    };
    // Nor an id that is a credential pasted as one: completion would write it once more.
    let excluded = |id: &str| {
        (kind == referrer_kind && id == referrer)
            || listed.contains(id)
            || !matches(id)
            || mask.holds(id)
    };
    let range = convert::range(file, slot.replace.start, slot.replace.end, enc);
    let edit = |id: &str| quoted(slot, id);
    // The candidates first, each with its entity when the model has it: details are made
    // for the items kept only.
    let mut seen = HashSet::new();
    let mut candidates: Vec<(&str, Option<Target>)> = Vec::new();
    for (index, d) in a.ws.model.defs(kind).enumerate() {
        let index = index as u32;
        let target = Target { kind, index };
        if excluded(&d.id) || !visible(navigate::ou_of(a, target)) {
            continue;
        }
        seen.insert(d.id.as_str());
        candidates.push((&d.id, Some(target)));
    }
    for (k, id) in &scan.entities {
        if k != kind.key() || seen.contains(id.as_str()) || excluded(id) {
            continue;
        }
        if !visible(textual_ou(kind, id)) {
            continue;
        }
        seen.insert(id.as_str());
        candidates.push((id, None));
    }
    let (kept, incomplete) = best(candidates, &typed);
    let items = (kept.into_iter())
        .map(|(id, target)| item(id, detail(a, kind, target, mask), range, edit(id)))
        .collect();
    (items, incomplete)
}

/// The values a key of fixed values takes (`license`, `user_assignment`, `region`, `type`,
/// the items of `channels`), with how the items' detail names them; `None` for another key.
fn fixed(slot: &Slot) -> Option<(Vec<&'static str>, &'static str)> {
    use crate::model::{Channel, License, Region, UserAssignment};
    fn names<T>(spellings: &[(&'static str, T)]) -> Vec<&'static str> {
        spellings.iter().map(|&(name, _)| name).collect()
    }
    let p: Vec<&str> = slot.path.iter().map(String::as_str).collect();
    match (p.as_slice(), slot.in_array) {
        (["service", _, "license"], false) => Some((names(License::SPELLINGS), License::NOUN)),
        (["service", _, "user_assignment"], false) => {
            Some((names(UserAssignment::SPELLINGS), UserAssignment::NOUN))
        }
        (["connector", _, "region"], false) => Some((names(Region::SPELLINGS), Region::NOUN)),
        (["connector", _, "type"], false) => Some((vec!["twilio"], "connector type")),
        (["service", _, "instant_messaging", "channels"], true) => {
            Some((names(Channel::SPELLINGS), Channel::NOUN))
        }
        _ => None,
    }
}

/// The completion items of a key of fixed values (see [`fixed`]): those that contain what
/// was typed (ignoring case), those that start with it first, then in the schema's order; of
/// `channels`, those the list does not hold yet.
fn fixed_values(
    file: &SourceFile,
    slot: &Slot,
    cursor: usize,
    enc: Encoding,
) -> Vec<CompletionItem> {
    let Some((values, noun)) = fixed(slot) else {
        return Vec::new();
    };
    let typed = (file
        .text
        .get(slot.replace.start..cursor.max(slot.replace.start)))
    .unwrap_or_default()
    .to_lowercase();
    let listed = match slot.in_array {
        true => listed_beside(file, slot),
        false => HashSet::new(),
    };
    let range = convert::range(file, slot.replace.start, slot.replace.end, enc);
    let mut items: Vec<(bool, usize, &str)> = (values.into_iter().enumerate())
        .filter(|(_, v)| v.contains(typed.as_str()) && !listed.contains(v))
        .map(|(k, v)| (!v.starts_with(typed.as_str()), k, v))
        .collect();
    items.sort_unstable();
    (items.into_iter().enumerate())
        .map(|(k, (_, _, v))| CompletionItem {
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            sort_text: Some(format!("{k:02}")),
            ..item(v, noun.to_owned(), range, quoted(slot, v))
        })
        .collect()
}

/// The other items of the one-line array that `slot` is an item of, as the text has them.
fn listed_beside<'t>(file: &'t SourceFile, slot: &Slot) -> HashSet<&'t str> {
    (values(&file.text).into_iter())
        .filter(|v| v.in_array && v.path == slot.path && v.replace.start != slot.replace.start)
        .filter_map(|v| file.text.get(v.replace))
        .collect()
}

/// `value` as the completion writes it into `slot`: closing the string opened, or in quotes.
fn quoted(slot: &Slot, value: &str) -> String {
    match slot.quote {
        Some(_) if slot.closed => value.to_owned(),
        Some(q) => format!("{value}{q}"),
        None => format!("\"{value}\""),
    }
}

/// The first [`MAX_ITEMS`] candidates: those that start with what was typed first, then by id
/// (ids are unique, so the order is total), picked before they are sorted; and whether some
/// were left out.
fn best<'a>(
    candidates: Vec<(&'a str, Option<Target>)>,
    typed: &str,
) -> (Vec<(&'a str, Option<Target>)>, bool) {
    let starts = |label: &str| label.to_lowercase().starts_with(typed);
    let mut keyed: Vec<(bool, &str, Option<Target>)> = (candidates.into_iter())
        .map(|(id, target)| (!starts(id), id, target))
        .collect();
    let by_key = |a: &(bool, &str, Option<Target>), b: &(bool, &str, Option<Target>)| {
        (a.0, a.1).cmp(&(b.0, b.1))
    };
    let incomplete = keyed.len() > MAX_ITEMS;
    if incomplete {
        keyed.select_nth_unstable_by(MAX_ITEMS - 1, by_key);
        keyed.truncate(MAX_ITEMS);
    }
    keyed.sort_unstable_by(by_key);
    let kept = keyed
        .into_iter()
        .map(|(_, id, target)| (id, target))
        .collect();
    (kept, incomplete)
}

/// An item's detail: kind, name and OU path of its entity (secrets masked), or where it was
/// found when the model does not have it.
fn detail(a: &Analysis, kind: Kind, target: Option<Target>, mask: &SecretMask) -> String {
    match target {
        Some(t) => {
            let detail = format!(
                "{} · {} · {}",
                kind.noun(),
                navigate::def(a, t).display_name(),
                navigate::ou_line(a, t)
            );
            let detail = mask.mask(&detail).unwrap_or(detail);
            crate::source::printable(&detail).into_owned()
        }
        None => format!("{} (in this file)", kind.noun()),
    }
}

/// A completion item for `id`. No `filterText`: it would be the label, and with one, some
/// clients (Neovim 0.7's omnifunc) take the word before the cursor as what it replaces,
/// ignoring the range of `textEdit` (`sales-` completed to `sales-sales-ivr`).
fn item(id: &str, detail: String, range: lsp_types::Range, new_text: String) -> CompletionItem {
    CompletionItem {
        label: id.to_owned(),
        kind: Some(CompletionItemKind::REFERENCE),
        detail: Some(detail),
        sort_text: Some(id.to_owned()),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text })),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slot at the `|` of `text`.
    fn slot(text: &str) -> Option<Slot> {
        let cursor = text.find('|').unwrap();
        let text = text.replacen('|', "", 1);
        scan(&text, cursor).slot
    }

    fn path(s: &Slot) -> String {
        s.path.join(".")
    }

    #[test]
    fn values_of_keys() {
        let s = slot("[service.a]\nou = \"sa|\"\n").unwrap();
        assert_eq!(path(&s), "service.a.ou");
        assert_eq!((s.replace, s.quote, s.closed), (18..20, Some('"'), true));
        let s = slot("[messaging_entry.e]\nconnector = |\n").unwrap();
        assert_eq!(path(&s), "messaging_entry.e.connector");
        assert_eq!((s.quote, s.replace.is_empty()), (None, true));
        let s = slot("[service.a.instant_messaging]\nmessaging_entry = \"wh|").unwrap();
        assert_eq!(path(&s), "service.a.instant_messaging.messaging_entry");
        assert!(!s.closed);
        let s = slot("[service.a]\ninstant_messaging = { messaging_entry = \"|\" }\n").unwrap();
        assert_eq!(path(&s), "service.a.instant_messaging.messaging_entry");
        let s = slot("[service]\na = { ou = '|' }\n").unwrap();
        assert_eq!(path(&s), "service.a.ou");
        assert_eq!(s.quote, Some('\''));
        let s = slot("[ou.x]\nparent = con|\n").unwrap();
        assert_eq!((path(&s), s.replace), ("ou.x.parent".to_owned(), 16..19));
    }

    #[test]
    fn items_of_arrays_over_lines() {
        let s = slot("[service.a]\ntransfers = [\n  \"b\", # c\n  \"|\n").unwrap();
        assert_eq!(path(&s), "service.a.transfers");
        assert!(s.in_array);
        let s = slot("[service.a]\ntransfers = [\"b\", |]\n").unwrap();
        assert!(s.in_array && s.quote.is_none());
    }

    #[test]
    fn deep_nesting_costs_no_copy_per_level_and_completes_nothing_down_there() {
        // 100,000 levels: each level copying the key path took gigabytes and minutes.
        for (open, close) in [("{a=", "}"), ("[", "]")] {
            let depth = 100_000;
            let deep = format!("{}{}", open.repeat(depth), close.repeat(depth));
            let text = format!("[service.a]\nfoo = {deep}\nou = \"|\"\n");
            assert_eq!(
                slot(&text).map(|s| path(&s)).as_deref(),
                Some("service.a.ou")
            );
            let inside = format!("[service.a]\nfoo = {}|\n", open.repeat(depth));
            assert_eq!(slot(&inside), None);
        }
        // Shallow nesting still completes.
        let s =
            slot("[service]\na = { instant_messaging = { messaging_entry = \"|\" } }\n").unwrap();
        assert_eq!(path(&s), "service.a.instant_messaging.messaging_entry");
    }

    #[test]
    fn no_slot_in_keys_headers_and_comments() {
        assert_eq!(slot("[service.a]\no|u = \"x\"\n"), None);
        assert_eq!(slot("[service.|a]\n"), None);
        assert_eq!(slot("[service.a]\nou = \"x\" # a |comment\n"), None);
        assert_eq!(slot("[service.a]\nou = \"x\"\n|"), None);
        assert_eq!(slot("[service.a]\nou = \"x\"|\n"), None);
    }

    #[test]
    fn entities_and_their_ous_even_when_the_file_is_broken() {
        let text = "[service.a]\nou = \"sales\"\ntransfers = [\"\n[service.b]\nou = 'x'\n[ou]\nroot = {}\n";
        let s = scan(text, 0);
        assert_eq!(
            s.entities,
            [
                ("service".to_owned(), "a".to_owned()),
                ("service".to_owned(), "b".to_owned()),
                ("ou".to_owned(), "root".to_owned())
            ]
        );
        assert_eq!(s.ous[&("service".to_owned(), "b".to_owned())], "x");
        assert_eq!(s.ous[&("service".to_owned(), "a".to_owned())], "sales");
    }
}
