//! Resolve: ids → indices across files, the OU tree, and visibility.
//!
//! Takes the parsed files in path order, keeps the first definition of every id (later ones are
//! recorded as duplicates), resolves every reference and builds the OU tree. Everything here is
//! iterative and linear: a 100,000-deep OU chain is just a long loop.

use crate::diagnostic::Diagnostic;
use crate::model::{
    Connector, Def, Field, Kind, MessagingEntry, Ou, SecretHit, Service, Sp, Suppression, Text,
};
use crate::parse::ParsedFile;
use crate::parse::settings::Settings;
use crate::source::{FileId, Sources, Span};

pub use crate::model::{is_valid_id, slug};

/// Every entity of the workspace, one definition per id, in (path, position) order.
#[derive(Debug, Default)]
pub struct Model {
    /// Organization Units.
    pub ous: Vec<Ou>,
    /// Provider connectors.
    pub connectors: Vec<Connector>,
    /// Messaging entries.
    pub entries: Vec<MessagingEntry>,
    /// Services.
    pub services: Vec<Box<Service>>,
    /// Suppression comments of every file.
    pub suppressions: Vec<Suppression>,
    /// Credential-shaped strings of every file, sorted by span.
    pub secrets: Vec<SecretHit>,
}

impl Model {
    /// The definition of entity `i` of `kind`.
    pub fn def(&self, kind: Kind, i: u32) -> &Def {
        let i = i as usize;
        match kind {
            Kind::Ou => &self.ous[i].def,
            Kind::Connector => &self.connectors[i].def,
            Kind::MessagingEntry => &self.entries[i].def,
            Kind::Service => &self.services[i].def,
        }
    }

    /// The definitions of one kind.
    pub fn defs(&self, kind: Kind) -> Box<dyn Iterator<Item = &Def> + '_> {
        match kind {
            Kind::Ou => Box::new(self.ous.iter().map(|e| &e.def)),
            Kind::Connector => Box::new(self.connectors.iter().map(|e| &e.def)),
            Kind::MessagingEntry => Box::new(self.entries.iter().map(|e| &e.def)),
            Kind::Service => Box::new(self.services.iter().map(|e| &e.def)),
        }
    }
}

/// A later definition of an id already defined.
#[derive(Debug, Clone)]
pub struct Duplicate {
    /// The kind.
    pub kind: Kind,
    /// The id.
    pub id: Text,
    /// The first definition's header.
    pub first: Span,
    /// This definition's header.
    pub later: Span,
    /// This definition's id (its key).
    pub later_id: Span,
    /// Whether the first and this definition hold sub-tables only
    /// (`[service.x.instant_messaging]` in a file of its own): with one of them, the two are
    /// the halves of one entity, split across files.
    pub sub_tables_only: [bool; 2],
    /// The references this definition writes (`ou`, `transfers`, ...), with the kind each
    /// names: the model keeps the first definition alone, and a rename must reach these too.
    pub refs: Vec<(Kind, Sp<Text>)>,
}

/// The references of an entity, `refs`, owned: kept beside a duplicate.
fn owned<'a>(refs: impl Iterator<Item = crate::model::Reference<'a>>) -> Vec<(Kind, Sp<Text>)> {
    refs.map(|(k, v)| (k, v.clone())).collect()
}

/// A reference that names no entity.
#[derive(Debug, Clone)]
pub struct Unresolved {
    /// The kind the reference must name.
    pub kind: Kind,
    /// The key it was written under (`ou`, `parent`, `connector`, ...).
    pub field: &'static str,
    /// The name written.
    pub value: Text,
    /// The reference's span.
    pub span: Span,
    /// The entity holding the reference.
    pub from: (Kind, Text),
    /// The existing entities of that kind whose ids are nearest, when close: one, or several
    /// equally near. Only those the reference may name (never the referrer itself, nor, for
    /// `parent`, an OU below it; ids that break the pattern only when written as the id
    /// pattern would have them) unless none is: then those out of the referrer's sight.
    pub suggestions: Vec<u32>,
    /// True when the suggestions sit where the referrer cannot see them.
    pub hidden: bool,
    /// True when a spelling as near as the suggestions (or nearer) is one the reference may
    /// not name (the referrer itself, an OU below it) or cannot see: which was meant is not
    /// sure, so none is written in by a fix.
    pub unsure: bool,
    /// True when the reference names an entity whose id breaks the pattern, as the fix of
    /// that id would spell it (`sales-ivr` for `[service.Sales-IVR]`): the `invalid-value`
    /// at the id says it all.
    pub renamed: bool,
}

