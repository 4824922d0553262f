//! The typed, spanned model of a workspace: what the parse stage produces.
//!
//! Every value keeps the span it was read from, so that later stages can point at it. A field
//! is [`Field::Absent`] when the file does not set it and [`Field::Invalid`] when it is set but
//! unusable (already reported), so that no rule reports a second problem for the same mistake.

use crate::source::Span;

/// A string of the model (ids, names, references): stored inline up to 24 bytes, which
/// almost every id is, so that a workspace does not make a heap allocation per string.
pub type Text = compact_str::CompactString;

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Its span, from its first character (a string's opening quote) to its last.
    pub span: Span,
}

/// An optional field of an entity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Field<T> {
    /// Not written.
    #[default]
    Absent,
    /// Written, but unusable; a diagnostic has been reported for it already.
    Invalid,
    /// Written and valid.
    Set(Sp<T>),
}

impl<T> Field<T> {
    /// The value, when set and valid.
    pub fn get(&self) -> Option<&Sp<T>> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The value itself, when set and valid.
    pub fn value(&self) -> Option<&T> {
        self.get().map(|v| &v.value)
    }

    /// True when the file does not write the field at all.
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }
}

/// The four kinds of entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `[ou.ID]`: an Organization Unit.
    Ou,
    /// `[connector.ID]`: a Twilio provider connector.
    Connector,
    /// `[messaging_entry.ID]`: a messaging entry.
    MessagingEntry,
    /// `[service.ID]`: a service.
    Service,
}

impl Kind {
    /// All kinds, in the order of the bundle.
    pub const ALL: [Kind; 4] = [
        Kind::Ou,
        Kind::Connector,
        Kind::MessagingEntry,
        Kind::Service,
    ];

    /// The table name in the configuration (`ou`, `connector`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Kind::Ou => "ou",
            Kind::Connector => "connector",
            Kind::MessagingEntry => "messaging_entry",
            Kind::Service => "service",
        }
    }

    /// The indefinite article before [`Kind::noun`] ("an OU", "a service").
    pub fn article(self) -> &'static str {
        match self {
            Kind::Ou => "an",
            _ => "a",
        }
    }

    /// The kind as prose ("OU", "connector", "messaging entry", "service").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Ou => "OU",
            Kind::Connector => "connector",
            Kind::MessagingEntry => "messaging entry",
            Kind::Service => "service",
        }
    }

    /// The noun for several: `services`.
    pub fn nouns(self) -> &'static str {
        match self {
            Kind::Ou => "OUs",
            Kind::Connector => "connectors",
            Kind::MessagingEntry => "messaging entries",
            Kind::Service => "services",
        }
    }
}

/// What every entity has: its id and where it is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Def {
    /// The id (the table key).
    pub id: Text,
    /// The id's key in the file.
    pub id_span: Span,
    /// The entity's table header (`[service.x]`), or its key when written inline or dotted.
    pub header: Span,
    /// `name`: the display name.
    pub name: Field<Text>,
    /// `ou`: the OU the entity belongs to (always `Absent` for OUs, which have `parent`).
    pub ou: Field<Text>,
    /// True when the entity's table holds sub-tables only (`[service.x.instant_messaging]`
    /// written without `[service.x]`).
    pub sub_tables_only: bool,
}

/// A reference an entity writes: the kind it names, and the value written.
pub type Reference<'a> = (Kind, &'a Sp<Text>);

impl Ou {
    /// The references it writes: `parent`.
    pub fn refs(&self) -> impl Iterator<Item = Reference<'_>> {
        self.parent.get().map(|p| (Kind::Ou, p)).into_iter()
    }
}

impl MessagingEntry {
    /// The references it writes: `ou`, `connector`.
    pub fn refs(&self) -> impl Iterator<Item = Reference<'_>> {
        (self.def.refs()).chain(self.connector.get().map(|c| (Kind::Connector, c)))
    }
}

