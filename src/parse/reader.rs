//! Reading typed fields out of a spanned TOML table, reporting every problem on the way.

use crate::diagnostic::toml_string;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::diagnostic::Diagnostic;
use crate::model::{Field, Kind, SecretHit, Sp, Text};
use crate::rules::{invalid_value, secret_in_config, unknown_field};
use crate::source::{FileId, Span};

/// What a table may hold, for `unknown-field`.
pub(crate) struct Schema<'a> {
    /// How the table is named in messages ("service `x`").
    pub what: String,
    /// The keys it knows, in the order the help lists them.
    pub known: &'static [&'static str],
    /// Common wrong keys and the known key they stand for (`ou` on an OU means `parent`);
    /// where `ou` is known, [`super::OU_ALIASES`] too.
    pub aliases: &'static [(&'static str, &'static str)],
    /// Keys that belong to another table, with where they go (`{key}` stands for the key,
    /// `{id}` for the id of the service the table belongs to).
    pub elsewhere: &'static [(&'static str, &'static str)],
    /// That id, for the hints of `elsewhere`.
    pub id: &'a str,
    /// Where the service's IM table takes keys, as written (`{im}` in the hints of
    /// `elsewhere`).
    pub im_place: &'a str,
    /// Required keys told by the shape of their string value, for an unknown key whose name is
    /// too far off for a suggestion (`lic = "contact_center"` is the licence).
    pub by_value: &'static [(&'static str, Shaped)],
    /// For an entity's table, its kind's key and its id: a table under an unknown key, in a
    /// table of tables alone, is the rest of an id written with a dot (`[service.a.b]`).
    pub dotted: Option<(&'static str, &'a str)>,
}

impl Schema<'_> {
    /// The known key that the wrong key `name` stands for, when an alias, and whether a
    /// rename to it is certain: for a spelling of the key, not for a synonym that may mean
    /// something else ([`super::SYNONYMS`], of `ou` in an entity's table and of `parent` in
    /// an OU's; `provider` on a messaging entry).
    pub fn alias(&self, name: &str) -> Option<(&'static str, bool)> {
        // An entity's table: at the top level of a file, `ou` is a kind, not a key.
        let entity = self.known.contains(&"ou") && !self.known.contains(&"service");
        let find = |list: &[(&str, &'static str)]| {
            list.iter()
                .find(|(wrong, _)| *wrong == name)
                .map(|&(_, right)| right)
        };
        if let Some(key) = find(self.aliases).or_else(|| find(super::OU_ALIASES).filter(|_| entity))
        {
            return Some((key, true));
        }
        let synonym_of = if entity {
            "ou"
        } else if self.known.contains(&"parent") {
            "parent"
        } else {
            return None;
        };
        let provider =
            (name == "provider" && self.known.contains(&"connector")).then_some("connector");
        (find(super::SYNONYMS).map(|_| synonym_of))
            .or(provider.filter(|_| entity))
            .map(|k| (k, false))
    }
}

/// Why the value of an unknown key renamed to `key` would be wrong there, if it would: an
/// OU named its own parent, a SID's key given what is no SID (`service_id = "desk"`, the
/// secret under `api_key`).
fn unfit(key: &str, value: &DeValue<'_>, schema: &Schema<'_>) -> Option<&'static str> {
    let DeValue::String(v) = value else {
        return None;
    };
    // The prefix in either case and hex digits, blanks around: what a SID's fix mends.
    let no_sid = |prefix: &str| {
        let t = v.trim();
        let hex = (t.get(..2).filter(|p| p.eq_ignore_ascii_case(prefix))).and(t.get(2..));
        !hex.is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    match key {
        "parent" if schema.dotted == Some(("ou", v.as_ref())) => Some(
            "Its value names this OU itself, which cannot be its own parent: if it is the tenant, remove the line",
        ),
        "service_sid" if no_sid("IS") => Some(
            "Its value is no Conversations Service SID (IS and 32 hex digits): correct the value too",
        ),
        "api_key_sid" if no_sid("SK") => Some(
            "Its value is no API key SID (SK and 32 hex digits): correct the value too, or, if it is the key's secret, write it as `api_key_secret`",
        ),
        _ => None,
    }
}

/// Whether a string value has the shape a key takes.
pub(crate) type Shaped = fn(&str) -> bool;

/// A value of a closed set of spellings (licences, regions, channels, ...).
pub(crate) trait Choice: Copy + 'static {
    /// Each spelling and its value.
    const CHOICES: &'static [(&'static str, Self)];
    /// The name of the set, for messages ("licence", "region").
    const NOUN: &'static str;
}

macro_rules! choice {
    ($($ty:ty),*) => {
        $(impl Choice for $ty {
            const CHOICES: &'static [(&'static str, Self)] = <$ty>::SPELLINGS;
            const NOUN: &'static str = <$ty>::NOUN;
        })*
    };
}

choice!(
    crate::model::Region,
    crate::model::License,
    crate::model::UserAssignment,
    crate::model::Channel
);

