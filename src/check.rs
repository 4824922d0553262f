//! Check: run every rule over the resolved workspace, then apply levels and suppressions.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::Transfers;
use crate::model::{Kind, SecretMask, Service};
use crate::resolve::Workspace;
use crate::rules::{Code, Level, unused_suppression};
use crate::source::Span;

/// What every rule reads: the workspace and its transfer graph.
pub struct Context<'a> {
    /// The resolved workspace.
    pub ws: &'a Workspace,
    /// The transfer graph and its reachability.
    pub transfers: &'a Transfers,
    /// The roots that may be the tenant ([`crate::rules::advice::tenants`]): computed once,
    /// read by `root-ou`, `ou-cycle` and `reference-not-visible`.
    tenant: std::cell::OnceCell<crate::rules::advice::Tenants>,
    /// Per OU, the messaging entries that `missing-messaging-entry` suggests to a service
    /// there: computed once, read by that rule, `reference-not-visible`, `channel-region` and
    /// `used`.
    entry_suggestions: std::cell::OnceCell<crate::rules::advice::EntrySuggestions>,
    /// The connectors `missing-field` suggests to entries that name none: computed once, read
    /// by that rule and by `used`.
    meant_connectors: std::cell::OnceCell<crate::rules::advice::MeantConnectors>,
    /// See [`Context::lone_im_tables`].
    lone_im_tables: std::cell::OnceCell<FxHashMap<usize, Option<u32>>>,
    /// See [`Context::out_of_sight`].
    out_of_sight: std::cell::OnceCell<Vec<crate::rules::reference_not_visible::OutOfSight<'a>>>,
    /// See [`Context::unread_ids`].
    unread_ids: std::cell::OnceCell<FxHashMap<String, (Span, String)>>,
    /// See [`Context::left_out`].
    left_out: std::cell::OnceCell<FxHashMap<(String, String), crate::load::Elsewhere>>,
    /// The rules that held back (drew no conclusion) because part of the workspace could not
    /// be read: a suppression of their codes may be needed once it can, so it is not called
    /// unused.
    held: std::cell::RefCell<FxHashSet<Code>>,
    /// The same for one entity: a rule that drew no conclusion about it.
    held_for: std::cell::RefCell<FxHashSet<(Code, Kind, crate::model::Text)>>,
    /// Diagnostics (code, entity) that stand only when the diagnostics of their causes
    /// (code, entity) were raised and then silenced (allowed or suppressed): consequences
    /// that a reported cause already explains.
    yielding: std::cell::RefCell<Vec<Yield>>,
}

/// A diagnostic by its code and entity.
type Key = (Code, Kind, crate::model::Text);

/// A diagnostic and one cause it yields to.
type Yield = (Key, Key);

/// Whether each cause is accounted for: a diagnostic that yields to it does not stand. A cause
/// is when it was not raised (its rule drew no conclusion), when it is shown, or when it was
/// silenced but yields itself to a cause that is accounted for: below an unreachable service
/// silenced by a comment, what is reached only through it is reported by whatever is reported
/// above it. Each cause is judged once (iteratively: chains of causes run 40,000 deep).
fn covered<'k>(
    causes: &FxHashMap<&'k Key, Vec<&'k Key>>,
    raised: &FxHashSet<Key>,
    shown: &FxHashSet<Key>,
) -> FxHashMap<&'k Key, bool> {
    let mut memo: FxHashMap<&Key, bool> = FxHashMap::default();
    let mut open: FxHashSet<&Key> = FxHashSet::default();
    for &start in causes.values().flatten() {
        let mut stack = vec![(start, false)];
        while let Some((key, expanded)) = stack.pop() {
            if memo.contains_key(key) {
                continue;
            }
            let direct = !raised.contains(key) || shown.contains(key);
            let Some(list) = causes.get(key).filter(|_| !direct) else {
                memo.insert(key, direct);
                continue;
            };
            if expanded {
                // A cause still open lies on a loop of causes: taken as accounted for.
                let v = list.iter().any(|c| memo.get(*c).copied().unwrap_or(true));
                memo.insert(key, v);
            } else if open.insert(key) {
                stack.push((key, true));
                stack.extend(
                    list.iter()
                        .filter(|c| !memo.contains_key(**c))
                        .map(|c| (*c, false)),
                );
            }
        }
    }
    memo
}