impl Unresolved {
    /// The one entity the reference surely meant: a single suggestion, in sight, with no
    /// spelling as near that it may not name or cannot see.
    pub fn suggestion(&self) -> Option<u32> {
        match self.suggestions[..] {
            [one] if !self.hidden && !self.unsure => Some(one),
            _ => None,
        }
    }
}

/// The OU tree: parents, roots, loops, and an Euler tour for "is above" queries.
#[derive(Debug, Default)]
pub struct OuTree {
    /// Resolved parent of each OU.
    pub parent: Vec<Option<u32>>,
    /// OUs without `parent`, in (path, position) order.
    pub roots: Vec<u32>,
    /// Each loop of parents, in parent order starting at its smallest id.
    pub cycles: Vec<Vec<u32>>,
    enter: Vec<u32>,
    leave: Vec<u32>,
    /// Distance from the root, for OUs under a root.
    pub depth: Vec<u32>,
}

const UNREACHED: u32 = u32::MAX;

impl OuTree {
    /// True when `ou` hangs under a root (not in or below a loop, no broken parent on the way).
    pub fn is_rooted(&self, ou: u32) -> bool {
        self.enter[ou as usize] != UNREACHED
    }

    /// The OUs under a root, each after its parent.
    pub fn preorder(&self) -> Vec<u32> {
        let mut ous: Vec<u32> = (0..self.enter.len() as u32)
            .filter(|&o| self.is_rooted(o))
            .collect();
        ous.sort_unstable_by_key(|&o| self.enter[o as usize]);
        ous
    }

    /// `Some(true)` when `above` is `ou` or one of its ancestors; `None` when either is not
    /// in a rooted tree (the question has no answer until the tree is fixed).
    pub fn is_at_or_above(&self, above: u32, ou: u32) -> Option<bool> {
        if !self.is_rooted(above) || !self.is_rooted(ou) {
            return None;
        }
        let (a, o) = (above as usize, ou as usize);
        Some(self.enter[a] <= self.enter[o] && self.leave[o] <= self.leave[a])
    }

    /// The OUs from the root down to `ou` (inclusive), when rooted.
    pub fn path(&self, ou: u32) -> Option<Vec<u32>> {
        if !self.is_rooted(ou) {
            return None;
        }
        let mut path = vec![ou];
        let mut at = ou;
        while let Some(p) = self.parent[at as usize] {
            path.push(p);
            at = p;
        }
        path.reverse();
        Some(path)
    }
}

/// Resolved references, by entity index.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Id → index, for each kind (indexed like [`Kind::ALL`]).
    pub ids: [Ids; 4],
    /// The entities a misspelled kind's rename defines (`[services.x]` fixed to `[service.x]`,
    /// certain, or told to be made with its IM table moved beside it): their IM tables alone
    /// are theirs, not another service's to rename.
    pub kind_renames: rustc_hash::FxHashSet<(Kind, Text)>,
    /// The OU tree.
    pub tree: OuTree,
    /// The OU of each connector.
    pub connector_ou: Vec<Option<u32>>,
    /// The OU of each messaging entry.
    pub entry_ou: Vec<Option<u32>>,
    /// The OU of each service.
    pub service_ou: Vec<Option<u32>>,
    /// The connector of each messaging entry.
    pub entry_connector: Vec<Option<u32>>,
    /// The messaging entry each service applies.
    pub service_entry: Vec<Option<u32>>,
    /// Each service's resolved transfers: (target, index of the item in `transfers`).
    pub transfers: Vec<Vec<(u32, u32)>>,
    /// References naming no entity.
    pub unresolved: Vec<Unresolved>,
    /// Later definitions of ids already defined.
    pub duplicates: Vec<Duplicate>,
    /// How many references of each kind (indexed like [`Kind::ALL`]) could not be read at
    /// all (wrong type): they might have named any entity of that kind.
    pub unreadable_refs: [usize; 4],
    /// Definitions written with the wrong type (reported by the parser).
    pub unreadable_defs: UnreadableDefs,
}

/// Definitions written with the wrong type: `[ou] sales = "x"` defines `sales`, unreadably;
/// `ou = 1` may define any OU. References to them are not reported again, and no rule
/// concludes that an OU is missing.
#[derive(Debug, Default)]
pub struct UnreadableDefs {
    every: [bool; 4],
    ids: [rustc_hash::FxHashSet<Text>; 4],
}

impl UnreadableDefs {
    /// Records a definition of `kind` (`None`: the whole `[kind]` table).
    pub fn add(&mut self, kind: Kind, id: Option<Text>) {
        match id {
            Some(id) => {
                self.ids[kind as usize].insert(id);
            }
            None => self.every[kind as usize] = true,
        }
    }