/// Walks the tables of one file, collecting diagnostics and secret-shaped strings.
pub(crate) struct Reader<'s> {
    /// The file being read.
    pub file: FileId,
    /// The text being read: the whole file, or one batch of it.
    pub src: &'s str,
    /// Where `src` starts in the file.
    pub base: usize,
    /// Everything reported so far.
    pub diagnostics: Vec<Diagnostic>,
    /// Literal `api_key_secret` values found so far.
    pub secrets: Vec<SecretHit>,
    /// Strings whose words are not looked for in their text (see
    /// [`ParsedFile::words_read`](crate::parse::ParsedFile::words_read)).
    pub words_read: Vec<Span>,
    /// Where each line of `src` starts, found when first needed: a line may hold thousands
    /// of inline entities, and scanning back to its start for each would be quadratic.
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

/// True when `value`, under `key`, is the SID that key takes written with too few or too
/// many hex digits (`SK` and 30): no credential is its prefix and hex digits alone.
fn mistyped_sid(key: &str, value: &str) -> bool {
    let prefix = match key {
        "api_key_sid" => "SK",
        "service_sid" => "IS",
        _ => return false,
    };
    value
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        && value[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The known keys whose value may be a table: a table under an unknown key near one of them
/// may be its misspelling.
const TABLE_KEYS: &[&str] = &["instant_messaging", "api_key_secret"];

/// Keys of a table that were misspelled versions of known keys, so absent fields are not
/// also reported as missing.
#[derive(Default)]
pub(crate) struct Misspelled {
    taken_for: Vec<&'static str>,
    /// True when the table has any unknown key at all: only then may a key of another table
    /// have been written in it by mistake.
    pub any_unknown: bool,
    /// True when an unknown table in it is the rest of an id written with a dot
    /// (`[ou.x.y]`): the entity the header seems to define was never meant.
    pub dotted_id: bool,
}

impl Misspelled {
    /// True when an unknown key of the table was taken for `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.taken_for.contains(&key)
    }
}

/// An array of strings as read: the array itself, its string items, and how many items were
/// rejected (and reported) for not being strings.
pub(crate) struct Strings {
    /// The array field.
    pub field: Field<()>,
    /// The string items.
    pub items: Vec<Sp<Text>>,
    /// Items that were not strings.
    pub rejected: usize,
}

impl<'s> Reader<'s> {
    /// A reader over `src`, which starts at byte `base` of the file.
    pub fn new(file: FileId, src: &'s str, base: usize) -> Self {
        Reader {
            file,
            src,
            base,
            diagnostics: Vec::new(),
            secrets: Vec::new(),
            words_read: Vec::new(),
            line_starts: std::cell::OnceCell::new(),
        }
    }

    /// Where the line of `src` holding byte `at` starts.
    fn line_start(&self, at: usize) -> usize {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.src.as_bytes()).map(|i| i + 1))
                .collect()
        });
        match starts.binary_search(&at) {
            Ok(i) => starts[i],
            Err(i) => starts[i - 1],
        }
    }

    /// The file span of a range of `src`.
    pub fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, range.start + self.base..range.end + self.base)
    }

    /// Reports every key of `table` that `schema` does not know.
    pub fn unknown_keys(&mut self, table: &DeTable<'_>, schema: &Schema<'_>) -> Misspelled {
        let mut misspelled = Misspelled::default();
        let mut unknown: Vec<_> = table
            .iter()
            .filter(|(k, _)| !schema.known.contains(&k.get_ref().as_ref()))
            .collect();
        unknown.sort_by_key(|(k, _)| k.span().start);
        // The name each key's spelling points at, for all of them first: a name two keys
        // point at is offered to both, and renamed in neither (which is meant is not sure).
        // Whether a rename may be made: for an alias or a misspelling, not for a known key
        // with a word around it (`transfers_disabled` is another key: renamed, the service
        // would transfer) nor for the start of one (`conn`).
        // The name an alias or a near spelling points at, kept for the help of a key the table
        // has already (`licence` beside `license`).
        let spelled: Vec<Option<(&'static str, bool)>> = (unknown.iter())
            .map(|(key, _)| {
                let name = key.get_ref().as_ref();
                schema.alias(name).or_else(|| {
                    crate::suggest::nearest(name, schema.known.iter().copied()).map(|n| (n, true))
                })
            })
            .collect();
        let by_name: Vec<Option<(&'static str, bool)>> = (unknown.iter().zip(&spelled))
            .map(|((key, _), spelled)| {
                let name = key.get_ref().as_ref();
                spelled
                    .or_else(|| {
                        (qualified(name, schema.known))
                            .or_else(|| abbreviated(name, schema.known))
                            .map(|n| (n, false))
                    })
                    .filter(|(s, _)| !table.contains_key(*s))
            })
            .collect();
        // How many keys point at each name: counted once, asked for every key.
        let mut wanted: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        for (n, _) in by_name.iter().flatten() {
            *wanted.entry(n).or_default() += 1;
        }
        for (((key, value), named), spelled) in unknown.into_iter().zip(&by_name).zip(spelled) {
            let name = key.get_ref().as_ref();
            // A key taken once by value is not offered again (`lic` and `tier` both
            // "contact_center": the first is the licence), nor one a spelling points at.
            let taken = &misspelled.taken_for;
            let by_value = || match value.get_ref() {
                DeValue::String(v) => (schema.by_value.iter())
                    .find(|(k, shaped)| {
                        !table.contains_key(*k)
                            && !taken.contains(k)
                            && !wanted.contains_key(*k)
                            && shaped(v)
                    })
                    .map(|&(k, _)| k),
                _ => None,
            };
            let shared = named.is_some_and(|(n, _)| wanted.get(n).is_some_and(|&c| c > 1));
            // A rename is certain when the spelling points at a name no other key wants; a
            // guess from the value is offered, not made.
            // `[service.support.bot]`: an id with a dot, not a key of `support` (nor a
            // misspelling of a key that takes no table: `[connector.c1.eu]` is no `ou`).
            let dotted_id = schema.dotted.filter(|_| {
                let is_table = |v: &Spanned<DeValue<'_>>| matches!(v.get_ref(), DeValue::Table(_));
                let tables_alone = table.iter().all(|(_, v)| is_table(v));
                is_table(value)
                    && tables_alone
                    && named.is_none_or(|(n, _)| !TABLE_KEYS.contains(&n))
            });
            let named = if dotted_id.is_some() { &None } else { named };
            let (suggestion, certain) = match named {
                Some((n, sure)) => (
                    Some(*n),
                    *sure && !shared && !self.written_again(key, value),
                ),
                None if dotted_id.is_some() => (None, false),
                None => (by_value(), false),
            };
            // A rename its value would make wrong is offered, never made.
            let unfit = suggestion.and_then(|s| unfit(s, value.get_ref(), schema));
            let certain = certain && unfit.is_none();
            let hint = schema
                .elsewhere
                .iter()
                .find(|(k, _)| *k == name)
                .map(|&(_, hint)| {
                    hint.replace("{im}", schema.im_place)
                        .replace("{key}", name)
                        .replace("{id}", schema.id)
                });
            let hint = hint.or_else(|| {
                let (kind, id) = dotted_id?;
                misspelled.dotted_id = true;
                Some(format!(
                    "ids cannot contain `.`: `[{kind}.{id}.{name}]` is a table `{name}` inside {}; write the id with `-`, e.g. `[{kind}.{id}-{name}]`",
                    schema.what
                ))
            });
            misspelled.any_unknown = true;
            // A string under a key meant for `api_key_secret` (misspelled, or on an entity
            // that takes none) is a literal secret all the same, whatever its shape.
            if let DeValue::String(v) = value.get_ref()
                && (name == "api_key_secret" || suggestion == Some("api_key_secret"))
                && !secret_in_config::names_a_variable(v)
            {
                self.secrets.push(SecretHit {
                    span: self.span(value.span()),
                    value: v.to_string(),
                    literal_secret: true,
                    key: Some(name.into()),
                    entity: None,
                    loose: false,
                });
            }
            // Each name once: the list stays as short as the schema.
            if let Some(s) = suggestion.filter(|s| !misspelled.taken_for.contains(s)) {
                misspelled.taken_for.push(s);
            }
            let mut d = unknown_field::diagnostic(
                self.span(key.span()),
                name,
                &schema.what,
                schema.known,
                suggestion,
                hint.as_deref(),
                certain,
            );
            if let Some(why) = unfit.filter(|_| hint.is_none()) {
                d.help = format!("{} {why}", d.help);
            }
            // A spelling of a key the table has already (`licence` beside `license`): the
            // line repeats it, with the same value or another to choose.
            let already = spelled.and_then(|(n, _)| Some((n, table.get_key_value(n)?)));
            if let (None, None, Some((n, (_, kept)))) = (suggestion, &hint, already) {
                let text = |v: &Spanned<DeValue<'_>>| self.src.get(v.span()).map(str::trim);
                d.help = if text(kept) == text(value) {
                    format!("`{n}` is set already, to the same value: remove this line")
                } else {
                    format!(
                        "`{n}` is set already, to another value: keep the one meant in `{n}`, and remove this line"
                    )
                };
            }
            self.diagnostics.push(d);
        }
        misspelled
    }

    /// True when the key `key` of a table is written in more places than its first: in dotted
    /// keys (`instant_mesaging.channels` below `instant_mesaging.messaging_entry`), in the
    /// headers of its sub-tables, or as an array of tables. A fix renames one place, and
    /// would split the table.
    fn written_again(&self, key: &Spanned<DeString<'_>>, value: &Spanned<DeValue<'_>>) -> bool {
        let first = key.span();
        let Some(raw) = self.src.get(first.clone()) else {
            return false;
        };
        // The key as written first, bare and in either quotes.
        let name = key_str(key);
        let spellings = [
            raw.to_owned(),
            name.to_owned(),
            format!("\"{name}\""),
            format!("'{name}'"),
        ];
        let bytes = self.src.as_bytes();
        // The start of a mention of the key just before `at`, written as `raw.` (spaces
        // allowed around the dot).
        let mention_before = |at: usize| {
            let mut i = at;
            while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
                i -= 1;
            }
            if i == 0 || bytes[i - 1] != b'.' {
                return None;
            }
            i -= 1;
            while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
                i -= 1;
            }
            let before = &self.src[..i];
            spellings
                .iter()
                .find(|s| before.ends_with(s.as_str()))
                .map(|s| i - s.len())
        };
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v.get_ref() {
                DeValue::Table(t) => {
                    for (k, v) in t.iter() {
                        if mention_before(k.span().start).is_some_and(|at| at != first.start) {
                            return true;
                        }
                        stack.push(v);
                    }
                }
                DeValue::Array(items) => {
                    let tables = items
                        .iter()
                        .filter(|i| matches!(i.get_ref(), DeValue::Table(_)));
                    if std::ptr::eq(v, value) && tables.count() > 1 {
                        return true;
                    }
                    stack.extend(items.iter());
                }
                _ => {}
            }
        }
        false
    }

    fn absent<T>(misspelled: &Misspelled, key: &str) -> Field<T> {
        if misspelled.contains(key) {
            Field::Invalid
        } else {
            Field::Absent
        }
    }

    /// The value of `key`, or why there is none.
    pub fn value<'t, 'i>(
        &self,
        table: &'t DeTable<'i>,
        key: &str,
        misspelled: &Misspelled,
    ) -> Result<&'t Spanned<DeValue<'i>>, Field<()>> {
        table.get(key).ok_or_else(|| Self::absent(misspelled, key))
    }

    /// Reports a value of the wrong type: it must be `expected` (`a string`).
    pub fn wrong_type(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        key: &str,
        expected: &str,
        example: &str,
    ) {
        self.diagnostics.push(invalid_value::wrong_type(
            self.span(value.span()),
            key,
            expected,
            type_name(value),
            example,
        ));
    }

    /// The string `s`, written at `span`, with the CRLF line ends of a multi-line string as LF
    /// (TOML lets a parser normalise them): the bundle's bytes must not depend on how git
    /// checked the file out. Escapes that stand for a CR (`\r`, `\u000D`) are kept: they say
    /// what they mean. A string with no CR costs one byte search.
    fn line_ends_as_lf(&self, s: &str, span: std::ops::Range<usize>) -> Text {
        if !s.as_bytes().contains(&b'\r') {
            return Text::from(s);
        }
        let raw = self.src.get(span).unwrap_or_default();
        match crlf_as_lf(s, raw) {
            Some(lf) => Text::from(lf.as_str()),
            None => Text::from(s),
        }
    }

    /// A string field; `example` shows a valid line for the help.
    pub fn string(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        misspelled: &Misspelled,
        example: &str,
    ) -> Field<Text> {
        let value = match self.value(table, key, misspelled) {
            Ok(v) => v,
            Err(f) => return recast(f),
        };
        match value.get_ref() {
            DeValue::String(s) => Field::Set(Sp {
                value: self.line_ends_as_lf(s, value.span()),
                span: self.span(value.span()),
            }),
            // One string in a list: the help shows it unwrapped.
            DeValue::Array(items) if items.len() == 1 => {
                let example = match items.iter().next().map(|i| i.get_ref()) {
                    Some(DeValue::String(s)) => format!("{key} = {}", toml_string(s)),
                    _ => example.to_owned(),
                };
                self.wrong_type(value, key, "a string", &example);
                Field::Invalid
            }
            _ => {
                self.wrong_type(value, key, "a string", example);
                Field::Invalid
            }
        }
    }

    /// A field whose string must be one of `T::CHOICES`.
    pub fn choice<T: Choice>(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        misspelled: &Misspelled,
    ) -> Field<T> {
        let example = format!("{key} = \"{}\"", T::CHOICES[0].0);
        match self.string(table, key, misspelled, &example) {
            Field::Set(s) => match self.pick::<T>(&s, key) {
                Some(v) => Field::Set(Sp {
                    value: v,
                    span: s.span,
                }),
                None => Field::Invalid,
            },
            Field::Absent => Field::Absent,
            Field::Invalid => Field::Invalid,
        }
    }

    /// The value of `T` spelled `s`, or an `invalid-value` diagnostic.
    pub fn pick<T: Choice>(&mut self, s: &Sp<Text>, key: &str) -> Option<T> {
        if let Some(&(_, v)) = T::CHOICES.iter().find(|(name, _)| *name == s.value) {
            return Some(v);
        }
        let names: Vec<&str> = T::CHOICES.iter().map(|(n, _)| *n).collect();
        let near = crate::suggest::nearest_where(&s.value, names.iter().copied(), |_| true);
        self.diagnostics.push(invalid_value::not_a_choice(
            s.span,
            key,
            T::NOUN,
            &s.value,
            &names,
            &near,
        ));
        None
    }

    /// An array field: its span and its string items (other items are reported and left out).
    pub fn strings(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        misspelled: &Misspelled,
        example: &str,
    ) -> Strings {
        let value = match self.value(table, key, misspelled) {
            Ok(v) => v,
            Err(field) => {
                return Strings {
                    field,
                    items: Vec::new(),
                    rejected: 0,
                };
            }
        };
        let DeValue::Array(items) = value.get_ref() else {
            // One string where a list goes: the help shows it in a list, and `--fix` writes
            // it so; a string of several (`"a, b"`: no id or channel holds a comma or a
            // blank) as the list of each.
            let raw = self.src.get(value.span()).unwrap_or_default();
            let list = match value.get_ref() {
                DeValue::String(s) => {
                    const SEPARATORS: [char; 4] = [',', ';', ' ', '\t'];
                    let items: Vec<String> = (s.split(SEPARATORS))
                        .filter(|i| !i.is_empty())
                        .map(toml_string)
                        .collect();
                    let one_line = !raw.starts_with("\"\"\"") && !raw.starts_with("\'\'\'");
                    match &items[..] {
                        [_] if one_line && !s.contains(SEPARATORS) => Some(format!("[{raw}]")),
                        [] => None,
                        _ => Some(format!("[{}]", items.join(", "))),
                    }
                }
                _ => None,
            };
            let example = match &list {
                Some(list) => format!("{key} = {list}"),
                None => example.to_owned(),
            };
            self.wrong_type(value, key, "a list of strings", &example);
            if let Some(list) = list
                && let Some(d) = self.diagnostics.pop()
            {
                let span = self.span(value.span());
                self.diagnostics
                    .push(d.fix(span, list, "Put it in a list".to_owned()));
            }
            return Strings {
                field: Field::Invalid,
                items: Vec::new(),
                rejected: 0,
            };
        };
        let mut out = Vec::with_capacity(items.len());
        let mut rejected = 0;
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Sp {
                    value: self.line_ends_as_lf(s, item.span()),
                    span: self.span(item.span()),
                }),
                _ => {
                    rejected += 1;
                    let what = format!("an item of `{key}`");
                    // The example keeps the items written as strings: the fix is this item.
                    let strings: Vec<String> = (items.iter())
                        .filter_map(|i| match i.get_ref() {
                            DeValue::String(s) => Some(toml_string(s)),
                            _ => None,
                        })
                        .collect();
                    let example = if strings.is_empty() {
                        example.to_owned()
                    } else {
                        format!("{key} = [{}]", strings.join(", "))
                    };
                    self.diagnostics.push(invalid_value::wrong_type(
                        self.span(item.span()),
                        &what,
                        "a string",
                        type_name(item),
                        &example,
                    ));
                }
            }
        }
        Strings {
            field: Field::Set(Sp {
                value: (),
                span: self.span(value.span()),
            }),
            items: out,
            rejected,
        }
    }

    /// The span of an entity's or sub-table's header: the whole `[a.b]` line for a table
    /// header, else the key itself (inline tables and dotted keys).
    pub fn header_span(&self, key: Range<usize>, value: Range<usize>) -> Span {
        let src = self.src;
        if src.get(value.clone()).is_some_and(|v| v.starts_with('[')) {
            return self.span(value);
        }
        let line_start = self.line_start(key.start);
        let before = &src[line_start..key.start];
        let indent = before.len() - before.trim_start_matches([' ', '\t', '\u{feff}']).len();
        if before[indent..].starts_with('[') {
            let rest = &src[key.end..];
            let line_end = rest.find('\n').unwrap_or(rest.len());
            if let Some(close) = rest[..line_end].rfind(']') {
                return self.span(line_start + indent..key.end + close + 1);
            }
        }
        self.span(key)
    }

    /// Records the key `k` when it is shaped like a credential, as a secret of `entity`.
    fn secret_key(
        &mut self,
        k: &Spanned<DeString<'_>>,
        entity: Option<(Kind, &str)>,
        known: &rustc_hash::FxHashSet<Span>,
    ) {
        let name = key_str(k);
        let span = self.span(k.span());
        if secret_in_config::is_secret_shaped(name) && !known.contains(&span) {
            self.secrets.push(SecretHit {
                span,
                value: name.to_owned(),
                literal_secret: false,
                key: None,
                entity: entity.map(|(k, id)| (k, id.into())),
                loose: false,
            });
        }
    }

    /// Records every string of the tree that looks like a Twilio credential. In an entity
    /// file (`entities`), each is tied to the entity whose table holds it.
    pub fn scan_secrets(&mut self, root: &DeTable<'_>, entities: bool) {
        // The literal `api_key_secret` values already recorded; each value is visited once.
        let known: rustc_hash::FxHashSet<Span> = self.secrets.iter().map(|h| h.span).collect();
        // Their places in order: a multi-line string of a file that does not parse had its
        // words recorded where each stands, and is then the same credential.
        let mut places: Vec<(u32, u32)> = known.iter().map(|s| (s.start, s.end)).collect();
        places.sort_unstable();
        let recorded = |span: Span| {
            known.contains(&span) || {
                let at = places.partition_point(|p| p.0 < span.start);
                places.get(at).is_some_and(|p| p.1 <= span.end)
            }
        };
        // Each value with the key it is the value of (or an item of), its depth below the
        // root, and the entity it belongs to: a kind's table at depth 0, its entities at 1.
        type Entry<'v, 'i> = (
            &'v str,
            &'v Spanned<DeValue<'i>>,
            usize,
            Option<(Kind, &'v str)>,
        );
        let mut stack: Vec<Entry<'_, '_>> =
            root.iter().map(|(k, v)| (key_str(k), v, 0, None)).collect();
        // The root's own keys: a credential pasted as a key or a header (`[AbCd…]`).
        for (k, _) in root.iter() {
            self.secret_key(k, None, &known);
        }
        while let Some((key, v, depth, entity)) = stack.pop() {
            // A credential written as a shell would name a variable (`"$AbCd…"`) is one too.
            // A SID's prefix and hex digits alone, too few or too many, is a SID mistyped:
            // the rule of SIDs says so.
            let shaped = |s: &str| {
                let bare = crate::parse::after_dollar(s).unwrap_or(s);
                secret_in_config::is_secret_shaped(bare).then(|| bare.to_owned())
            };
            match v.get_ref() {
                DeValue::String(s) if let Some(value) = shaped(s) => {
                    let span = self.span(v.span());
                    if mistyped_sid(key, &value) {
                        self.words_read.push(span);
                    } else if !recorded(span) {
                        self.secrets.push(SecretHit {
                            span,
                            value,
                            literal_secret: false,
                            key: Some(key.into()),
                            entity: entity.map(|(k, id)| (k, id.into())),
                            loose: false,
                        });
                    }
                }
                // Written with escapes, a string's words are those of its value, not of its
                // text: `\n` would glue an `n` to a word, `\u0058` split one.
                DeValue::String(s)
                    if self.src[v.span()].starts_with('"') && self.src[v.span()].contains('\\') =>
                {
                    let at = v.span();
                    self.words_read.push(self.span(at.clone()));
                    for w in secret_in_config::shaped_words(s, false) {
                        // Where the word is written, else the whole string.
                        let raw = written_at(&self.src[at.clone()], s, w.clone())
                            .map_or(at.clone(), |r| at.start + r.start..at.start + r.end);
                        self.secrets.push(SecretHit {
                            span: self.span(raw),
                            value: s[w].to_owned(),
                            literal_secret: false,
                            key: Some(key.into()),
                            entity: entity.map(|(k, id)| (k, id.into())),
                            loose: true,
                        });
                    }
                }
                DeValue::Array(items) => {
                    stack.extend(items.iter().map(|i| (key, i, depth + 1, entity)));
                }
                DeValue::Table(t) => {
                    let kind = (entities && depth == 0)
                        .then(|| Kind::ALL.iter().copied().find(|k| k.key() == key))
                        .flatten();
                    // A key shaped like a credential (a secret pasted where a key goes) is one
                    // too. An entity's id is an id, as the contract says, when it can be one:
                    // shaped like a credential and breaking the id pattern, it is a credential
                    // pasted as an id.
                    for (k, _) in t.iter() {
                        let name = key_str(k);
                        if kind.is_some() && crate::model::is_valid_id(name) {
                            continue;
                        }
                        self.secret_key(k, kind.map(|kind| (kind, name)).or(entity), &known);
                    }
                    stack.extend(t.iter().map(|(k, v)| {
                        let k = key_str(k);
                        (k, v, depth + 1, kind.map(|kind| (kind, k)).or(entity))
                    }));
                }
                _ => {}
            }
        }
    }
}