impl<'a> Context<'a> {
    /// True when every file was read and parsed: rules that conclude that something is
    /// missing may speak.
    pub fn complete(&self) -> bool {
        self.ws.complete
    }

    /// True when a definition of `kind` was dropped as a duplicate: what its references use or
    /// reach is not in the model, so no rule concludes from them that something is unused or
    /// unreachable (the result would depend on which copy comes first).
    pub fn dropped(&self, kind: Kind) -> bool {
        self.ws.res.duplicates.iter().any(|d| d.kind == kind)
    }

    /// True when an entity is defined twice and its copies place it differently (another
    /// `ou`, or `parent` for an OU): the OU tree, and what each entity sees, then depend on
    /// which copy is kept, that is on file names. The rules that conclude from them (`root-ou`,
    /// `ou-cycle`, `reference-not-visible`) wait for the `duplicate-id` to be settled.
    pub fn copies_placed_apart(&self) -> bool {
        let (model, res) = (&self.ws.model, &self.ws.res);
        // The halves of one entity split across files (`[service.x.instant_messaging]` alone
        // in a file) place it once.
        let copies = (res.duplicates.iter()).filter(|d| !d.sub_tables_only.contains(&true));
        copies.into_iter().any(|d| {
            let dropped = (d.refs.iter())
                .find(|(k, _)| *k == Kind::Ou)
                .map(|(_, v)| &v.value);
            let kept = res.lookup(model, d.kind, &d.id).and_then(|i| match d.kind {
                Kind::Ou => model.ous[i as usize].parent.get(),
                _ => model.def(d.kind, i).ou.get(),
            });
            dropped != kept.map(|v| &v.value)
        })
    }

    /// The connectors suggested to the entries that name none, computed on first use.
    pub(crate) fn meant_connectors(&self) -> &crate::rules::advice::MeantConnectors {
        self.meant_connectors
            .get_or_init(|| crate::rules::advice::MeantConnectors::new(self))
    }

    /// The services written as an IM table alone (`[service.x.instant_messaging]` and no
    /// `[service.x]` anywhere) in a workspace read whole, by index, each with the service it
    /// likely meant; computed on first use (see `missing-field`).
    pub(crate) fn lone_im_tables(&self) -> &FxHashMap<usize, Option<u32>> {
        self.lone_im_tables
            .get_or_init(|| crate::rules::missing_field::lone_im_tables(self))
    }

    /// The references out of their referrer's sight, computed on first use: reported by
    /// `reference-not-visible`, whose offers the `unused-*` rules yield to.
    pub(crate) fn out_of_sight(&self) -> &[crate::rules::reference_not_visible::OutOfSight<'a>] {
        self.out_of_sight
            .get_or_init(|| crate::rules::reference_not_visible::out_of_sight(self))
    }

    /// Every id written as an entity's in a table the model does not read (`[device.team]`,
    /// `[team]`), with where and the table's key path, computed on first use: a reference or
    /// an IM table alone naming one may mean that table, so no fix writes another id in its
    /// place (see `unknown_reference::unread_ids`).
    pub(crate) fn unread_ids(&self) -> &FxHashMap<String, (Span, String)> {
        self.unread_ids
            .get_or_init(|| crate::rules::unknown_reference::unread_ids(self))
    }

    /// Where the files the workspace leaves out define the entities that references and IM
    /// tables alone name and the files read do not, by `(kind's key, id)`, computed on first
    /// use (the look reads files): no fix writes another id in their place (see
    /// `unknown_reference::left_out_definitions`).
    pub(crate) fn left_out(&self) -> &FxHashMap<(String, String), crate::load::Elsewhere> {
        self.left_out
            .get_or_init(|| crate::rules::unknown_reference::left_out_definitions(self))
    }