impl Def {
    /// The references every entity but an OU writes: `ou`.
    pub fn refs(&self) -> impl Iterator<Item = Reference<'_>> {
        self.ou.get().map(|o| (Kind::Ou, o)).into_iter()
    }

    /// The display name: `name`, defaulting to the id.
    pub fn display_name(&self) -> &str {
        self.name.value().map_or(&self.id, |n| n.as_str())
    }
}

/// An Organization Unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ou {
    /// Id, header, name.
    pub def: Def,
    /// `parent`: absent on the root OU (the tenant).
    pub parent: Field<Text>,
}

/// Twilio regions a connector can live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum Region {
    /// United States (the only region with WhatsApp and SMS in Conversations).
    Us1,
    /// United States 2.
    Us2,
    /// Ireland.
    Ie1,
    /// Germany.
    De1,
    /// Australia.
    Au1,
    /// Japan.
    Jp1,
    /// Singapore.
    Sg1,
    /// Brazil.
    Br1,
}

/// The secret a connector authenticates with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Secret {
    /// `{ env = "NAME" }`: read from the environment at deploy time.
    Env(Text),
    /// A literal string (an error; the value itself is never kept).
    Literal,
}

/// A provider connector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connector {
    /// Id, header, name, OU.
    pub def: Def,
    /// `type`: only `twilio` is supported.
    pub kind: Field<Text>,
    /// `region`, default `us1`.
    pub region: Field<Region>,
    /// `api_key_sid`.
    pub api_key_sid: Field<Text>,
    /// `api_key_secret`.
    pub api_key_secret: Field<Secret>,
}

impl Connector {
    /// The region with its default applied.
    pub fn region(&self) -> Region {
        self.region.value().copied().unwrap_or(Region::Us1)
    }
}

/// A messaging entry: one Twilio Conversations service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessagingEntry {
    /// Id, header, name, OU.
    pub def: Def,
    /// `connector`: the provider connector it authenticates with.
    pub connector: Field<Text>,
    /// `service_sid`: the Conversations Service SID.
    pub service_sid: Field<Text>,
}

/// Service licences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum License {
    /// Advanced Routing.
    AdvancedRouting,
    /// Enterprise Routing.
    EnterpriseRouting,
    /// Contact Center (needed for WhatsApp and SMS).
    ContactCenter,
}

/// How users are assigned to a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum UserAssignment {
    /// Users from a Microsoft Teams team.
    MsTeams,
    /// Users by skill.
    SkillBased,
    /// No users: IVRs and first-level redirection services.
    None,
}

/// Channels through which customers contact a service directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum Channel {
    /// WhatsApp, through Twilio (needs a messaging entry).
    Whatsapp,
    /// SMS, through Twilio (needs a messaging entry).
    Sms,
    /// The website widget.
    Interact,
}

impl Channel {
    /// The channel's name in prose.
    pub fn display(self) -> &'static str {
        match self {
            Channel::Whatsapp => "WhatsApp",
            Channel::Sms => "SMS",
            Channel::Interact => "the website widget",
        }
    }

    /// True for the channels that go through Twilio (`whatsapp`, `sms`).
    pub fn is_twilio(self) -> bool {
        matches!(self, Channel::Whatsapp | Channel::Sms)
    }
}

/// How a service's `instant_messaging` table is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImForm {
    /// A `[service.x.instant_messaging]` header line: keys go below it.
    Header,
    /// An inline table or dotted keys: keys go into it.
    Inline,
    /// No table: its keys were written in the service table by mistake (reported).
    Implied,
}

/// A service's `instant_messaging` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Im {
    /// The `instant_messaging` header (or key).
    pub header: Span,
    /// How the table is written, which says where a key can be added.
    pub form: ImForm,
    /// `messaging_entry`.
    pub messaging_entry: Field<Text>,
    /// The `channels` array itself, when written.
    pub channels_span: Option<Span>,
    /// The valid items of `channels`.
    pub channels: Vec<Sp<Channel>>,
    /// True when `channels` lists anything at all, valid or not: the service is a front desk.
    pub lists_channel: bool,
    /// True when the table holds a switch that turns IM off (`enabled = false`), which
    /// `unknown-field` reports: the rules about reaching the service yield to it.
    pub switched_off: bool,
}