    /// True when some definition of `kind` could not be read.
    pub fn any(&self, kind: Kind) -> bool {
        self.every[kind as usize] || !self.ids[kind as usize].is_empty()
    }

    /// True when `id` may be an entity of `kind` that could not be read.
    pub fn may_define(&self, kind: Kind, id: &str) -> bool {
        self.every[kind as usize] || self.ids[kind as usize].contains(id)
    }
}

impl Resolution {
    /// The index of entity `id` of `kind` in `model` (the model this resolution was made of).
    pub fn lookup(&self, model: &Model, kind: Kind, id: &str) -> Option<u32> {
        self.ids[kind as usize].get(id, |i| &model.def(kind, i).id)
    }
}

/// The index of each id of one kind: a table of indices into the model, whose definitions
/// hold the ids themselves (no copy of every id).
#[derive(Clone, Debug, Default)]
pub struct Ids {
    table: hashbrown::HashTable<u32>,
}

impl Ids {
    fn hash(id: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(id)
    }

    /// The index of `id`, where `id_of` gives the id at an index.
    pub fn get<'m>(&self, id: &str, id_of: impl Fn(u32) -> &'m str) -> Option<u32> {
        self.table
            .find(Self::hash(id), |&i| id_of(i) == id)
            .copied()
    }

    /// Records that `id` is at `index`, unless the id is known already: then returns the
    /// index it is at.
    fn insert<'m>(&mut self, id: &str, index: u32, id_of: impl Fn(u32) -> &'m str) -> Option<u32> {
        match self.table.entry(
            Self::hash(id),
            |&i| id_of(i) == id,
            |&i| Self::hash(id_of(i)),
        ) {
            hashbrown::hash_table::Entry::Occupied(e) => Some(*e.get()),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(index);
                None
            }
        }
    }
}

/// A workspace, loaded, parsed and resolved: what rules, the compiler and the emitters read.
#[derive(Debug, Default)]
pub struct Workspace {
    /// The workspace root.
    pub root: std::path::PathBuf,
    /// Every file, by id.
    pub sources: Sources,
    /// `nimbus.toml`, when there is one.
    pub settings_file: Option<FileId>,
    /// The settings.
    pub settings: Settings,
    /// The entities.
    pub model: Model,
    /// The references between them.
    pub res: Resolution,
    /// False when some file could not be read or parsed: rules that conclude that something
    /// is missing stay quiet.
    pub complete: bool,
    /// Diagnostics of loading and parsing.
    pub diagnostics: Vec<Diagnostic>,
    /// The look at the files the workspace leaves out (none for one held in memory).
    pub left_out: Option<crate::load::LeftOut>,
}

impl Workspace {
    /// Where the files the workspace leaves out define the entities of `wanted`
    /// (`(kind's key, id)` pairs): see [`crate::load::LeftOut::definitions`]. Empty for a
    /// workspace held in memory, or when nothing is wanted (the look reads files).
    pub fn defined_elsewhere(
        &self,
        wanted: &std::collections::HashSet<(&str, &str)>,
    ) -> rustc_hash::FxHashMap<(String, String), crate::load::Elsewhere> {
        match &self.left_out {
            Some(look) if !wanted.is_empty() => {
                let read = self.sources.iter().map(|(_, f)| f.path.as_path()).collect();
                look.definitions(wanted, &read)
            }
            _ => Default::default(),
        }
    }

    /// The mask of the workspace's detected secrets (see [`crate::model::SecretMask`]).
    pub fn secret_mask(&self) -> crate::model::SecretMask {
        let values = self.model.secrets.iter().map(|s| s.value.as_str());
        let ids = Kind::ALL
            .iter()
            .flat_map(|&k| self.model.defs(k).map(|d| d.id.as_str()));
        crate::model::SecretMask::new(values).except_ids(ids)
    }

    /// True when `word` is the id of an entity of some kind.
    pub fn is_entity_id(&self, word: &str) -> bool {
        crate::model::is_valid_id(word)
            && (Kind::ALL.iter()).any(|&k| self.res.lookup(&self.model, k, word).is_some())
    }
}