    /// Records that the rule `code` held back: it drew no conclusion from an incomplete view.
    pub fn hold(&self, code: Code) {
        self.held.borrow_mut().insert(code);
    }

    /// Records that the rule `code` drew no conclusion about one entity.
    pub fn hold_for(&self, code: Code, kind: Kind, id: &str) {
        self.held_for.borrow_mut().insert((code, kind, id.into()));
    }

    /// Records that the diagnostic of rule `code` about one entity stands only when that
    /// entity's `cause` diagnostic was raised and is not shown (see `Context::yielding`).
    pub fn yield_to(&self, code: Code, cause: Code, kind: Kind, id: &str) {
        self.yield_to_other((code, kind, id), (cause, kind, id));
    }

    /// Records that the diagnostic `(code, kind, id)` stands only when the diagnostic
    /// `cause` (of another entity, or of another code) was raised and is not shown; with
    /// several causes, only when each of them was.
    pub fn yield_to_other(&self, (code, kind, id): (Code, Kind, &str), cause: (Code, Kind, &str)) {
        (self.yielding.borrow_mut())
            .push(((code, kind, id.into()), (cause.0, cause.1, cause.2.into())));
    }

    /// The ids of the entities of `kind` that a suppression comment for `code` stands above.
    /// Each list of entities is looked at once, however many comments of a run share it.
    pub fn commented(&self, code: Code, kind: Kind) -> FxHashSet<&str> {
        let mut seen: FxHashSet<*const (Kind, String)> = FxHashSet::default();
        let mut out = FxHashSet::default();
        for s in &self.ws.model.suppressions {
            if s.codes.iter().any(|c| c.value == code) && seen.insert(s.targets.as_ptr()) {
                out.extend(
                    (s.targets.iter())
                        .filter(|(k, _)| *k == kind)
                        .map(|(_, id)| id.as_str()),
                );
            }
        }
        out
    }

    /// The root OU taken for the tenant, computed on first use.
    pub fn tenant(&self) -> Option<u32> {
        self.tenants().chosen
    }