impl Im {
    /// The first `whatsapp` or `sms` item, if any.
    pub fn twilio_channel(&self) -> Option<&Sp<Channel>> {
        self.channels.iter().find(|c| c.value.is_twilio())
    }

    /// The Twilio channels listed, in a fixed order (WhatsApp, then SMS), once each.
    pub fn twilio_channels(&self) -> Vec<Channel> {
        [Channel::Whatsapp, Channel::Sms]
            .into_iter()
            .filter(|c| self.channels.iter().any(|x| x.value == *c))
            .collect()
    }

    /// The Twilio channels listed, for messages: `WhatsApp`, `WhatsApp and SMS`.
    pub fn twilio_names(&self) -> String {
        let names: Vec<&str> = self.twilio_channels().iter().map(|c| c.display()).collect();
        names.join(" and ")
    }

    /// `needs` or `need`, to follow [`Im::twilio_names`] in a sentence.
    pub fn twilio_verb(&self) -> &'static str {
        self.twilio_agree("needs", "need")
    }

    /// `one` or `many`, the form of a verb that agrees with [`Im::twilio_names`].
    pub fn twilio_agree(&self, one: &'static str, many: &'static str) -> &'static str {
        if self.twilio_channels().len() == 1 {
            one
        } else {
            many
        }
    }
}

/// A service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Id, header, name, OU.
    pub def: Def,
    /// `license`.
    pub license: Field<License>,
    /// `user_assignment`, default `ms_teams`.
    pub user_assignment: Field<UserAssignment>,
    /// The valid items of `transfers`.
    pub transfers: Vec<Sp<Text>>,
    /// True when `transfers` has the wrong type or an item that is not a string (reported):
    /// the service may transfer to more than `transfers` says.
    pub transfers_unreadable: bool,
    /// `instant_messaging`: `Absent` when the service offers no IM.
    pub im: Field<Im>,
}

impl Service {
    /// The references it writes: `ou`, `transfers`, its IM table's `messaging_entry`.
    pub fn refs(&self) -> impl Iterator<Item = Reference<'_>> {
        let entry = (self.im.value()).and_then(|im| im.messaging_entry.get());
        (self.def.refs())
            .chain(self.transfers.iter().map(|t| (Kind::Service, t)))
            .chain(entry.map(|e| (Kind::MessagingEntry, e)))
    }

    /// True when the service lists a channel (customers contact it directly).
    pub fn is_front_desk(&self) -> bool {
        self.im.value().is_some_and(|im| im.lists_channel)
    }

    /// The user assignment with its default applied.
    pub fn user_assignment(&self) -> UserAssignment {
        self.user_assignment
            .value()
            .copied()
            .unwrap_or(UserAssignment::MsTeams)
    }
}

/// A `# nimbus-lint: allow(..)` comment and the entities it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The comment's span (for `unused-suppression`).
    pub span: Span,
    /// The codes it names, with their spans.
    pub codes: Vec<Sp<crate::rules::Code>>,
    /// The entities it applies to: one list shared by every comment of a run (which may
    /// stand above a whole `[kind]` table).
    pub targets: std::sync::Arc<[(Kind, String)]>,
}

/// A string shaped like a Twilio credential, found anywhere in a file.
///
/// The value is kept in memory so that every output can mask it; it is never printed in full.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// Where the string is (with its quotes).
    pub span: Span,
    /// The string.
    pub value: String,
    /// True when the value is an `api_key_secret` literal, which is an error whatever its shape.
    pub literal_secret: bool,
    /// The key the string is the value of (or an item of), when it has one: the help says
    /// what belongs there instead.
    pub key: Option<Text>,
    /// The entity whose table holds the string, when one does: a suppression comment on the
    /// entity covers it.
    pub entity: Option<(Kind, Text)>,
    /// True for a word that no value holds whole: in a comment, or inside a longer string.
    pub loose: bool,
}

impl SecretHit {
    /// The value as outputs may show it (see [`redact`]).
    pub fn redacted(&self) -> String {
        redact(&self.value)
    }
}