/// The entities that the files with a `syntax` error define, read from the text of their
/// headers and dotted keys (see [`crate::parse::lines::id_key_spans`]), by kind and id, with
/// the file and byte offset of the first. Linear: each such file is read once.
fn unparsed_definitions(ws: &Workspace) -> rustc_hash::FxHashMap<(Kind, String), (FileId, usize)> {
    let mut files: Vec<FileId> = (ws.diagnostics.iter())
        .filter(|d| d.code == crate::rules::Code::Syntax)
        .map(|d| d.span.file)
        .filter(|&f| Some(f) != ws.settings_file)
        .collect();
    files.sort_unstable_by_key(|f| f.0);
    files.dedup_by_key(|f| f.0);
    let mut out = rustc_hash::FxHashMap::default();
    for file in files {
        let source = ws.sources.get(file);
        for (key, id, at) in crate::parse::lines::id_key_spans(&source.text) {
            let Some(kind) = Kind::ALL.into_iter().find(|k| k.key() == key) else {
                continue;
            };
            out.entry((kind, id)).or_insert((file, at.start));
        }
    }
    out
}

/// Merges parsed files (in path order) into one model and resolves it.
pub fn resolve(mut ws: Workspace, files: Vec<ParsedFile>) -> Workspace {
    let mut res = Resolution::default();
    let mut model = Model::default();
    let (mut ous, mut connectors, mut entries, mut services) = (
        Vec::with_capacity(files.len()),
        Vec::with_capacity(files.len()),
        Vec::with_capacity(files.len()),
        Vec::with_capacity(files.len()),
    );
    let mut renames = Vec::new();
    let mut parent_guesses = Vec::new();
    for file in files {
        ws.complete &= !file.broken;
        let shift = ws.diagnostics.len();
        renames.extend(file.renames.into_iter().map(|f| (f.diagnostic + shift, f)));
        parent_guesses.extend((file.parent_guesses.into_iter()).map(|g| (g.diagnostic + shift, g)));
        ws.diagnostics.extend(file.diagnostics);
        model.suppressions.extend(file.suppressions);
        model.secrets.extend(file.secrets);
        for (kind, id) in file.unreadable {
            res.unreadable_defs.add(kind, id);
        }
        ous.push(file.ous);
        connectors.push(file.connectors);
        entries.push(file.entries);
        services.push(file.services);
    }
    model.ous = merge(&mut res, Kind::Ou, ous, (|e| &e.def, |e| owned(e.refs())));
    model.connectors = merge(
        &mut res,
        Kind::Connector,
        connectors,
        (|e| &e.def, |e| owned(e.def.refs())),
    );
    model.entries = merge(
        &mut res,
        Kind::MessagingEntry,
        entries,
        (|e| &e.def, |e| owned(e.refs())),
    );
    model.services = merge(
        &mut res,
        Kind::Service,
        services,
        (|e| &e.def, |e| owned(e.refs())),
    );
    // Two renames to one `[kind.id]` (in two files, or two spellings in one) would define it
    // twice as surely as an id defined already.
    let mut renamed_to: rustc_hash::FxHashMap<(Kind, &str), usize> = Default::default();
    for (_, fix) in &renames {
        for id in &fix.ids {
            *renamed_to.entry((fix.kind, &**id)).or_default() += 1;
        }
    }
    // The files of the later definitions of each id defined twice.
    let mut later_files: rustc_hash::FxHashMap<(Kind, &str), Vec<FileId>> = Default::default();
    if !renames.is_empty() {
        for dup in &res.duplicates {
            (later_files.entry((dup.kind, dup.id.as_str())).or_default()).push(dup.later.file);
        }
    }
    // The ids that files that do not parse write in their headers: once the file is mended,
    // a rename onto one would define it twice.
    let unparsed = match renames.is_empty() {
        true => Default::default(),
        false => unparsed_definitions(&ws),
    };
    for (at, fix) in &renames {
        let Some(d) = ws.diagnostics.get_mut(*at) else {
            continue;
        };
        // Defined already, but by its sub-tables alone in this very file
        // (`[service.x.instant_messaging]` below `[services.x]`): the rename makes them its own.
        let defined = |id: &str| {
            res.lookup(&model, fix.kind, id).is_some_and(|i| {
                let def = model.def(fix.kind, i);
                let elsewhere = (later_files.get(&(fix.kind, id)))
                    .is_some_and(|files| files.iter().any(|&f| f != d.span.file));
                !(def.sub_tables_only && def.header.file == d.span.file) || elsewhere
            })
        };
        let twice = |id: &str| renamed_to.get(&(fix.kind, id)).is_some_and(|&n| n > 1);
        // Defined elsewhere by its IM table alone (`[service.x.instant_messaging]` in another
        // file): that table is this one's, to move beside it.
        let im_table_only = |id: &str| {
            let i = res.lookup(&model, fix.kind, id)?;
            let def = model.def(fix.kind, i);
            let service = &model.services[i as usize];
            let alone = fix.kind == Kind::Service
                && def.header.file != d.span.file
                && def.sub_tables_only
                && matches!(service.im, crate::model::Field::Set(_))
                && !later_files.contains_key(&(fix.kind, id));
            alone.then_some(def.header)
        };
        if let [id] = &fix.ids[..]
            && let Some(header) = im_table_only(id)
        {
            let source = ws.sources.get(header.file);
            let at = format!(
                "{} (line {})",
                source.display(),
                source.position(header.start as usize).line
            );
            crate::rules::unknown_field::im_table_elsewhere(d, id, &at);
            res.kind_renames.insert((fix.kind, Text::from(&**id)));
        } else if let Some(id) = fix.ids.iter().find(|id| defined(id)) {
            crate::rules::unknown_field::defined_already(d, fix.kind, id);
        } else if let Some((id, &(file, offset))) = (fix.ids.iter()).find_map(|id| {
            let written = unparsed.get(&(fix.kind, id.to_string()))?;
            (written.0 != d.span.file).then_some((id, written))
        }) {
            let source = ws.sources.get(file);
            let at = format!(
                "{} (line {})",
                source.display(),
                source.position(offset).line
            );
            crate::rules::unknown_field::written_in_unparsed(d, fix.kind, id, &at);
        } else if let Some(id) = fix.ids.iter().find(|id| twice(id)) {
            crate::rules::unknown_field::renamed_twice(d, fix.kind, id);
        } else {
            res.kind_renames
                .extend(fix.ids.iter().map(|id| (fix.kind, Text::from(&**id))));
        }
    }

    let mut r = Refs {
        res: &mut res,
        model: &model,
        no_ous: model.ous.is_empty(),
    };
    let parents: Vec<_> = model
        .ous
        .iter()
        .map(|o| r.one(Kind::Ou, "parent", &o.parent, &o.def, Kind::Ou))
        .collect();
    let connector_ou = r.ous(model.connectors.iter().map(|e| (&e.def, Kind::Connector)));
    let entry_ou = r.ous(model.entries.iter().map(|e| (&e.def, Kind::MessagingEntry)));
    let service_ou = r.ous(model.services.iter().map(|e| (&e.def, Kind::Service)));
    let entry_connector = model
        .entries
        .iter()
        .map(|e| {
            r.one(
                Kind::Connector,
                "connector",
                &e.connector,
                &e.def,
                Kind::MessagingEntry,
            )
        })
        .collect();
    let service_entry = model
        .services
        .iter()
        .map(|s| {
            let entry = match &s.im {
                Field::Set(im) => &im.value.messaging_entry,
                Field::Invalid => &Field::Invalid,
                Field::Absent => &Field::Absent,
            };
            r.one(
                Kind::MessagingEntry,
                "messaging_entry",
                entry,
                &s.def,
                Kind::Service,
            )
        })
        .collect();
    let transfers = model
        .services
        .iter()
        .map(|s| {
            s.transfers
                .iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    r.found(Kind::Service, "transfers", t, &s.def, Kind::Service)
                        .map(|target| (target, i as u32))
                })
                .collect()
        })
        .collect();
    // The references of the copies dropped as duplicates: an unknown one is wrong in either
    // copy, and which copy is kept depends on file names alone.
    let dropped = std::mem::take(&mut r.res.duplicates);
    for d in &dropped {
        for (kind, value) in &d.refs {
            let field = match (kind, d.kind) {
                (Kind::Ou, Kind::Ou) => "parent",
                (Kind::Ou, _) => "ou",
                (Kind::Connector, _) => "connector",
                (Kind::MessagingEntry, _) => "messaging_entry",
                (Kind::Service, _) => "transfers",
            };
            r.found_from(*kind, field, value, (d.kind, &d.id));
        }
    }
    r.res.duplicates = dropped;

    res.tree = build_tree(&model.ous, parents);
    // `ou = "x"` in an OU is renamed to `parent` unless `x` is below it: a loop. Its
    // `parent` unread, the OU is the top of what hangs below it.
    let below = if parent_guesses.is_empty() {
        Vec::new()
    } else {
        tops(&res.tree)
    };
    for (at, g) in &parent_guesses {
        let ou = |id: &str| res.lookup(&model, Kind::Ou, id);
        let (Some(o), Some(v)) = (ou(&g.ou), ou(&g.value)) else {
            continue;
        };
        if let Some(d) = ws.diagnostics.get_mut(*at)
            && below[v as usize] == Some(o)
        {
            d.fix = None;
            d.help.push_str(&format!(
                " Its value names `{}`, an OU below this one: as its parent, it would make a loop",
                g.value
            ));
        }
    }
    res.connector_ou = connector_ou;
    res.entry_ou = entry_ou;
    res.service_ou = service_ou;
    suggest(&mut res, &model);
    res.entry_connector = entry_connector;
    res.service_entry = service_entry;
    res.transfers = transfers;
    ws.model = model;
    ws.res = res;
    ws
}

