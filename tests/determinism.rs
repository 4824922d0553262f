//! Same workspace, same bytes: shuffling files, file names, entities inside files and the
//! order of lists never changes the bundle (nor the set of diagnostics).

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

mod common;

use common::rng::Rng;
use nimbus_lint::load::{self, Naming, Overlays};
use proptest::prelude::*;

/// A clean workspace, as (entity text) blocks, from a seed: an OU tree, connectors and entries
/// in the root OU, front desks with entries and WhatsApp, IM services each reached from a desk,
/// services without IM, transfers everywhere.
fn entities(seed: u64, services: usize) -> Vec<(String, Vec<Vec<String>>)> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    let ous = 1 + rng.below(5);
    out.push(("[ou.o0]\nname = \"Root\"\n".to_owned(), vec![]));
    for i in 1..ous {
        out.push((
            format!("[ou.o{i}]\nparent = \"o{}\"\n", rng.below(i)),
            vec![],
        ));
    }
    let connectors = 1 + rng.below(2);
    for c in 0..connectors {
        out.push((
            format!(
                "[connector.c{c}]\nou = \"o0\"\ntype = \"twilio\"\napi_key_sid = \"SK{:032x}\"\napi_key_secret = {{ env = \"SECRET_{c}\" }}\n",
                c + 1
            ),
            vec![],
        ));
    }
    let entries = 1 + rng.below(3);
    for e in 0..entries {
        out.push((
            format!(
                "[messaging_entry.e{e}]\nou = \"o0\"\nconnector = \"c{}\"\nservice_sid = \"IS{:032x}\"\n",
                rng.below(connectors),
                e + 1
            ),
            vec![],
        ));
    }
    let desks = 1 + services / 4;
    let mut transfers: Vec<Vec<String>> = vec![Vec::new(); services];
    for list in transfers.iter_mut() {
        for _ in 0..rng.below(3) {
            list.push(format!("\"s{}\"", rng.below(services)));
        }
    }
    for s in desks..services {
        let desk = rng.below(desks);
        transfers[desk].push(format!("\"s{s}\""));
    }
    for (s, mut list) in transfers.into_iter().enumerate() {
        list.sort();
        list.dedup();
        let mut text = format!(
            "[service.s{s}]\nname = \"Service {s}\"\nou = \"o{}\"\nlicense = \"contact_center\"\ntransfers = LIST\n",
            rng.below(ous)
        );
        let kind = if s < desks { 0 } else { 1 + rng.below(2) };
        let mut lists = vec![list];
        match kind {
            0 => {
                let _ = write!(
                    text,
                    "[service.s{s}.instant_messaging]\nmessaging_entry = \"e{}\"\nchannels = LIST\n",
                    rng.below(entries)
                );
                lists.push(vec![
                    "\"whatsapp\"".into(),
                    "\"sms\"".into(),
                    "\"interact\"".into(),
                ]);
            }
            1 => text.push_str(&format!("[service.s{s}.instant_messaging]\n")),
            _ => {}
        }
        out.push((text, lists));
    }
    out
}

/// Writes the entities over `files` files in an order and with list orders chosen by `perm`.
fn write(dir: &Path, blocks: &[(String, Vec<Vec<String>>)], files: usize, perm: u64) {
    let mut rng = Rng(perm | 1);
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    rng.shuffle(&mut order);
    let names: Vec<String> = (0..files)
        .map(|f| format!("f{}-{f}.toml", rng.next() % 1000))
        .collect();
    let mut texts = vec![String::new(); files];
    for i in order {
        let (text, lists) = &blocks[i];
        let mut text = text.clone();
        for list in lists {
            let mut list = list.clone();
            rng.shuffle(&mut list);
            text = text.replacen("LIST", &format!("[{}]", list.join(", ")), 1);
        }
        let f = rng.below(files);
        texts[f].push_str(&text);
        texts[f].push('\n');
    }
    for (name, text) in names.iter().zip(texts) {
        let sub = if rng.below(2) == 0 {
            dir.join("nested")
        } else {
            dir.to_path_buf()
        };
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(name), text).unwrap();
    }
    std::fs::write(dir.join("nimbus.toml"), "").unwrap();
}

/// A diagnostic as text, wherever its file lies: code, severity, message, help and the labels'
/// messages.
type Said = (String, String, String, String, Vec<String>);

/// Bundle bytes (or none) and the diagnostics, sorted (as many times as each is reported).
fn outcome(dir: &Path) -> (Option<Vec<u8>>, Vec<Said>) {
    let naming = Naming::from_cwd();
    let loaded = load::load(dir, &naming, &Overlays::new());
    let a = nimbus_lint::analyze(loaded, &[]);
    let mut diags: Vec<Said> = a
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.as_str().to_owned(),
                d.severity.as_str().to_owned(),
                d.message.clone(),
                d.help.clone(),
                d.labels.iter().map(|l| l.message.clone()).collect(),
            )
        })
        .collect();
    diags.sort();
    let bundle = (!a.has_errors()).then(|| {
        nimbus_lint::compile::to_bytes(&nimbus_lint::compile::compile(&a.ws, &a.transfers))
    });
    (bundle, diags)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn shuffling_never_changes_the_bundle(
        seed in any::<u64>(),
        services in 1usize..40,
        files_a in 1usize..6,
        files_b in 1usize..6,
        perm_a in any::<u64>(),
        perm_b in any::<u64>(),
    ) {
        let blocks = entities(seed, services);
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(a.path(), &blocks, files_a, perm_a);
        write(b.path(), &blocks, files_b, perm_b);
        let (bundle_a, diags_a) = outcome(a.path());
        let (bundle_b, diags_b) = outcome(b.path());
        prop_assert!(bundle_a.is_some(), "generated workspace is not clean: {:?}", diags_a);
        prop_assert_eq!(bundle_a, bundle_b);
        prop_assert_eq!(diags_a, diags_b);
    }
}

