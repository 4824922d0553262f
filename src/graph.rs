//! The transfer graph: which services a conversation can reach, and who proxies it.
//!
//! Nodes are services, edges are resolved `transfers`. A conversation moves only through
//! services that offer IM, so every walk here runs on the IM services alone. Every pass is
//! linear in the graph, or close to its output (`proxied_by`, see `proxied_by`).

use petgraph::Direction;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::model::{Field, Service};
use crate::resolve::Workspace;

/// What the rules and the compiler need to know about the transfer graph.
#[derive(Debug)]
pub struct Transfers {
    /// Services as nodes (node `i` is service `i`), transfers as edges (weight: item index).
    pub graph: DiGraph<(), u32>,
    /// Whether each service lets a conversation in or through (IM offered, or unreadable).
    pub carries_im: Vec<bool>,
    /// Whether each service is reached from some front desk through IM services.
    pub reached: Vec<bool>,
    /// Whether each service that is not a front desk is reached by a front desk with a
    /// messaging entry (through IM services): whether it has a proxy.
    pub proxied: Vec<bool>,
    front_desk: Vec<bool>,
    proxy: Vec<bool>,
    /// Every service's proxies, made when first asked for: only the bundle lists them all,
    /// and they may be many more than the graph (every desk of a shared pool, for each
    /// service of it).
    proxied_by: std::sync::OnceLock<Vec<Vec<u32>>>,
}

/// A service counts as a front desk for reachability when it lists a channel, or when its
/// `instant_messaging` table could not be read (no conclusions from broken input).
fn entry_point(s: &Service) -> bool {
    s.is_front_desk() || matches!(s.im, Field::Invalid)
}

impl Transfers {
    /// Builds the graph of `ws` and runs the reachability passes.
    pub fn new(ws: &Workspace) -> Self {
        let services = &ws.model.services;
        let n = services.len();
        let mut graph = DiGraph::with_capacity(n, n);
        for _ in 0..n {
            graph.add_node(());
        }
        for (from, targets) in ws.res.transfers.iter().enumerate() {
            for &(to, item) in targets {
                graph.add_edge(NodeIndex::new(from), NodeIndex::new(to as usize), item);
            }
        }
        let carries_im: Vec<bool> = services.iter().map(|s| !s.im.is_absent()).collect();

        let reached = reached_from(&graph, &carries_im, |i| entry_point(&services[i]));

        let front_desk: Vec<bool> = services.iter().map(|s| s.is_front_desk()).collect();
        let proxy: Vec<bool> = (0..n)
            .map(|i| front_desk[i] && ws.res.service_entry[i].is_some())
            .collect();
        Transfers::with(graph, carries_im, reached, front_desk, proxy)
    }

    /// The passes over a graph whose services' kinds are known.
    fn with(
        graph: DiGraph<(), u32>,
        carries_im: Vec<bool>,
        reached: Vec<bool>,
        front_desk: Vec<bool>,
        proxy: Vec<bool>,
    ) -> Self {
        let proxied = proxied(&graph, &carries_im, &front_desk, &proxy);
        Transfers {
            graph,
            carries_im,
            reached,
            proxied,
            front_desk,
            proxy,
            proxied_by: std::sync::OnceLock::new(),
        }
    }

    /// For each service that is not a front desk: the front desks with a messaging entry that
    /// reach it, in index order (as the walk `proxied_by` finds them). Made on first use.
    pub fn proxied_by(&self) -> &[Vec<u32>] {
        self.proxied_by.get_or_init(|| {
            proxied_by(
                &self.graph,
                &self.carries_im,
                |i| self.front_desk[i],
                |i| self.proxy[i],
            )
        })
    }