/// Fills in the did-you-mean of each unresolved reference (see [`Unresolved::suggestions`]).
fn suggest(res: &mut Resolution, model: &Model) {
    // Entities whose `ou` names no OU: what they see, and who sees them, is not known until
    // the OU is fixed (a fix of the same round), so no fix that depends on sight is sure.
    let lost: rustc_hash::FxHashSet<(Kind, Text)> = (res.unresolved.iter())
        .filter(|u| u.field == "ou")
        .map(|u| u.from.clone())
        .collect();
    for kind in Kind::ALL {
        let queries = res.unresolved.iter().filter(|u| u.kind == kind).count();
        if queries == 0 {
            continue;
        }
        let valid = model.defs(kind).filter(|d| is_valid_id(&d.id));
        let mut suggester = crate::suggest::Suggester::new(valid.map(|d| d.id.as_str()), queries);
        // An id that breaks the pattern, by the id its fix proposes.
        let renamed: rustc_hash::FxHashMap<String, u32> = (model.defs(kind).enumerate())
            .filter(|(_, d)| !is_valid_id(&d.id))
            .map(|(i, d)| (slug(&d.id), i as u32))
            .collect();
        let mut unresolved = std::mem::take(&mut res.unresolved);
        let tops = if kind == Kind::Ou {
            tops(&res.tree)
        } else {
            Vec::new()
        };
        for u in unresolved.iter_mut().filter(|u| u.kind == kind) {
            // An empty value is no misspelling: any id one letter long is as near.
            if u.value.trim().is_empty() {
                continue;
            }
            if let Some(&i) = renamed.get(u.value.as_str()) {
                u.suggestions = vec![i];
                u.renamed = true;
                continue;
            }
            let index = |id: &str| res.lookup(model, kind, id);
            let from = res.lookup(model, u.from.0, &u.from.1);
            let allowed = |id: &str| index(id).is_some_and(|i| res.may_name(&tops, u, from, i));
            // The nearest spellings of all, then those the reference may name: a farther one
            // is never offered for a nearer one it may not name (`TEAM-B` in `team-b`'s own
            // transfers is no typo of `team-a`).
            let nearest = suggester.nearest_where(&u.value, |_| true);
            let mut found: Vec<&str> = nearest.iter().copied().filter(|id| allowed(id)).collect();
            // Of many ids that fold alike, the one nearest as written may not have been weighed.
            u.unsure = found.len() < nearest.len() || found.iter().any(|id| suggester.crowded(id));
            let in_sight = |id: &&str| res.sees(u, from, index(id));
            if !found.is_empty() && !found.iter().any(in_sight) {
                // Out of sight: named, with where it sits, and never written in.
                u.hidden = true;
            } else {
                let before = found.len();
                found.retain(in_sight);
                u.unsure |= found.len() < before;
            }
            let by_sight = matches!(kind, Kind::Connector | Kind::MessagingEntry);
            if by_sight
                && !lost.is_empty()
                && (lost.contains(&u.from)
                    || (found.iter()).any(|id| lost.contains(&(kind, Text::from(*id)))))
            {
                u.unsure = true;
            }
            found.truncate(3);
            u.suggestions = found.into_iter().filter_map(index).collect();
        }
        res.unresolved = unresolved;
    }
}