    /// Why the root taken for the tenant is it (see [`Context::tenant`]).
    pub fn why_tenant(&self) -> &'static str {
        self.tenants().why
    }

    /// True when `ou` lies at or below a root that holds as much as the tenant (it may be the
    /// tenant: only file order would tell them apart).
    pub fn may_be_tenant(&self, ou: u32) -> bool {
        let tree = &self.ws.res.tree;
        (self.tenants().heaviest.iter()).any(|&r| tree.is_at_or_above(r, ou) == Some(true))
    }

    fn tenants(&self) -> &crate::rules::advice::Tenants {
        self.tenant
            .get_or_init(|| crate::rules::advice::tenants(self))
    }

    /// Service `i`.
    pub fn service(&self, i: usize) -> &Service {
        &self.ws.model.services[i]
    }

    /// The messaging entry that `missing-messaging-entry` suggests to service `i`: one in
    /// sight of its OU, mentioning a channel it offers when one does. Computed for every OU
    /// on first use.
    pub(crate) fn entry_suggestion(&self, i: usize) -> Option<u32> {
        let ou = self.ws.res.service_ou[i]?;
        let im = self.ws.model.services[i].im.value();
        let channels = im.map(|im| im.twilio_channels()).unwrap_or_default();
        self.entry_suggestions
            .get_or_init(|| crate::rules::advice::suggestions(self))
            .for_service(self, ou, &channels)
    }

    /// The entities of `kind` that nothing uses, for the `unused-*` rule `code`; `None`, with
    /// the rule held back, when that cannot be told (see [`Context::used`]).
    pub fn unused(&self, kind: Kind, code: Code) -> Option<Vec<usize>> {
        let Some(used) = self.complete().then(|| self.used(kind)).flatten() else {
            self.hold(code);
            return None;
        };
        // An entity written as sub-tables alone (`[connector.tw.us]`) is a header typed wrong,
        // which `unknown-field` reports: not an entity to delete.
        let model = &self.ws.model;
        let sub_tables_only = |i: usize| match kind {
            Kind::Connector => model.connectors[i].def.sub_tables_only,
            Kind::MessagingEntry => model.entries[i].def.sub_tables_only,
            _ => false,
        };
        Some(
            (used.iter().enumerate())
                .filter(|&(i, u)| !*u && !sub_tables_only(i))
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The entities of `kind` that some reference uses, or may have meant: resolved
    /// references, the nearest id of each unknown one, and the connector that `missing-field`
    /// suggests to an entry that names none. (The messaging entry that
    /// `missing-messaging-entry` suggests is judged by `unused-messaging-entry` itself.)
    ///
    /// `None` when a reference of that kind could not be read at all, when an entity that
    /// would hold one (a messaging entry for a connector, a service for an entry) was written
    /// with the wrong type or dropped as a duplicate, when an entry names no connector and
    /// none is clearly meant, or when a reference names an unknown id near none: it might
    /// mean any of them.
    pub fn used(&self, kind: Kind) -> Option<Vec<bool>> {
        let res = &self.ws.res;
        let holder = match kind {
            Kind::Connector => Some(Kind::MessagingEntry),
            Kind::MessagingEntry => Some(Kind::Service),
            _ => None,
        };
        let clueless =
            || (res.unresolved.iter()).any(|u| u.kind == kind && u.suggestions.is_empty());
        if res.unreadable_refs[kind as usize] > 0
            || holder.is_some_and(|h| res.unreadable_defs.any(h) || self.dropped(h))
            || clueless()
        {
            return None;
        }
        let resolved: &[Option<u32>] = match kind {
            Kind::Connector => &res.entry_connector,
            Kind::MessagingEntry => &res.service_entry,
            _ => &[],
        };
        let mut used = vec![false; self.ws.model.defs(kind).count()];
        let suggested = res
            .unresolved
            .iter()
            .filter(|u| u.kind == kind)
            .flat_map(|u| u.suggestions.iter().copied());
        for i in resolved.iter().flatten().copied().chain(suggested) {
            used[i as usize] = true;
        }
        if kind == Kind::Connector {
            // An entry that names no connector needs one: the one its `missing-field` help
            // suggests, or, when that is not clear, any of them.
            let meant = self.meant_connectors();
            if meant.unclear {
                return None;
            }
            for c in meant.suggested() {
                used[c as usize] = true;
            }
        }
        Some(used)
    }
}

/// Severity levels chosen on the command line, which win over `[lints]`.
pub type Overrides = [(Code, Level)];

/// Runs every rule and returns the diagnostics to show, in output order, masked with `mask`
/// (the workspace's [`Workspace::secret_mask`]).
pub fn check(
    ws: &Workspace,
    transfers: &Transfers,
    overrides: &Overrides,
    mask: &SecretMask,
) -> Vec<Diagnostic> {
    let cx = Context {
        ws,
        transfers,
        tenant: std::cell::OnceCell::new(),
        entry_suggestions: std::cell::OnceCell::new(),
        meant_connectors: std::cell::OnceCell::new(),
        lone_im_tables: std::cell::OnceCell::new(),
        out_of_sight: std::cell::OnceCell::new(),
        unread_ids: std::cell::OnceCell::new(),
        left_out: std::cell::OnceCell::new(),
        held: std::cell::RefCell::default(),
        held_for: std::cell::RefCell::default(),
        yielding: std::cell::RefCell::default(),
    };
    let mut diags = ws.diagnostics.clone();
    for code in Code::ALL {
        if let Some(check) = code.rule().check {
            check(&cx, &mut diags);
        }
    }
    // A service whose `instant_messaging` could not be read (`= false`) may or may not offer
    // IM: the rules about IM drew no conclusion about it, and a comment silencing one of them
    // is not unused.
    for s in (ws.model.services.iter()).filter(|s| matches!(s.im, crate::model::Field::Invalid)) {
        for code in [
            Code::ImNoAgents,
            Code::ImUnreachable,
            Code::MissingMessagingEntry,
            Code::ChannelLicense,
            Code::ChannelRegion,
        ] {
            cx.hold_for(code, Kind::Service, &s.def.id);
        }
    }
    mask_secrets(mask, &mut diags);
    keep_quotes(ws, &mut diags);
    drop_missing_fields_of_duplicates(ws, &mut diags);
    for d in &mut diags {
        for text in d.texts_mut() {
            if let std::borrow::Cow::Owned(short) = crate::source::clip_quoted(text) {
                *text = short;
            }
            if let std::borrow::Cow::Owned(safe) = crate::source::printable(text) {
                *text = safe;
            }
        }
    }
    let yielding = cx.yielding.take();
    let raised = subjects(&diags, &yielding);
    let mut diags = suppress(ws, diags, &cx.held.borrow(), &cx.held_for.borrow());
    apply_levels(ws, overrides, &mut diags);
    if !yielding.is_empty() {
        let shown = subjects(&diags, &yielding);
        // By (code, entity), the causes it yields to.
        let mut causes: FxHashMap<&Key, Vec<&Key>> = FxHashMap::default();
        for (this, cause) in &yielding {
            causes.entry(this).or_default().push(cause);
        }
        let covered = covered(&causes, &raised, &shown);
        let stands = |d: &Diagnostic| {
            let Some(s) = &d.subject else { return true };
            let key: Key = (d.code, s.kind, s.id.as_str().into());
            let Some(list) = causes.get(&key) else {
                return true;
            };
            list.iter()
                .all(|cause| !covered.get(*cause).copied().unwrap_or(true))
        };
        diags.retain(stands);
    }
    // After the yields: a diagnostic that yields to one a secret holds back stays quiet.
    drop_what_secrets_report(&mut diags);
    sort(ws, &mut diags);
    diags
}

/// The (code, entity) of each diagnostic in `diags` of a code some entry of `yielding` yields
/// to, for each entity it is about.
fn subjects(diags: &[Diagnostic], yielding: &[Yield]) -> FxHashSet<Key> {
    if yielding.is_empty() {
        return FxHashSet::default();
    }
    let causes: FxHashSet<Code> = yielding.iter().map(|(_, cause)| cause.0).collect();
    (diags.iter())
        .filter(|d| causes.contains(&d.code))
        .flat_map(|d| (d.subjects()).map(|s| (d.code, s.kind, s.id.as_str().into())))
        .collect()
}

/// One mistake, one diagnostic: a credential-shaped value reported as a secret, as an
/// error, gets no other diagnostic. Only as an error: a secret allowed or lowered to a
/// warning is a value like any other, whose own errors (an unknown reference, a bad SID)
/// keep a broken bundle from being written.
fn drop_what_secrets_report(diags: &mut Vec<Diagnostic>) {
    let spans: FxHashSet<Span> = (diags.iter())
        .filter(|d| d.code == Code::SecretInConfig && d.severity == Severity::Error)
        .map(|d| d.span)
        .collect();
    if !spans.is_empty() {
        diags.retain(|d| d.code == Code::SecretInConfig || !spans.contains(&d.span));
    }
}

/// No message anywhere repeats a detected secret in full, nor a word shaped like an API key
/// secret (a credential inside a longer value, which no check records).
fn mask_secrets(masker: &SecretMask, diags: &mut [Diagnostic]) {
    // `secret-in-config` redacts its own secret already.
    for d in diags.iter_mut().filter(|d| d.code != Code::SecretInConfig) {
        for text in d.texts_mut() {
            if let Some(masked) = masker.mask(text) {
                *text = masked;
            }
        }
    }
}

/// A fix that replaces a string keeps the quotes it was written in (`'sale'` becomes
/// `'sales'`), when the new text needs no escape in them.
fn keep_quotes(ws: &Workspace, diags: &mut [Diagnostic]) {
    for fix in diags.iter_mut().filter_map(|d| d.fix.as_mut()) {
        let Some(inner) = (fix.text.strip_prefix('"'))
            .and_then(|t| t.strip_suffix('"'))
            .filter(|t| !t.contains(['"', '\\']))
        else {
            continue;
        };
        let old = ws.sources.get(fix.span.file).text.get(fix.span.range());
        let quotes = ["\"\"\"", "'''", "'"]
            .into_iter()
            .find(|q| old.is_some_and(|o| o.len() >= 2 * q.len() && o.starts_with(q)));
        if let Some(q) = quotes.filter(|q| !(q.starts_with('\'') && inner.contains('\''))) {
            // The line break right after a multi-line string's opening quotes is not part of
            // the value, and stays where it was.
            let rest = old.map_or("", |o| &o[q.len()..]);
            let eol = if q.len() == 3 && rest.starts_with("\r\n") {
                "\r\n"
            } else if q.len() == 3 && rest.starts_with('\n') {
                "\n"
            } else {
                ""
            };
            fix.text = format!("{q}{eol}{inner}{q}");
        }
    }
}

/// One mistake, one diagnostic: an entity defined twice (often a sub-table such as
/// `[service.x.instant_messaging]` in another file than `[service.x]`) gets `duplicate-id`,
/// whose help says to merge them, and no `missing-field` for what either half lacks.
fn drop_missing_fields_of_duplicates(ws: &Workspace, diags: &mut Vec<Diagnostic>) {
    if ws.res.duplicates.is_empty() {
        return;
    }
    let headers: FxHashSet<Span> = ws
        .res
        .duplicates
        .iter()
        .flat_map(|d| [d.first, d.later])
        .collect();
    diags.retain(|d| d.code != Code::MissingField || !headers.contains(&d.span));
}

/// Drops diagnostics that a `# nimbus-lint: allow(..)` comment covers, and has
/// `unused-suppression` report the comments that covered nothing (where the rule could judge).
fn suppress(
    ws: &Workspace,
    diags: Vec<Diagnostic>,
    held: &FxHashSet<Code>,
    held_for: &FxHashSet<(Code, Kind, crate::model::Text)>,
) -> Vec<Diagnostic> {
    let sups = &ws.model.suppressions;
    // The comments of a run share their list of entities: one group each, which every entity
    // of the list points at, with the run's (comment, code) pairs by code. A run of many
    // comments above a `[kind]` table of many entities costs their sum, not their product.
    let mut group_of: FxHashMap<*const (Kind, String), usize> = FxHashMap::default();
    let mut groups: Vec<FxHashMap<Code, Vec<(usize, usize)>>> = Vec::new();
    let mut by_target: FxHashMap<(Kind, &str), Vec<usize>> = FxHashMap::default();
    // Each comment's group (none for a comment above no entity).
    let mut group_at: Vec<Option<usize>> = vec![None; sups.len()];
    for (i, s) in sups.iter().enumerate() {
        if s.targets.is_empty() {
            continue;
        }
        let g = *group_of.entry(s.targets.as_ptr()).or_insert_with(|| {
            for (kind, id) in s.targets.iter() {
                by_target
                    .entry((*kind, id.as_str()))
                    .or_default()
                    .push(groups.len());
            }
            groups.push(FxHashMap::default());
            groups.len() - 1
        });
        group_at[i] = Some(g);
        for (j, code) in s.codes.iter().enumerate() {
            groups[g].entry(code.value).or_default().push((i, j));
        }
    }
    // For a comment above no entity (a blank line below it), whether the entity below raises
    // each of its codes: asked only when there is one.
    let detached = sups.iter().any(|s| s.targets.is_empty());
    let raised: FxHashSet<(Code, Kind, String)> = if detached {
        (diags.iter())
            .flat_map(|d| d.subjects().map(|s| (d.code, s.kind, s.id.to_string())))
            .collect()
    } else {
        FxHashSet::default()
    };
    // The (group, code) pairs that silenced something, each marked once: the comments behind
    // a pair are walked after, once, not again for each diagnostic they silence.
    let mut silenced: FxHashSet<(usize, Code)> = FxHashSet::default();
    let mut out: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| {
            if d.code.rule().hard {
                return true;
            }
            let mut hit = false;
            for subject in d.subjects() {
                let gs = by_target.get(&(subject.kind, subject.id.as_str()));
                for &g in gs.into_iter().flatten() {
                    if groups[g].contains_key(&d.code) {
                        silenced.insert((g, d.code));
                        hit = true;
                    }
                }
            }
            !hit
        })
        .collect();
    let mut used: Vec<Vec<bool>> = sups.iter().map(|s| vec![false; s.codes.len()]).collect();
    for (g, code) in silenced {
        for &(i, j) in &groups[g][&code] {
            used[i][j] = true;
        }
    }
    // `allow(unused-suppression)` silences the unused codes of its entity's comments (ruff's
    // `noqa: RUF100`); it is used when it silences one, and reported itself when it does not.
    let mut unused = unused_suppression::unused(ws, &used, held, held_for);
    if detached {
        let around = unused_suppression::entities_around(ws);
        for (i, d) in &mut unused {
            let s = &sups[*i];
            let Some(code) = s.codes.iter().find(|c| c.span == d.span) else {
                continue;
            };
            if s.targets.is_empty() && !code.value.rule().hard {
                let entity = around(s.span);
                let raises =
                    |(kind, id): (Kind, &str)| raised.contains(&(code.value, kind, id.to_owned()));
                d.help = unused_suppression::detached_help(code.value, entity, raises);
            }
        }
    }
    let allows_unused =
        |i: usize| group_at[i].filter(|&g| groups[g].contains_key(&Code::UnusedSuppression));
    let is_allow_unused = |d: &Diagnostic, i: usize| {
        (sups[i].codes.iter()).any(|c| c.value == Code::UnusedSuppression && c.span == d.span)
    };
    let mut silencing: FxHashSet<usize> = FxHashSet::default();
    unused.retain(|(i, d)| match allows_unused(*i) {
        Some(g) if !is_allow_unused(d, *i) => {
            silencing.insert(g);
            false
        }
        _ => true,
    });
    unused.retain(|(i, d)| {
        !(is_allow_unused(d, *i) && allows_unused(*i).is_some_and(|g| silencing.contains(&g)))
    });
    out.extend(unused.into_iter().map(|(_, d)| d));
    out
}

