//! Writes a realistic, valid nimbus-lint workspace of any size, for benchmarks.
//!
//! ```text
//! cargo run --release --example gen_workspace -- --services 5000 --layout per-service --seed 1 --out /tmp/m
//! ```
//!
//! About one OU per 20 services, three connectors, one messaging entry per 10 services, 20 %
//! front desks, transfer chains of up to 6 hops behind them (some looping back), and services
//! without IM at the ends of chains. The same arguments always write the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// The tests' generator: the same seed gives the same workspace everywhere.
#[allow(dead_code)]
#[path = "../tests/common/rng.rs"]
mod rng;
use rng::Rng;

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    Single,
    PerKind,
    PerService,
}

struct Args {
    services: usize,
    layout: Layout,
    seed: u64,
    out: PathBuf,
    unknown_refs: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        services: 100,
        layout: Layout::Single,
        seed: 1,
        out: PathBuf::new(),
        unknown_refs: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--services" => {
                a.services = value()?.parse().map_err(|e| format!("--services: {e}"))?
            }
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => a.out = PathBuf::from(value()?),
            "--unknown-refs" => {
                a.unknown_refs = value()?
                    .parse()
                    .map_err(|e| format!("--unknown-refs: {e}"))?
            }
            "--layout" => {
                a.layout = match value()?.as_str() {
                    "single" => Layout::Single,
                    "per-kind" => Layout::PerKind,
                    "per-service" => Layout::PerService,
                    other => return Err(format!("unknown layout `{other}`")),
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if a.out.as_os_str().is_empty() {
        return Err("--out DIR is required".into());
    }
    Ok(a)
}

/// The workspace's text, by kind; services one block each.
struct Text {
    ous: String,
    twilio: String,
    services: Vec<(String, String)>,
}

fn generate(a: &Args) -> Text {
    let mut rng = Rng(a.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let n = a.services.max(1);
    let ous = (n / 20).max(1);
    let mut t = Text {
        ous: String::new(),
        twilio: String::new(),
        services: Vec::with_capacity(n),
    };
    let _ = writeln!(t.ous, "[ou.tenant]\nname = \"Tenant\"\n");
    for o in 1..ous {
        let parent = if o < 8 {
            "tenant".to_owned()
        } else {
            format!("unit-{}", 1 + rng.below(o - 1))
        };
        let _ = writeln!(
            t.ous,
            "[ou.unit-{o}]\nname = \"Unit {o}\"\nparent = \"{parent}\"\n"
        );
    }
    let ou_of = |rng: &mut Rng| {
        let o = rng.below(ous);
        if o == 0 {
            "tenant".to_owned()
        } else {
            format!("unit-{o}")
        }
    };
    let connectors = 3;
    for c in 0..connectors {
        let _ = writeln!(
            t.twilio,
            "[connector.twilio-{c}]\nname = \"Twilio {c}\"\nou = \"tenant\"\ntype = \"twilio\"\nregion = \"us1\"\napi_key_sid = \"SK{:032x}\"\napi_key_secret = {{ env = \"TWILIO_SECRET_{c}\" }}\n",
            0x5eed_0000_u64 + c as u64
        );
    }
    let entries = (n / 10).max(1);
    for e in 0..entries {
        let _ = writeln!(
            t.twilio,
            "[messaging_entry.entry-{e}]\nname = \"Entry {e}\"\nou = \"tenant\"\nconnector = \"twilio-{}\"\nservice_sid = \"IS{:032x}\"\n",
            e % connectors,
            0x1000_0000_u64 + e as u64
        );
    }

    // Front desks first, then the chains behind them.
    let desks = (n / 5).max(1);
    let mut next = desks;
    let mut transfers: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut im = vec![false; n];
    let mut chains_left = n - desks;
    for d in 0..desks {
        im[d] = true;
        let share = if d + 1 == desks {
            chains_left
        } else {
            (chains_left / (desks - d)).min(1 + rng.below(8))
        };
        chains_left -= share;
        let mut prev = d;
        let mut hop = 0;
        for k in 0..share {
            let s = next;
            next += 1;
            let last_leaf = k + 1 == share && rng.below(4) == 0;
            // A chain's last service may be a voice one, without IM, but not a desk's only
            // target: a desk without agents must hand IM conversations to an IM service.
            im[s] = !last_leaf || k == 0;
            transfers[prev].push(s);
            hop += 1;
            if hop < 6 && !last_leaf {
                prev = s;
            } else {
                prev = d;
                hop = 0;
            }
        }
        if prev != d && rng.below(10) == 0 {
            transfers[prev].push(d);
        }
    }
    for s in 0..n {
        let mut text = String::new();
        let kind = if s < desks {
            "desk"
        } else if im[s] {
            "team"
        } else {
            "voice"
        };
        let _ = writeln!(
            text,
            "[service.{kind}-{s}]\nname = \"Service {s}\"\nou = \"{}\"\nlicense = \"contact_center\"",
            ou_of(&mut rng)
        );
        if s < desks {
            text.push_str("user_assignment = \"none\"\n");
        } else if rng.below(3) == 0 {
            text.push_str("user_assignment = \"skill_based\"\n");
        }
        let mut list: Vec<String> = transfers[s]
            .iter()
            .map(|&t| {
                let kind = if t < desks {
                    "desk"
                } else if im[t] {
                    "team"
                } else {
                    "voice"
                };
                format!("\"{kind}-{t}\"")
            })
            .collect();
        if s < desks && list.is_empty() {
            list.push(format!("\"team-{}\"", desks.min(n - 1)));
        }
        if s < a.unknown_refs.min(n) {
            list.push(format!("\"team-{}x\"", s));
        }
        if !list.is_empty() {
            let _ = writeln!(text, "transfers = [{}]", list.join(", "));
        }
        if s < desks {
            let channels = match rng.below(4) {
                0 => "[\"whatsapp\", \"sms\"]",
                1 => "[\"sms\"]",
                2 => "[\"whatsapp\", \"interact\"]",
                _ => "[\"whatsapp\"]",
            };
            let _ = writeln!(
                text,
                "\n[service.{kind}-{s}.instant_messaging]\nmessaging_entry = \"entry-{}\"\nchannels = {channels}",
                s % entries
            );
        } else if im[s] {
            let _ = writeln!(text, "\n[service.{kind}-{s}.instant_messaging]");
        }
        text.push('\n');
        t.services.push((format!("{kind}-{s}"), text));
    }
    t
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "gen_workspace: {e}\nusage: gen_workspace --services N --layout single|per-kind|per-service --seed S --out DIR [--unknown-refs K]"
            );
            std::process::exit(2);
        }
    };
    let t = generate(&a);
    let out = &a.out;
    let result = (|| {
        let mut settings = String::from("[build]\noutput = \"dist/bundle.json\"\n");
        if a.layout == Layout::PerService && a.services + 2 > 100_000 {
            // More files than the loader's default limit.
            settings.push_str(&format!("\n[workspace]\nmax_files = {}\n", a.services + 10));
        } else if a.layout != Layout::PerService && a.services > 250_000 {
            // A services file over the loader's default 64 MiB.
            settings.push_str("\n[workspace]\nmax_file_size = 1073741824\n");
        }
        write(&out.join("nimbus.toml"), &settings)?;
        match a.layout {
            Layout::Single => {
                let mut all = t.ous.clone();
                all.push_str(&t.twilio);
                for (_, s) in &t.services {
                    all.push_str(s);
                }
                write(&out.join("tenant.toml"), &all)
            }
            Layout::PerKind => {
                write(&out.join("ous.toml"), &t.ous)?;
                write(&out.join("twilio.toml"), &t.twilio)?;
                let all: String = t.services.iter().map(|(_, s)| s.as_str()).collect();
                write(&out.join("services.toml"), &all)
            }
            Layout::PerService => {
                write(&out.join("ous.toml"), &t.ous)?;
                write(&out.join("twilio.toml"), &t.twilio)?;
                for (id, s) in &t.services {
                    write(&out.join("services").join(format!("{id}.toml")), s)?;
                }
                Ok(())
            }
        }
    })();
    if let Err(e) = result {
        eprintln!("gen_workspace: {e}");
        std::process::exit(2);
    }
}