fn recast<T>(f: Field<()>) -> Field<T> {
    match f {
        Field::Absent => Field::Absent,
        _ => Field::Invalid,
    }
}

/// How a value's type is named in messages; distinguishes arrays of tables.
pub(crate) fn type_name(v: &Spanned<DeValue<'_>>) -> &'static str {
    match v.get_ref() {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The key string of a spanned table key.
pub(crate) fn key_str<'a>(k: &'a Spanned<DeString<'_>>) -> &'a str {
    k.get_ref().as_ref()
}

/// The span of the first integer whose text is not a TOML integer (the parser lets some
/// through, such as a bare `0x` or digits of other scripts): a syntax error.
pub(crate) fn invalid_integer(src: &str, root: &DeTable<'_>) -> Option<Range<usize>> {
    let mut stack: Vec<&Spanned<DeValue<'_>>> = root.values().collect();
    let mut first: Option<Range<usize>> = None;
    while let Some(v) = stack.pop() {
        match v.get_ref() {
            DeValue::Integer(_) => {
                let span = v.span();
                let ok = src.get(span.clone()).is_some_and(is_toml_integer);
                if !ok && first.as_ref().is_none_or(|f| span.start < f.start) {
                    first = Some(span);
                }
            }
            DeValue::Array(items) => stack.extend(items.iter()),
            DeValue::Table(t) => stack.extend(t.values()),
            _ => {}
        }
    }
    first
}

/// TOML 1.x integer syntax, within the range of an `i64`.
fn is_toml_integer(text: &str) -> bool {
    let digits_ok = |body: &str, digit: fn(u8) -> bool| {
        let b = body.as_bytes();
        !b.is_empty()
            && digit(b[0])
            && digit(b[b.len() - 1])
            && b.windows(2).all(|w| !(w[0] == b'_' && w[1] == b'_'))
            && b.iter().all(|&c| c == b'_' || digit(c))
    };
    let clean = |body: &str| body.replace('_', "");
    if let Some(rest) = text.strip_prefix("0x") {
        return digits_ok(rest, |c| c.is_ascii_hexdigit())
            && i64::from_str_radix(&clean(rest), 16).is_ok();
    }
    if let Some(rest) = text.strip_prefix("0o") {
        return digits_ok(rest, |c| (b'0'..=b'7').contains(&c))
            && i64::from_str_radix(&clean(rest), 8).is_ok();
    }
    if let Some(rest) = text.strip_prefix("0b") {
        return digits_ok(rest, |c| c == b'0' || c == b'1')
            && i64::from_str_radix(&clean(rest), 2).is_ok();
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned.len() > 1 && unsigned.starts_with('0') {
        return false;
    }
    digits_ok(unsigned, |c| c.is_ascii_digit()) && clean(text).parse::<i64>().is_ok()
}

/// The one known key that `name` (two characters or more, case and `-` aside) begins, or
/// begins a word of: `conn` for `connector`, `entr` for `messaging_entry`.
fn abbreviated(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let name = name.to_ascii_lowercase().replace('-', "_");
    if name.chars().count() < 2 {
        return None;
    }
    let mut found = known.iter().copied().filter(|k| {
        k.split('_')
            .enumerate()
            .any(|(i, word)| word.starts_with(&name) || (i == 0 && k.starts_with(&name)))
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The known key that `name` qualifies with a word before or after it (`ou_id`, `license_type`,
/// `service-license`): too far from it by spelling for a did-you-mean, offered, never renamed
/// (`transfers_disabled` is another key).
fn qualified(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let name = name.to_ascii_lowercase().replace('-', "_");
    known.iter().copied().find(|k| {
        name.strip_prefix(k)
            .is_some_and(|rest| rest.starts_with('_'))
            || name.strip_suffix(k).is_some_and(|rest| rest.ends_with('_'))
    })
}

/// The basic string written `raw` (`"…"` or `"""…"""`, quotes included) decoded again,
/// escape by escape: for each character of its value `value`, the bytes of `raw` that write
/// it (a backslash that ends a line writes none: the break and the whitespace after it go).
/// `None` when this decoding does not give `value` (a string the parser recovered from).
fn decode_basic(raw: &str, value: &str) -> Option<Vec<(Range<usize>, char)>> {
    let quotes = if raw.starts_with("\"\"\"") { 3 } else { 1 };
    let bytes = raw.get(..raw.len().checked_sub(quotes)?)?.as_bytes();
    // A line break right after the opening quotes is not part of the value.
    let mut i = match (quotes, bytes.get(quotes..).unwrap_or_default()) {
        (3, [b'\r', b'\n', ..]) => quotes + 2,
        (3, [b'\n', ..]) => quotes + 1,
        _ => quotes,
    };
    let hex = |from: usize, n: usize| {
        let code = u32::from_str_radix(raw.get(from..from + n)?, 16).ok()?;
        Some((2 + n, Some(char::from_u32(code)?)))
    };
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while i < bytes.len() {
        // The bytes written, and the character they stand for.
        let (written, decoded) = match bytes[i] {
            b'\\' => match bytes.get(i + 1)? {
                b'b' => (2, Some('\u{8}')),
                b't' => (2, Some('\t')),
                b'n' => (2, Some('\n')),
                b'f' => (2, Some('\u{c}')),
                b'r' => (2, Some('\r')),
                b'e' => (2, Some('\u{1b}')),
                b'"' => (2, Some('"')),
                b'\\' => (2, Some('\\')),
                b'x' => hex(i + 2, 2)?,
                b'u' => hex(i + 2, 4)?,
                b'U' => hex(i + 2, 8)?,
                _ => {
                    let n = (bytes[i + 1..].iter())
                        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                        .count();
                    (1 + n, None)
                }
            },
            _ => {
                let c = raw[i..].chars().next()?;
                (c.len_utf8(), Some(c))
            }
        };
        if let Some(c) = decoded {
            rest = rest.strip_prefix(c)?;
            out.push((i..i + written, c));
        }
        i += written;
    }
    rest.is_empty().then_some(out)
}

/// Where bytes `w` of `value`, the value of the basic string `raw` (as written, quotes
/// included), are written in `raw` ([`decode_basic`]).
fn written_at(raw: &str, value: &str, w: Range<usize>) -> Option<Range<usize>> {
    let (mut from, mut start, mut end) = (0, None, None);
    for (at, c) in decode_basic(raw, value)? {
        if from == w.start {
            start = Some(at.start);
        }
        from += c.len_utf8();
        if from == w.end {
            end = Some(at.end);
        }
    }
    Some(start?..end?)
}

/// The value `s` of the string written `raw` (quotes included), with each CR that comes from a
/// raw CRLF line break of a multi-line string removed; `None` when nothing changes (a
/// single-line string, or no raw line break in the value).
///
/// A literal string (`'''`) has no escapes: every CR of its value is a line break's. In a
/// basic string (`"""`) a CR of the value comes from a raw line break or from an escape (`\r`,
/// `\u000D`, `\x0D`), which [`decode_basic`] tells apart: an escape says what it means and is
/// kept. A string the parser recovered from is left as it is.
fn crlf_as_lf(s: &str, raw: &str) -> Option<String> {
    if raw.starts_with("'''") {
        return raw.contains("\r\n").then(|| s.replace("\r\n", "\n"));
    }
    if !raw.starts_with("\"\"\"") {
        return None;
    }
    let decoded = decode_basic(raw, s)?;
    let raw_cr = |(at, c): &&(Range<usize>, char)| *c == '\r' && raw.as_bytes()[at.start] == b'\r';
    if !decoded.iter().any(|d| raw_cr(&d)) {
        return None;
    }
    Some(
        decoded
            .iter()
            .filter(|d| !raw_cr(d))
            .map(|(_, c)| c)
            .collect(),
    )
}

#[cfg(test)]
mod integer_tests {
    use super::is_toml_integer;

    #[test]
    fn toml_integers() {
        for ok in [
            "0",
            "+1",
            "-17",
            "1_000",
            "0xDEAD_beef",
            "0o755",
            "0b1_0",
            "9223372036854775807",
        ] {
            assert!(is_toml_integer(ok), "{ok}");
        }
        for bad in [
            "0x",
            "0o",
            "0b",
            "00",
            "+01",
            "1__0",
            "_1",
            "1_",
            "1_0\u{660}",
            "0x_1",
            "9223372036854775808",
            "-0x1",
        ] {
            assert!(!is_toml_integer(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod line_end_tests {
    use super::crlf_as_lf;

    /// `crlf_as_lf` on a value and its raw text, both written with LF and turned into CRLF.
    fn normalised(raw_lf: &str, value_lf: &str) -> String {
        let raw = raw_lf.replace('\n', "\r\n");
        let value = value_lf.replace('\n', "\r\n");
        crlf_as_lf(&value, &raw).unwrap_or(value)
    }

    #[test]
    fn raw_crlf_line_breaks_become_lf_and_escapes_stay() {
        // A literal string has no escapes: `\r` in it is text.
        assert_eq!(
            normalised("'''C:\\reports\nsecond'''", "C:\\reports\nsecond"),
            "C:\\reports\nsecond"
        );
        // An escaped backslash, then `r`.
        assert_eq!(
            normalised("\"\"\"path C:\\\\rep\nnext\"\"\"", "path C:\\rep\nnext"),
            "path C:\\rep\nnext"
        );
        // A real escape is kept, the line break after it is not.
        assert_eq!(
            crlf_as_lf(
                "esc\r\nhere\r\nand line",
                "\"\"\"esc\\r\\nhere\r\nand line\"\"\""
            ),
            Some("esc\r\nhere\nand line".to_owned())
        );
        assert_eq!(
            crlf_as_lf("a\rb\r\nc", "\"\"\"a\\u000Db\r\nc\"\"\""),
            Some("a\rb\nc".to_owned())
        );
        assert_eq!(
            crlf_as_lf("a\rb\r\nc", "\"\"\"a\\U0000000db\r\nc\"\"\""),
            Some("a\rb\nc".to_owned())
        );
        assert_eq!(
            crlf_as_lf("a\rb\r\nc", "\"\"\"a\\x0Db\r\nc\"\"\""),
            Some("a\rb\nc".to_owned())
        );
        // The line break after the opening quotes is not in the value.
        assert_eq!(
            normalised("\"\"\"\nfirst\nsecond\"\"\"", "first\nsecond"),
            "first\nsecond"
        );
        // A backslash at the end of a line trims the break and the indentation after it.
        assert_eq!(
            normalised("\"\"\"one \\\n   two\nthree\"\"\"", "one two\nthree"),
            "one two\nthree"
        );
        assert_eq!(
            crlf_as_lf(
                "one two \r\n\r\nthree",
                "\"\"\"one \\  \r\n\r\n  two \\r\\n\r\nthree\"\"\""
            ),
            Some("one two \r\n\nthree".to_owned())
        );
    }

    #[test]
    fn strings_that_are_not_multi_line_or_do_not_match_are_left_alone() {
        assert_eq!(crlf_as_lf("a\r\nb", "\"a\\r\\nb\""), None);
        // Only escapes: nothing to change.
        assert_eq!(crlf_as_lf("a\r\nb", "\"\"\"a\\r\\nb\"\"\""), None);
        // A value the raw text does not account for is kept as it is.
        assert_eq!(crlf_as_lf("a\r\nb\r\nc", "\"\"\"a\r\nbc\"\"\""), None);
    }
}

#[cfg(test)]
mod tests {
    use super::written_at;

    /// Each string, with the word `XYZ` in its value, is read by the `toml` crate, and the
    /// word found where it is written.
    #[test]
    fn a_words_place_in_a_string_is_found_through_every_escape() {
        for raw in [
            r#""XYZ""#,
            r#""\tXYZ\n""#,
            r#""é\u00e9\U0001F600\x41\e\"\\XYZ""#,
            r#""\u0058YZ""#,
            r#""X\x59Z""#,
            "\"\"\"\nab\\\n   \tc\r\nXYZ\"\"\"",
            "\"\"\"\r\nXYZ\"\"\"",
            "\"\"\"a\"\"XYZ\"\"\"\"",
        ] {
            let value: String = toml::from_str::<toml::Table>(&format!("k = {raw}"))
                .unwrap_or_else(|e| panic!("{raw}: {e}"))["k"]
                .as_str()
                .unwrap()
                .to_owned();
            let at = value.find("XYZ").unwrap();
            let found = written_at(raw, &value, at..at + 3).unwrap();
            let written = &raw[found];
            // Decoded, what is written there is the word.
            let decoded: String = toml::from_str::<toml::Table>(&format!("k = \"{written}\""))
                .unwrap()["k"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(decoded, "XYZ", "{raw}");
        }
        // A value this decoding does not give: no place.
        assert_eq!(written_at(r#""abc""#, "abd", 0..1), None);
    }
}