/// The loop an `im-unreachable` message names is the same whatever the order of `transfers`:
/// the shortest from the smallest id, ties going to the smaller ids.
#[test]
fn an_unreachable_loop_is_named_the_same_in_any_order() {
    let mut messages = BTreeSet::new();
    for transfers in ["\"b\", \"c\"", "\"c\", \"b\""] {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = format!(
            "[ou.root]\n\
             [service.a]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\ninstant_messaging = {{}}\n\
             [service.b]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"a\"]\ninstant_messaging = {{}}\n\
             [service.c]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"a\"]\ninstant_messaging = {{}}\n"
        );
        std::fs::write(dir.path().join("nimbus.toml"), "").expect("write");
        std::fs::write(dir.path().join("tenant.toml"), text).expect("write");
        // The labels follow the items as written; the message names the same loop.
        let (_, diagnostics) = outcome(dir.path());
        messages.extend(
            diagnostics
                .into_iter()
                .map(|(code, _, message, ..)| (code, message)),
        );
    }
    let messages: Vec<_> = messages.into_iter().collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0]
            .1
            .starts_with("no conversation can reach the transfer loops among `a`, `b` and `c`"),
        "{messages:?}"
    );
}

/// The diagnostics of a workspace written as `blocks` in every order, labels sorted: one
/// result for all the orders.
fn said_in_every_order(blocks: &[&str]) -> Vec<Said> {
    fn orders(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![Vec::new()];
        }
        let mut all = Vec::new();
        for rest in orders(n - 1) {
            for at in 0..=rest.len() {
                let mut o = rest.clone();
                o.insert(at, n - 1);
                all.push(o);
            }
        }
        all
    }
    let mut seen = BTreeSet::new();
    for order in orders(blocks.len()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let text: String = order.iter().map(|&i| blocks[i]).collect();
        std::fs::write(dir.path().join("nimbus.toml"), "").expect("write");
        std::fs::write(dir.path().join("tenant.toml"), format!("[ou.root]\n{text}"))
            .expect("write");
        let (_, mut said) = outcome(dir.path());
        for s in &mut said {
            s.4.sort();
        }
        seen.insert(said);
    }
    assert_eq!(seen.len(), 1, "{seen:#?}");
    seen.into_iter().next().unwrap()
}

/// A service below two unreachable services is not said to be reached "only through" one of
/// them, and which one carries its label, or which service the help names, does not depend on
/// the order of the entities.
#[test]
fn what_im_unreachable_says_does_not_depend_on_the_order_of_entities() {
    let im = |id: &str, transfers: &str| {
        format!(
            "[service.{id}]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [{transfers}]\n\
             [service.{id}.instant_messaging]\n"
        )
    };
    let (x, y, t) = (im("x", "\"t\""), im("y", "\"t\""), im("t", ""));
    let said = said_in_every_order(&[&x, &y, &t]);
    let labels: Vec<&String> = said.iter().flat_map(|s| &s.4).collect();
    assert_eq!(
        labels,
        [
            "`t` is reached only through `x` and other services no conversation reaches: unreachable too"
        ],
        "{said:#?}"
    );

    // Two services without IM between a front desk and an IM service: the help names the
    // smaller id.
    let desk = "[service.d]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"n1\", \"n2\"]\n\
                [service.d.instant_messaging]\nchannels = [\"interact\"]\n";
    let plain = |id: &str| {
        format!(
            "[service.{id}]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"u\"]\n"
        )
    };
    let (n1, n2, u) = (plain("n1"), plain("n2"), im("u", ""));
    let said = said_in_every_order(&[desk, &n1, &n2, &u]);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(said[0].3.starts_with("give `n1` an IM table"), "{said:#?}");
}

/// Which ten services below a root carry a label, and which says how many more, is the same
/// whatever the order of the entities.
#[test]
fn the_labelled_services_below_a_root_do_not_depend_on_the_order_of_entities() {
    let below: Vec<String> = (1..=12).map(|i| format!("b{i:02}")).collect();
    let list: Vec<String> = below.iter().map(|b| format!("\"{b}\"")).collect();
    let root = format!(
        "[service.a]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [{}]\n\
         [service.a.instant_messaging]\n",
        list.join(", ")
    );
    let block = |id: &String| {
        format!(
            "[service.{id}]\nou = \"root\"\nlicense = \"contact_center\"\n[service.{id}.instant_messaging]\n"
        )
    };
    let mut said = Vec::new();
    for reversed in [false, true] {
        let mut blocks: Vec<String> = below.iter().map(block).collect();
        if reversed {
            blocks.reverse();
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("nimbus.toml"), "").expect("write");
        let text = format!("[ou.root]\n{root}{}", blocks.concat());
        std::fs::write(dir.path().join("tenant.toml"), text).expect("write");
        let (_, mut d) = outcome(dir.path());
        for s in &mut d {
            s.4.sort();
        }
        said.push(d);
    }
    assert_eq!(said[0], said[1]);
    let labels = &said[0][0].4;
    assert_eq!(labels.len(), 10, "{labels:#?}");
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("`b10`") && l.ends_with("(and 2 more services)")),
        "{labels:#?}"
    );
}