/// Applies command-line levels, then `[lints]`, then defaults; drops what is allowed.
fn apply_levels(ws: &Workspace, overrides: &Overrides, diags: &mut Vec<Diagnostic>) {
    let mut levels: FxHashMap<Code, Level> = FxHashMap::default();
    for (code, level) in &ws.settings.lints {
        levels.insert(*code, level.value);
    }
    for (code, level) in overrides {
        levels.insert(*code, *level);
    }
    diags.retain_mut(|d| {
        if d.code.rule().hard {
            return true;
        }
        match levels.get(&d.code) {
            Some(Level::Allow) => false,
            Some(Level::Warning) => {
                d.severity = Severity::Warning;
                true
            }
            Some(Level::Error) => {
                d.severity = Severity::Error;
                true
            }
            None => true,
        }
    });
}

/// Output order: file, line, column, code (then message, for full determinism).
pub fn sort(ws: &Workspace, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let fa = &ws.sources.get(a.span.file).display();
        let fb = &ws.sources.get(b.span.file).display();
        fa.cmp(fb)
            .then(a.span.start.cmp(&b.span.start))
            .then(a.code.as_str().cmp(b.code.as_str()))
            .then(a.message.cmp(&b.message))
            .then(a.span.end.cmp(&b.span.end))
    });
}