impl Resolution {
    /// True when `u`, held by entity `from` (its index, when known), may name entity `to` of
    /// its kind at all: not the referrer itself (a self-transfer, an OU its own parent), nor,
    /// for `parent`, an OU below the referrer (a loop).
    fn may_name(&self, tops: &[Option<u32>], u: &Unresolved, from: Option<u32>, to: u32) -> bool {
        let Some(from) = from.filter(|_| u.from.0 == u.kind) else {
            return true;
        };
        if from == to {
            return false;
        }
        if u.field != "parent" {
            return true;
        }
        // `from` has a broken parent, so it is the top of what hangs below it: `to` is below
        // it exactly when `from` is the top above `to`.
        tops[to as usize] != Some(from)
    }

    /// True when entity `to` sits where the referrer `from` can see it: a connector or
    /// messaging entry in the referrer's OU or above it. Anything else is always in sight,
    /// and so is everything while the OUs are not known.
    fn sees(&self, u: &Unresolved, from: Option<u32>, to: Option<u32>) -> bool {
        let (Some(from), Some(to)) = (from, to) else {
            return true;
        };
        let from_ou = match u.from.0 {
            Kind::Service => self.service_ou.get(from as usize),
            Kind::MessagingEntry => self.entry_ou.get(from as usize),
            _ => return true,
        };
        let to_ou = match u.kind {
            Kind::MessagingEntry => self.entry_ou.get(to as usize),
            Kind::Connector => self.connector_ou.get(to as usize),
            _ => return true,
        };
        match (from_ou.copied().flatten(), to_ou.copied().flatten()) {
            (Some(f), Some(t)) => self.tree.is_at_or_above(t, f) != Some(false),
            _ => true,
        }
    }
}