    /// The front desks with a messaging entry that reach `service`, in index order: one
    /// service's list of [`Transfers::proxied_by`], walked back from it (a hover asks for one).
    pub fn proxies_of(&self, service: usize) -> Vec<u32> {
        if let Some(all) = self.proxied_by.get() {
            return all[service].clone();
        }
        if self.front_desk[service] || !self.carries_im[service] {
            return Vec::new();
        }
        let mut seen = vec![false; self.carries_im.len()];
        seen[service] = true;
        let mut stack = vec![service];
        let mut out = Vec::new();
        while let Some(at) = stack.pop() {
            for (from, _) in self.incoming(at) {
                if self.carries_im[from] && !seen[from] {
                    seen[from] = true;
                    stack.push(from);
                    if self.proxy[from] {
                        out.push(from as u32);
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Services that transfer to `service`, with the index of the item in their `transfers`.
    pub fn incoming(&self, service: usize) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.graph
            .edges_directed(NodeIndex::new(service), Direction::Incoming)
            .map(|e| (e.source().index(), *e.weight()))
    }

    /// Services `service` transfers to.
    pub fn outgoing(&self, service: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors(NodeIndex::new(service))
            .map(|n| n.index())
    }

    /// For each front desk in `desks`: the services it reaches that no other front desk in
    /// `desks` reaches and no proxy serves (they depend on it alone).
    ///
    /// Each service's state moves at most twice (nobody → one desk → several), so the pass
    /// is linear.
    pub fn sole_dependents(&self, desks: &[usize], services: &[Box<Service>]) -> Vec<Vec<usize>> {
        const NOBODY: u32 = u32::MAX;
        const SEVERAL: u32 = u32::MAX - 1;
        let n = services.len();
        let mut owner = vec![NOBODY; n];
        let mut queue = Vec::new();
        for (k, &d) in desks.iter().enumerate() {
            owner[d] = k as u32;
            queue.push(d);
        }
        while let Some(at) = queue.pop() {
            let mine = owner[at];
            for next in self.outgoing(at) {
                if !self.carries_im[next] {
                    continue;
                }
                let theirs = owner[next];
                let merged = match theirs {
                    NOBODY => mine,
                    SEVERAL => SEVERAL,
                    t if t == mine => t,
                    _ => SEVERAL,
                };
                if merged != theirs {
                    owner[next] = merged;
                    queue.push(next);
                }
            }
        }
        let mut out = vec![Vec::new(); desks.len()];
        for (s, &o) in owner.iter().enumerate() {
            if o < SEVERAL && !services[s].is_front_desk() && !self.proxied[s] {
                out[o as usize].push(s);
            }
        }
        out
    }

    /// The services that offer IM, list no channel and are not reached, grouped by loop
    /// (strongly connected component): first the roots (a loop, or a single service, that
    /// nothing unreached leads into), each with the services reached only through roots,
    /// then every other group with the stranded services that feed it. Roots come in the
    /// order of their smallest id, and each stranded service below several roots is given to
    /// the first: nothing depends on the order of files or entities.
    pub fn unreachable_groups(&self, services: &[Box<Service>]) -> Vec<UnreachableGroup> {
        let n = services.len();
        let stranded: Vec<usize> = (0..n)
            .filter(|&i| {
                !self.reached[i]
                    && matches!(services[i].im, Field::Set(_))
                    && !entry_point(&services[i])
            })
            .collect();
        if stranded.is_empty() {
            return Vec::new();
        }
        let mut local = vec![u32::MAX; n];
        for (k, &s) in stranded.iter().enumerate() {
            local[s] = k as u32;
        }
        let mut sub: DiGraph<usize, ()> = DiGraph::with_capacity(stranded.len(), stranded.len());
        for &s in &stranded {
            sub.add_node(s);
        }
        for (k, &s) in stranded.iter().enumerate() {
            for t in self.outgoing(s) {
                if local[t] != u32::MAX {
                    sub.add_edge(NodeIndex::new(k), NodeIndex::new(local[t] as usize), ());
                }
            }
        }
        let sccs = kosaraju_scc(&sub);
        let mut component = vec![0usize; n];
        for (c, members) in sccs.iter().enumerate() {
            for m in members {
                component[stranded[m.index()]] = c;
            }
        }
        // The stranded services outside each group that transfer into it.
        let mut feeders: Vec<Vec<usize>> = vec![Vec::new(); sccs.len()];
        for e in sub.edge_indices() {
            let (a, b) = sub.edge_endpoints(e).expect("edge exists");
            let (a, b) = (stranded[a.index()], stranded[b.index()]);
            if component[a] != component[b] {
                feeders[component[b]].push(a);
            }
        }
        let by_id = |a: &usize, b: &usize| services[*a].def.id.cmp(&services[*b].def.id);
        let mut groups: Vec<UnreachableGroup> = (sccs.iter().zip(feeders))
            .map(|(members, mut feeders)| {
                let mut members: Vec<usize> = members.iter().map(|m| stranded[m.index()]).collect();
                // The smallest id first: the group reads the same wherever it is written.
                members.sort_unstable_by(by_id);
                feeders.sort_unstable_by(by_id);
                feeders.dedup();
                UnreachableGroup {
                    members,
                    downstream: Vec::new(),
                    shared: Vec::new(),
                    feeders,
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            let fed = a.feeders.is_empty().cmp(&b.feeders.is_empty()).reverse();
            fed.then_with(|| by_id(&a.members[0], &b.members[0]))
        });
        let roots = groups.iter().take_while(|g| g.feeders.is_empty()).count();

        // Everything else stranded hangs below some root: give it to the first that reaches it.
        let mut owner = vec![usize::MAX; n];
        for (g, group) in groups[..roots].iter().enumerate() {
            for &m in &group.members {
                owner[m] = g;
            }
        }
        for (g, group) in groups[..roots].iter_mut().enumerate() {
            let mut stack = group.members.clone();
            while let Some(at) = stack.pop() {
                for t in self.outgoing(at) {
                    if local[t] != u32::MAX && owner[t] == usize::MAX {
                        owner[t] = g;
                        group.downstream.push(t);
                        stack.push(t);
                    }
                }
            }
            // By id: which ten of them a diagnostic labels is the same in any order.
            group.downstream.sort_unstable_by(by_id);
        }
        let shared = self.below_two_roots(&stranded, &owner, |t| local[t] != u32::MAX);
        for group in &mut groups[..roots] {
            group.shared = group.downstream.iter().map(|&d| shared[d]).collect();
        }
        groups
    }

    /// Which of the `stranded` services lie below two roots (each stranded service's root is
    /// its `owner`): those that a transfer from one root's services into another's leads to.
    fn below_two_roots(
        &self,
        stranded: &[usize],
        owner: &[usize],
        is_stranded: impl Fn(usize) -> bool,
    ) -> Vec<bool> {
        let mut shared = vec![false; owner.len()];
        let mut stack: Vec<usize> = Vec::new();
        for &a in stranded {
            for b in self.outgoing(a) {
                if is_stranded(b) && owner[a] != owner[b] && !shared[b] {
                    shared[b] = true;
                    stack.push(b);
                }
            }
        }
        while let Some(at) = stack.pop() {
            for t in self.outgoing(at) {
                if is_stranded(t) && !shared[t] {
                    shared[t] = true;
                    stack.push(t);
                }
            }
        }
        shared
    }

    /// A shortest loop from `start` back to itself through other `members`, as service
    /// indices: a transfer of a service to itself is no loop of the group (and has its own
    /// rule). Among loops of the same length, the first in the order of `key` (the ids), so
    /// that the answer never depends on the order of files or entities.
    pub fn loop_through<K: Ord>(
        &self,
        start: usize,
        members: &[usize],
        key: impl Fn(usize) -> K,
    ) -> Vec<usize> {
        let members: rustc_hash::FxHashSet<usize> = members.iter().copied().collect();
        let mut prev: rustc_hash::FxHashMap<usize, usize> = rustc_hash::FxHashMap::default();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(at) = queue.pop_front() {
            let mut next: Vec<usize> = self.outgoing(at).filter(|&t| t != at).collect();
            next.sort_by_cached_key(|&t| key(t));
            for t in next {
                if t == start {
                    let mut path = vec![at];
                    let mut cur = at;
                    while cur != start {
                        cur = prev[&cur];
                        path.push(cur);
                    }
                    path.reverse();
                    return path;
                }
                if members.contains(&t) && !prev.contains_key(&t) {
                    prev.insert(t, at);
                    queue.push_back(t);
                }
            }
        }
        vec![start]
    }
}

/// Services no conversation can reach: one service, or a transfer loop, with what it leads
/// to (for a root) or what leads to it (for any other group).
#[derive(Debug, Clone)]
pub struct UnreachableGroup {
    /// One service, or the members of a transfer loop (the smallest id first).
    pub members: Vec<usize>,
    /// For a root: the services stranded only because roots are, given to this one (by id).
    pub downstream: Vec<usize>,
    /// For each of `downstream`: true when another root leads there too.
    pub shared: Vec<bool>,
    /// The stranded services outside the group that transfer into it (by id): empty for a
    /// root.
    pub feeders: Vec<usize>,
}

/// For each service that is not a front desk: the proxying front desks (`proxies`) that
/// reach it through IM services, in index order.
///
/// Front desks in one loop reach the same services: the loops are found first (strongly
/// connected components, sinks first), and each loop that holds a proxying desk is walked
/// once for all of them. A walk that meets a loop whose services are known (one walked
/// already, or one that reaches at most [`FEW`] services, whose list is kept) takes them as
/// they are, without walking past it again; it passes a chain of desks that proxy nothing in
/// one step; and it never enters a part of the graph from which no service that is not a
/// front desk can be reached. So rings, chains, funnels and ladders of front desks cost their
/// size, not its square. What is left above linear: desks that proxy nothing and branch, above
/// more than [`FEW`] services, met by many proxying desks: each walk passes those desks again
/// (proxying desks × such desks, on top of the output). Some shape is bound to stay: which
/// desks reach which services is a transitive closure, and no algorithm is known that reports
/// one in time linear in the graph plus the output for every graph.
fn proxied_by(
    graph: &DiGraph<(), u32>,
    carries_im: &[bool],
    front_desk: impl Fn(usize) -> bool,
    proxies: impl Fn(usize) -> bool,
) -> Vec<Vec<u32>> {
    proxied_by_counted(graph, carries_im, front_desk, proxies, FEW).0
}

/// The services that are `start`, or reached from one through IM services: one walk from
/// all of them.
fn reached_from(
    graph: &DiGraph<(), u32>,
    carries_im: &[bool],
    start: impl Fn(usize) -> bool,
) -> Vec<bool> {
    let n = carries_im.len();
    let mut reached = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&i| start(i)).collect();
    for &i in &stack {
        reached[i] = true;
    }
    while let Some(at) = stack.pop() {
        for next in graph.neighbors(NodeIndex::new(at)) {
            let j = next.index();
            if carries_im[j] && !reached[j] {
                reached[j] = true;
                stack.push(j);
            }
        }
    }
    reached
}

/// Whether each service that is not a front desk is reached, through IM services, by a
/// `proxies` desk (which is a front desk itself).
fn proxied(
    graph: &DiGraph<(), u32>,
    carries_im: &[bool],
    front_desk: &[bool],
    proxies: &[bool],
) -> Vec<bool> {
    let reached = reached_from(graph, carries_im, |d| proxies[d]);
    (0..carries_im.len())
        .map(|i| reached[i] && !front_desk[i])
        .collect()
}

/// Reach lists at most this long are kept for every component.
const FEW: usize = 32;

/// The services that are not front desks component `c` (`members`) reaches, when they are at
/// most `few` ([`FEW`]) and every component it leads to has its list already; else `None`.
#[allow(clippy::too_many_arguments)]
fn few_reached(
    (c, members, few): (usize, &[NodeIndex], usize),
    im: &DiGraph<(), ()>,
    component: &[u32],
    useful: &[bool],
    front_desk: &impl Fn(usize) -> bool,
    reach: &[Option<Vec<u32>>],
    listed: &mut [u32],
    steps: &mut u64,
) -> Option<Vec<u32>> {
    let mark = c as u32;
    let mut list = Vec::new();
    let mut add = |k: usize, list: &mut Vec<u32>| {
        if listed[k] != mark {
            listed[k] = mark;
            list.push(k as u32);
        }
        list.len() <= few
    };
    for m in members {
        *steps += 1;
        if !front_desk(m.index()) && !add(m.index(), &mut list) {
            return None;
        }
    }
    for m in members {
        for t in im.neighbors(*m) {
            *steps += 1;
            let ct = component[t.index()] as usize;
            if ct == c || !useful[t.index()] {
                continue;
            }
            for &k in reach[ct].as_ref()? {
                *steps += 1;
                if !add(k as usize, &mut list) {
                    return None;
                }
            }
        }
    }
    Some(list)
}

/// [`proxied_by`], with the steps it took (nodes and components entered, edges followed,
/// services taken from a loop walked already): tests hold them to the size of the graph and
/// of the output.
fn proxied_by_counted(
    graph: &DiGraph<(), u32>,
    carries_im: &[bool],
    front_desk: impl Fn(usize) -> bool,
    proxies: impl Fn(usize) -> bool,
    few: usize,
) -> (Vec<Vec<u32>>, u64) {
    let n = carries_im.len();
    let mut out = vec![Vec::new(); n];
    let mut steps = 0u64;
    if !(0..n).any(&proxies) {
        return (out, steps);
    }
    // The IM services alone, with the transfers between them.
    let mut im: DiGraph<(), ()> = DiGraph::with_capacity(n, graph.edge_count());
    for _ in 0..n {
        im.add_node(());
    }
    for e in graph.edge_indices() {
        let (a, b) = graph.edge_endpoints(e).expect("edge exists");
        if carries_im[a.index()] && carries_im[b.index()] {
            im.add_edge(a, b, ());
        }
    }
    // Services from which a service that is not a front desk can be reached (or that are
    // one): found backwards from those.
    let mut useful = vec![false; n];
    let mut stack: Vec<usize> = (0..n)
        .filter(|&i| carries_im[i] && !front_desk(i))
        .collect();
    for &i in &stack {
        useful[i] = true;
    }
    while let Some(at) = stack.pop() {
        for prev in im.neighbors_directed(NodeIndex::new(at), Direction::Incoming) {
            if !useful[prev.index()] {
                useful[prev.index()] = true;
                stack.push(prev.index());
            }
        }
    }
    let sccs = kosaraju_scc(&im);
    let mut component = vec![0u32; n];
    for (c, members) in sccs.iter().enumerate() {
        for m in members {
            component[m.index()] = c as u32;
        }
    }
    // By component: the services that are not front desks it reaches, when known: for each
    // component that holds a proxying desk (walked), and for each that reaches few (found
    // from the components it leads to, which come first). A walk takes such a list whole.
    let mut reach: Vec<Option<Vec<u32>>> = vec![None; sccs.len()];
    let mut listed = vec![u32::MAX; n];
    // Where a walk entering a component may go at once: a component of front desks alone
    // (none proxying) whose transfers all lead into one other component adds nothing to what
    // it reaches, so a walk goes on from that one (a chain of such desks is one step).
    let mut skip: Vec<u32> = (0..sccs.len() as u32).collect();
    let mut seen = vec![u32::MAX; n];
    // The components that this walk has entered at once, or taken whole.
    let mut taken = vec![u32::MAX; sccs.len()];
    // Sinks first: a walk meets only components already walked (or never to be), and a
    // component's `skip` is known before those that lead into it.
    for (c, members) in sccs.iter().enumerate() {
        let desks: Vec<u32> = members
            .iter()
            .map(|m| m.index())
            .filter(|&m| proxies(m))
            .map(|m| m as u32)
            .collect();
        if !useful[members[0].index()] {
            continue;
        }
        reach[c] = few_reached(
            (c, members, few),
            &im,
            &component,
            &useful,
            &front_desk,
            &reach,
            &mut listed,
            &mut steps,
        );
        if desks.is_empty() {
            if members.iter().all(|m| front_desk(m.index())) {
                let mut next = None;
                let mut one = true;
                for m in members {
                    for t in im.neighbors(*m) {
                        steps += 1;
                        let ct = component[t.index()];
                        if ct as usize == c || !useful[t.index()] {
                            continue;
                        }
                        one &= next.is_none_or(|x| x == ct);
                        next = Some(ct);
                    }
                }
                if let (true, Some(next)) = (one, next) {
                    skip[c] = skip[next as usize];
                }
            }
            continue;
        }
        if let Some(few) = &reach[c] {
            for &j in few {
                out[j as usize].extend_from_slice(&desks);
            }
            continue;
        }
        let mark = c as u32;
        let mut found = Vec::new();
        let mut stack = Vec::new();
        for m in members {
            let m = m.index();
            seen[m] = mark;
            if !front_desk(m) {
                found.push(m as u32);
            }
            stack.push(m);
        }
        while let Some(at) = stack.pop() {
            for next in im.neighbors(NodeIndex::new(at)) {
                steps += 1;
                let j = next.index();
                if seen[j] == mark || !useful[j] {
                    continue;
                }
                let target = skip[component[j] as usize] as usize;
                if taken[target] == mark {
                    continue;
                }
                if let Some(theirs) = &reach[target] {
                    // A loop walked already: what it reaches is known.
                    taken[target] = mark;
                    for &k in theirs {
                        steps += 1;
                        if seen[k as usize] != mark {
                            seen[k as usize] = mark;
                            found.push(k);
                        }
                    }
                    continue;
                }
                if target != component[j] as usize {
                    // Past a chain of desks that proxy nothing: every service of the loop it
                    // leads into is reached.
                    taken[target] = mark;
                    for t in &sccs[target] {
                        steps += 1;
                        let t = t.index();
                        if seen[t] != mark {
                            seen[t] = mark;
                            if !front_desk(t) {
                                found.push(t as u32);
                            }
                            stack.push(t);
                        }
                    }
                    continue;
                }
                seen[j] = mark;
                if !front_desk(j) {
                    found.push(j as u32);
                }
                stack.push(j);
            }
        }
        for &j in &found {
            out[j as usize].extend_from_slice(&desks);
        }
        reach[c] = Some(found);
    }
    for list in &mut out {
        list.sort_unstable();
    }
    (out, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, walked from each proxying desk in turn.
    fn naive(
        graph: &DiGraph<(), u32>,
        carries_im: &[bool],
        front_desk: &[bool],
        proxies: &[bool],
    ) -> Vec<Vec<u32>> {
        let n = carries_im.len();
        let mut out = vec![Vec::new(); n];
        for d in (0..n).filter(|&d| proxies[d]) {
            let mut seen = vec![false; n];
            seen[d] = true;
            let mut stack = vec![d];
            while let Some(at) = stack.pop() {
                for next in graph.neighbors(NodeIndex::new(at)) {
                    let j = next.index();
                    if carries_im[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                        if !front_desk[j] {
                            out[j].push(d as u32);
                        }
                    }
                }
            }
        }
        out
    }

    /// The services of a shape: `im` and `desk` flags, `proxy` desks, and transfers.
    struct Shape {
        carries_im: Vec<bool>,
        desk: Vec<bool>,
        proxy: Vec<bool>,
        graph: DiGraph<(), u32>,
    }

    impl Shape {
        fn new() -> Self {
            Shape {
                carries_im: Vec::new(),
                desk: Vec::new(),
                proxy: Vec::new(),
                graph: DiGraph::new(),
            }
        }

        /// A service: 0 plain IM, 1 a desk proxying nothing, 2 a proxying desk.
        fn add(&mut self, kind: u8) -> usize {
            self.carries_im.push(true);
            self.desk.push(kind > 0);
            self.proxy.push(kind == 2);
            self.graph.add_node(()).index()
        }

        fn edge(&mut self, a: usize, b: usize) {
            let k = self.graph.edge_count() as u32;
            self.graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), k);
        }

        /// The steps of `proxied_by`, checked against the definition, within 4 × (services
        /// + transfers + output).
        fn steps_within_bound(&self) {
            let (got, steps) = proxied_by_counted(
                &self.graph,
                &self.carries_im,
                |i| self.desk[i],
                |i| self.proxy[i],
                FEW,
            );
            assert_eq!(
                got,
                naive(&self.graph, &self.carries_im, &self.desk, &self.proxy)
            );
            let output: usize = got.iter().map(Vec::len).sum();
            let size = self.carries_im.len() + self.graph.edge_count() + output;
            assert!(steps <= 4 * size as u64, "{steps} steps for size {size}");
        }
    }

    #[test]
    fn rings_chains_and_funnels_of_desks_cost_their_size() {
        const N: usize = 3000;
        // A ring of proxying desks, one plain service hanging off it.
        let mut ring = Shape::new();
        let desks: Vec<usize> = (0..N).map(|_| ring.add(2)).collect();
        for i in 0..N {
            ring.edge(desks[i], desks[(i + 1) % N]);
        }
        let x = ring.add(0);
        ring.edge(desks[0], x);
        ring.steps_within_bound();
        // A chain of proxying desks down to one plain service.
        let mut chain = Shape::new();
        let desks: Vec<usize> = (0..N).map(|_| chain.add(2)).collect();
        for i in 1..N {
            chain.edge(desks[i - 1], desks[i]);
        }
        let x = chain.add(0);
        chain.edge(desks[N - 1], x);
        chain.steps_within_bound();
        // Many proxying desks feeding one chain of desks that proxy nothing, then a service.
        let mut funnel = Shape::new();
        let proxies: Vec<usize> = (0..N).map(|_| funnel.add(2)).collect();
        let quiet: Vec<usize> = (0..N).map(|_| funnel.add(1)).collect();
        for &p in &proxies {
            funnel.edge(p, quiet[0]);
        }
        for i in 1..N {
            funnel.edge(quiet[i - 1], quiet[i]);
        }
        let x = funnel.add(0);
        funnel.edge(quiet[N - 1], x);
        funnel.steps_within_bound();
        // A ladder: the chain of desks that proxy nothing also transfers, at each rung, to one
        // shared service.
        let mut ladder = Shape::new();
        let proxies: Vec<usize> = (0..N).map(|_| ladder.add(2)).collect();
        let rungs: Vec<usize> = (0..N).map(|_| ladder.add(1)).collect();
        let shared = ladder.add(0);
        for &p in &proxies {
            ladder.edge(p, rungs[0]);
        }
        for i in 0..N {
            ladder.edge(rungs[i], shared);
            if i + 1 < N {
                ladder.edge(rungs[i], rungs[i + 1]);
            }
        }
        ladder.steps_within_bound();
        // One desk and a long chain of plain services: the output is the chain.
        let mut long = Shape::new();
        let desk = long.add(2);
        let mut at = desk;
        for _ in 0..N {
            let next = long.add(0);
            long.edge(at, next);
            at = next;
        }
        long.steps_within_bound();
    }

    /// `check` and `graph` ask whether a service has a proxy; only the bundle lists them all:
    /// a pool of services shared by many desks costs desks × services to list.
    #[test]
    fn the_lists_of_proxies_are_made_for_the_bundle_only() {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example");
        let loaded = crate::load::load(
            &example,
            &crate::load::Naming::at(&example),
            &Default::default(),
        );
        let a = crate::analyze(loaded, &[]);
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        assert!(a.transfers.proxied.iter().any(|&p| p));
        let _ = crate::emit::graph::render(&a, crate::emit::graph::GraphFormat::Mermaid);
        assert!(a.transfers.proxied_by.get().is_none());
        let bundle = crate::compile::compile(&a.ws, &a.transfers);
        assert!(a.transfers.proxied_by.get().is_some());
        assert!((bundle.services.iter()).any(|s| {
            s.instant_messaging
                .as_ref()
                .is_some_and(|im| !im.proxied_by.is_empty())
        }));
    }

    proptest! {
        #[test]
        fn proxied_by_is_what_each_desk_reaches(
            nodes in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>()), 1..14),
            edges in proptest::collection::vec((0usize..14, 0usize..14), 0..40),
            few in prop_oneof![Just(0usize), Just(1), Just(2), Just(FEW)],
        ) {
            let n = nodes.len();
            // A front desk offers IM (its channels); a proxying desk is a front desk.
            let carries_im: Vec<bool> = nodes.iter().map(|&(im, desk, _)| im || desk).collect();
            let front_desk: Vec<bool> = nodes.iter().map(|&(_, desk, _)| desk).collect();
            let proxies: Vec<bool> = nodes.iter().map(|&(_, desk, p)| desk && p).collect();
            let mut graph = DiGraph::new();
            for _ in 0..n {
                graph.add_node(());
            }
            for (k, &(a, b)) in edges.iter().enumerate() {
                graph.add_edge(NodeIndex::new(a % n), NodeIndex::new(b % n), k as u32);
            }
            // With short lists kept or none (`few` = 0: every walk goes all the way).
            let (got, _) =
                proxied_by_counted(&graph, &carries_im, |i| front_desk[i], |i| proxies[i], few);
            let want = naive(&graph, &carries_im, &front_desk, &proxies);
            prop_assert_eq!(&got, &want);
            // Whether each has a proxy, and one service's list walked back from it, without
            // the lists of all.
            let t = Transfers::with(graph, carries_im, vec![false; n], front_desk, proxies);
            let proxied: Vec<bool> = want.iter().map(|l| !l.is_empty()).collect();
            prop_assert_eq!(&t.proxied, &proxied);
            let one: Vec<Vec<u32>> = (0..n).map(|i| t.proxies_of(i)).collect();
            prop_assert!(t.proxied_by.get().is_none());
            prop_assert_eq!(&one, &want);
            prop_assert_eq!(t.proxied_by(), &want[..]);
        }
    }
}