impl std::fmt::Debug for SecretHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretHit")
            .field("span", &self.span)
            .field("value", &self.redacted())
            .field("literal_secret", &self.literal_secret)
            .field("loose", &self.loose)
            .finish()
    }
}

/// How many leading characters of a secret of `len` characters outputs may show: four of a
/// value of 16 or more, none of a shorter one (four would be a quarter of it, or all).
pub fn shown_chars(len: usize) -> usize {
    if len >= 16 { 4 } else { 0 }
}

/// A secret as outputs may show it: its first [`shown_chars`] characters and its length.
pub fn redact(value: &str) -> String {
    let len = value.chars().count();
    let head: String = value.chars().take(shown_chars(len)).collect();
    let unit = if len == 1 { "character" } else { "characters" };
    format!("`{head}…` ({len} {unit})")
}

/// Finds detected secrets in messages and masks them ([`redact`]): every output's texts go
/// through one, so that no message repeats a secret in full.
#[derive(Debug)]
pub struct SecretMask {
    values: Vec<String>,
    shown: Vec<String>,
    finder: Option<aho_corasick::AhoCorasick>,
    /// The length in bytes of the longest value.
    longest: usize,
    /// Ids that a value with no lower-case letter does not mask in another case (see
    /// [`SecretMask::except_ids`]).
    ids: rustc_hash::FxHashSet<String>,
}

/// The total length in bytes of the secrets above which [`SecretMask`] searches with an NFA.
const DFA_LIMIT: usize = 4096;