/// For each OU, the first OU at or above it with no parent in the tree (the root, or an OU
/// whose `parent` is broken); `None` in and below a loop. Linear: each OU is walked once.
fn tops(tree: &OuTree) -> Vec<Option<u32>> {
    const UNKNOWN: u32 = u32::MAX;
    const WALKING: u32 = u32::MAX - 1;
    const LOOP: u32 = u32::MAX - 2;
    let n = tree.parent.len();
    let mut top = vec![UNKNOWN; n];
    let mut path = Vec::new();
    for start in 0..n {
        let mut at = start;
        // Up to an OU whose top is known, a top, or one on this walk (a loop).
        let found = loop {
            match top[at] {
                UNKNOWN => {}
                WALKING => break LOOP,
                known => break known,
            }
            match tree.parent[at] {
                None => {
                    top[at] = at as u32;
                    break at as u32;
                }
                Some(p) => {
                    top[at] = WALKING;
                    path.push(at);
                    at = p as usize;
                }
            }
        };
        for o in path.drain(..) {
            top[o] = found;
        }
    }
    top.into_iter().map(|t| (t < LOOP).then_some(t)).collect()
}

/// Concatenates the pieces' entities of one kind, in order, keeping the first definition of
/// each id and recording the later ones as duplicates. The first piece's vector is kept and
/// grown (a large allocation grows in place), so the entities are not all held twice.
fn merge<T>(
    res: &mut Resolution,
    kind: Kind,
    pieces: Vec<Vec<T>>,
    (def, refs): (impl Fn(&T) -> &Def, impl Fn(&T) -> Vec<(Kind, Sp<Text>)>),
) -> Vec<T> {
    let mut pieces = pieces.into_iter();
    let mut all = pieces.next().unwrap_or_default();
    let rest: Vec<Vec<T>> = pieces.collect();
    all.reserve_exact(rest.iter().map(Vec::len).sum());
    for piece in rest {
        all.extend(piece);
    }
    let ids = &mut res.ids[kind as usize];
    ids.table
        .reserve(all.len(), |&i| Ids::hash(&def(&all[i as usize]).id));
    let mut kept = 0;
    for i in 0..all.len() {
        // The entities kept so far are `all[..kept]`: the table holds their indices.
        let (before, after) = all.split_at(i);
        let d = def(&after[0]);
        match ids.insert(&d.id, kept as u32, |j| &def(&before[j as usize]).id) {
            Some(first) => {
                let first = def(&before[first as usize]);
                res.duplicates.push(Duplicate {
                    kind,
                    id: d.id.clone(),
                    first: first.header,
                    later: d.header,
                    later_id: d.id_span,
                    sub_tables_only: [first.sub_tables_only, d.sub_tables_only],
                    refs: refs(&after[0]),
                });
            }
            None => {
                all.swap(i, kept);
                kept += 1;
            }
        }
    }
    all.truncate(kept);
    all
}

struct Refs<'a> {
    res: &'a mut Resolution,
    model: &'a Model,
    /// With no OU at all, `ou` references are not reported one by one: `root-ou` says it once.
    no_ous: bool,
}

impl Refs<'_> {
    fn one(
        &mut self,
        kind: Kind,
        field: &'static str,
        value: &Field<Text>,
        from: &Def,
        from_kind: Kind,
    ) -> Option<u32> {
        match value {
            Field::Set(v) => self.found(kind, field, v, from, from_kind),
            Field::Invalid => {
                self.res.unreadable_refs[kind as usize] += 1;
                None
            }
            Field::Absent => None,
        }
    }

    fn found(
        &mut self,
        kind: Kind,
        field: &'static str,
        value: &Sp<Text>,
        from: &Def,
        from_kind: Kind,
    ) -> Option<u32> {
        self.found_from(kind, field, value, (from_kind, &from.id))
    }

    /// [`Refs::found`], the referrer told by its kind and id.
    fn found_from(
        &mut self,
        kind: Kind,
        field: &'static str,
        value: &Sp<Text>,
        (from_kind, from): (Kind, &Text),
    ) -> Option<u32> {
        let found = self.res.lookup(self.model, kind, &value.value);
        if found.is_none()
            && !(kind == Kind::Ou && self.no_ous)
            && !self.res.unreadable_defs.may_define(kind, &value.value)
        {
            self.res.unresolved.push(Unresolved {
                kind,
                field,
                value: value.value.clone(),
                span: value.span,
                from: (from_kind, from.clone()),
                suggestions: Vec::new(),
                hidden: false,
                unsure: false,
                renamed: false,
            });
        }
        found
    }

    fn ous<'d>(&mut self, defs: impl Iterator<Item = (&'d Def, Kind)>) -> Vec<Option<u32>> {
        defs.map(|(d, k)| self.one(Kind::Ou, "ou", &d.ou, d, k))
            .collect()
    }
}