impl SecretMask {
    /// A mask for `values`. Values under 8 characters mask nothing: placeholders such as
    /// `secret` or `key` given as `api_key_secret` (reported, redacted, by `secret-in-config`)
    /// cannot be told apart from the words of a message.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut values: Vec<String> = values
            .into_iter()
            .filter(|v| v.chars().count() >= 8)
            .map(str::to_owned)
            .collect();
        values.sort_unstable();
        values.dedup();
        let shown = values.iter().map(|v| redact(v)).collect();
        // One automaton over every secret: each text is scanned once, whatever their number.
        // Overlapping matches, so that a shorter secret inside a longer one is still seen.
        // In any case: an id's suggested spelling in lower case is the secret all the same
        // (but see `except_ids`).
        // A DFA is the fastest to search, but its build follows failure links for every state
        // and byte: quadratic in a long repetitive secret (100 KB of `a`: minutes). Past a few
        // KiB of secrets the NFA, built in linear time, is searched instead.
        let total: usize = values.iter().map(String::len).sum();
        let kind = (total > DFA_LIMIT).then_some(aho_corasick::AhoCorasickKind::ContiguousNFA);
        let finder = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(kind)
            .build(&values)
            .ok();
        let longest = values.iter().map(String::len).max().unwrap_or(0);
        SecretMask {
            values,
            shown,
            finder,
            longest,
            ids: rustc_hash::FxHashSet::default(),
        }
    }

    /// The mask, where a value with no lower-case letter (`TWILIO_PROD`, a variable's name
    /// written as the secret) spelled in another case is one of `ids`, the workspace's
    /// entities': then it is that id (`twilio_prod`), not the secret, and shown. Anywhere else
    /// (an id's suggested spelling, `try hunter2-prod` for `HUNTER2-PROD`), it is masked.
    pub fn except_ids<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        if self
            .values
            .iter()
            .any(|v| !v.bytes().any(|b| b.is_ascii_lowercase()))
        {
            self.ids = ids.into_iter().map(str::to_owned).collect();
        }
        self
    }

    /// The length in bytes of the longest secret it masks (0 for none).
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Where secrets are in `text`, leftmost first, none overlapping: each place, and how many
    /// of its characters a redacted form shows ([`shown_chars`]).
    pub fn places(&self, text: &str) -> Vec<(std::ops::Range<usize>, usize)> {
        (self.found(text).into_iter())
            .map(|(start, end, i)| (start..end, shown_chars(self.values[i].chars().count())))
            .collect()
    }

    /// The secrets in `text`, leftmost first, the longest at one place, none overlapping:
    /// (start, end, index in `values`).
    fn found(&self, text: &str) -> Vec<(usize, usize, usize)> {
        if self.values.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(usize, usize, usize)> = match &self.finder {
            Some(finder) => finder
                .find_overlapping_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect(),
            // More secrets than an automaton holds: one pass per secret, slow but safe.
            None => {
                let lower = text.to_ascii_lowercase();
                (self.values.iter().enumerate())
                    .flat_map(|(i, v)| {
                        (lower.match_indices(&v.to_ascii_lowercase()))
                            .map(move |(at, _)| (at, at + v.len(), i))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            }
        };
        found.retain(|&(start, end, i)| {
            let v = &self.values[i];
            v.bytes().any(|b| b.is_ascii_lowercase())
                || text[start..end] == *v
                || !self.ids.contains(&text[start..end])
        });
        found.sort_unstable_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut done = 0;
        found.retain(|&(start, end, _)| {
            let keep = start >= done;
            if keep {
                done = end;
            }
            keep
        });
        found
    }

    /// True when `text` holds a secret (an id that is one is never offered to be written).
    pub fn holds(&self, text: &str) -> bool {
        !self.found(text).is_empty()
    }

    /// `text` with every secret in it masked, or `None` when it holds none: wherever it
    /// appears, inside a longer word too (`hunter22_1`), since no output may print a detected
    /// secret in full. Backquotes around it go too: the redacted form brings its own. A word
    /// shaped like an API key secret that no check recorded is masked too
    /// ([`crate::rules::secret_in_config::mask_shaped`]).
    pub fn mask(&self, text: &str) -> Option<String> {
        match self.mask_values(text) {
            Some(masked) => {
                Some(crate::rules::secret_in_config::mask_shaped(&masked).unwrap_or(masked))
            }
            None => crate::rules::secret_in_config::mask_shaped(text),
        }
    }

    /// [`SecretMask::mask`], for the detected secrets alone.
    fn mask_values(&self, text: &str) -> Option<String> {
        let found = self.found(text);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        // Backquotes before the secret, counted as the scan goes: an odd count means it is
        // inside a code span, where the redacted form's own backquotes would break it.
        let (mut scanned, mut ticks) = (0, 0);
        for (start, end, i) in found {
            if start < done {
                continue;
            }
            let quoted =
                start > done && text[..start].ends_with('`') && text[end..].starts_with('`');
            ticks += text[scanned..start].matches('`').count();
            scanned = start;
            let (start, end) = if quoted {
                (start - 1, end + 1)
            } else {
                (start, end)
            };
            out.push_str(&text[done..start]);
            if !quoted && ticks % 2 == 1 {
                // `[ou.corr…]`: the first characters alone (the length is said elsewhere).
                let head = shown_chars(self.values[i].chars().count());
                out.extend(self.values[i].chars().take(head));
                out.push('…');
            } else {
                out.push_str(&self.shown[i]);
            }
            done = end;
        }
        if done == 0 {
            return None;
        }
        out.push_str(&text[done..]);
        Some(out)
    }
}

macro_rules! spellings {
    ($ty:ident, $noun:literal, $($name:literal => $variant:ident),* $(,)?) => {
        impl $ty {
            /// Every spelling and its value, as the configuration writes them.
            pub const SPELLINGS: &'static [(&'static str, $ty)] = &[$(($name, $ty::$variant)),*];
            /// How messages name the set.
            pub const NOUN: &'static str = $noun;

            /// The spelling of the value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
        }
    };
}

spellings!(Region, "region", "us1" => Us1, "us2" => Us2, "ie1" => Ie1, "de1" => De1,
    "au1" => Au1, "jp1" => Jp1, "sg1" => Sg1, "br1" => Br1);
spellings!(License, "licence", "advanced_routing" => AdvancedRouting,
    "enterprise_routing" => EnterpriseRouting, "contact_center" => ContactCenter);
spellings!(UserAssignment, "user assignment", "ms_teams" => MsTeams, "skill_based" => SkillBased,
    "none" => None);
spellings!(Channel, "channel", "whatsapp" => Whatsapp, "sms" => Sms, "interact" => Interact);