/// Roots, loops and the Euler tour of the OU tree, all iterative.
fn build_tree(ous: &[Ou], parent: Vec<Option<u32>>) -> OuTree {
    let n = ous.len();
    let roots: Vec<u32> = (0..n as u32)
        .filter(|&i| ous[i as usize].parent.is_absent())
        .collect();

    // Loops: follow parent pointers, colouring each walk; meeting the current walk's colour
    // closes a loop.
    let mut walk = vec![0u32; n];
    let mut cycles = Vec::new();
    for start in 0..n {
        if walk[start] != 0 {
            continue;
        }
        let colour = start as u32 + 1;
        let mut at = start;
        loop {
            walk[at] = colour;
            match parent[at] {
                Some(p) if walk[p as usize] == 0 => at = p as usize,
                Some(p) if walk[p as usize] == colour => {
                    cycles.push(cycle_from(p, &parent, ous));
                    break;
                }
                _ => break,
            }
        }
    }

    // Euler tour from the roots over child lists.
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p as usize].push(i as u32);
        }
    }
    let mut enter = vec![UNREACHED; n];
    let mut leave = vec![UNREACHED; n];
    let mut depth = vec![0u32; n];
    let mut clock = 0u32;
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for &root in &roots {
        enter[root as usize] = clock;
        clock += 1;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node_i = *node as usize;
            if let Some(&child) = children[node_i].get(*next) {
                *next += 1;
                if enter[child as usize] == UNREACHED {
                    enter[child as usize] = clock;
                    clock += 1;
                    depth[child as usize] = depth[node_i] + 1;
                    stack.push((child, 0));
                }
            } else {
                leave[node_i] = clock;
                clock += 1;
                stack.pop();
            }
        }
    }
    OuTree {
        parent,
        roots,
        cycles,
        enter,
        leave,
        depth,
    }
}

/// The loop through `start`, in parent order, rotated to begin at its smallest id (so that it
/// reads the same wherever its OUs are written).
fn cycle_from(start: u32, parent: &[Option<u32>], ous: &[Ou]) -> Vec<u32> {
    let mut members = vec![start];
    let mut at = parent[start as usize];
    while let Some(p) = at {
        if p == start {
            break;
        }
        members.push(p);
        at = parent[p as usize];
    }
    let first = members
        .iter()
        .enumerate()
        .min_by_key(|(_, m)| ous[**m as usize].def.id.as_str())
        .map_or(0, |(i, _)| i);
    members.rotate_left(first);
    members
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// Resolves pieces parsed from `texts`, one piece per text, in order.
    fn resolved(texts: &[&str]) -> Workspace {
        let mut ws = Workspace::default();
        let pieces = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let name = format!("f{i}.toml");
                let id = ws.sources.add(SourceFile::new(
                    name.clone().into(),
                    &name,
                    &name,
                    (*text).into(),
                ));
                crate::parse::parse_entities(id, ws.sources.get(id))
            })
            .collect();
        resolve(ws, pieces)
    }

    #[test]
    fn the_first_definition_wins_across_pieces_and_order_is_kept() {
        let ws = resolved(&[
            "[ou.a]\n[ou.b]\n",
            "[ou.c]\n[ou.a]\n",
            "[ou.b]\n[ou.d]\n[ou.c]\n",
        ]);
        let ids: Vec<&str> = ws.model.ous.iter().map(|o| o.def.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        let dups: Vec<(&str, u32, u32)> = ws
            .res
            .duplicates
            .iter()
            .map(|d| (d.id.as_str(), d.first.file.0, d.later.file.0))
            .collect();
        assert_eq!(dups, [("a", 0, 1), ("b", 0, 2), ("c", 1, 2)]);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ws.res.lookup(&ws.model, Kind::Ou, id), Some(i as u32));
        }
        assert_eq!(ws.res.lookup(&ws.model, Kind::Ou, "e"), None);
        assert_eq!(ws.res.lookup(&ws.model, Kind::Service, "a"), None);
    }
}