/// True when `id` matches `^[a-z0-9][a-z0-9_-]*$`.
pub fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The id nearest to `id` that matches the pattern: letters with accents lose them
/// (`Zürich` → `zurich`, `café-desk` → `cafe-desk`), other letters are transliterated, and
/// each run of other characters becomes one `-`.
pub fn slug(id: &str) -> String {
    let mut out = String::new();
    // True when the last `-` stands for characters an id cannot hold.
    let mut gap = false;
    for c in id.chars().flat_map(ascii_spelling) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
            if !(c == '-' && gap) {
                out.push(c);
            }
            gap = false;
        } else if !out.ends_with('-') {
            out.push('-');
            gap = true;
        }
    }
    out.trim_matches(|c| c == '-' || c == '_').to_owned()
}

/// `c`, or the ASCII spelling of a non-ASCII letter or digit when it is letters and digits
/// alone (`ü` → `u`, `ß` → `ss`, `Ж` → `Zh`, `²` → `2`, `٣` → `3`); any other character
/// unchanged.
pub fn ascii_spelling(c: char) -> impl Iterator<Item = char> {
    let folded = (!c.is_ascii() && c.is_alphanumeric())
        .then(|| deunicode::deunicode_char(c))
        .flatten()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    let (one, many) = match folded {
        Some(s) => (None, Some(s.chars())),
        None => (Some(c), None),
    };
    one.into_iter().chain(many.into_iter().flatten())
}

#[cfg(test)]
mod mask_tests {
    use super::SecretMask;

    const TOKEN: &str = "Ab3dEf7hIj9kLm1nOp3qRs5tUv7wXy9z";

    #[test]
    fn a_secret_under_16_characters_is_masked_wherever_it_appears_with_its_backquotes() {
        let mask = SecretMask::new(["hunter22"]);
        assert_eq!(
            mask.mask(
                "unknown service `hunter22`; hunter222, xhunter22, hunter22_1 and hunter22. go"
            )
            .as_deref(),
            Some(
                "unknown service `…` (8 characters); `…` (8 characters)2, x`…` (8 characters), `…` (8 characters)_1 and `…` (8 characters). go"
            )
        );
        assert_eq!(mask.mask("hunter2"), None);
    }

    #[test]
    fn placeholders_under_8_characters_mask_nothing() {
        let mask = SecretMask::new(["key", "secret", "e"]);
        assert_eq!(
            mask.mask("`api_key_secret` holds a literal secret: the key"),
            None
        );
    }

    #[test]
    fn a_long_secret_is_masked_anywhere() {
        let mask = SecretMask::new([TOKEN]);
        let text = format!("unknown OU `{TOKEN}`, or `x{TOKEN}` and {TOKEN}2");
        let masked = mask.mask(&text).expect("masked");
        assert!(!masked.contains(TOKEN), "{masked}");
        // Inside a longer code span, the first characters alone: the span stays whole.
        assert_eq!(
            masked,
            "unknown OU `Ab3d…` (32 characters), or `xAb3d…` and `Ab3d…` (32 characters)2"
        );
        let help = format!("define it as `[ou.{TOKEN}]`, or name an existing OU");
        assert_eq!(
            mask.mask(&help).as_deref(),
            Some("define it as `[ou.Ab3d…]`, or name an existing OU")
        );
    }

    #[test]
    fn empty_overlapping_and_multibyte_cases_neither_panic_nor_leak() {
        let mask = SecretMask::new(["", "ssssssss", "sssssssss"]);
        assert_eq!(
            mask.mask("…é `ssssssss``sssssssss` …").as_deref(),
            Some("…é `…` (8 characters)`…` (9 characters) …")
        );
        // Where two overlap, the longer one at the leftmost place.
        let mask = SecretMask::new(["abcdefgh", "abcdefghx"]);
        assert_eq!(
            mask.mask("abcdefgh xabcdefghx").as_deref(),
            Some("`…` (8 characters) x`…` (9 characters)")
        );
        assert_eq!(SecretMask::new([""]).mask("anything …"), None);
    }
}
