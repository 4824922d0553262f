//! "Did you mean" suggestions for misspelled keys, ids, enum values and rule codes.

/// Folds case and treats `-` like `_`, so that `API-Key-SID` finds `api_key_sid`.
fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    if c == '-' {
        '_'
    } else {
        c.to_ascii_lowercase()
    }
}

/// The largest edit distance still worth suggesting for a word of `len` characters. Distances
/// are optimal string alignment: an insertion, deletion, substitution or swap of neighbours is
/// one edit each.
fn budget(len: usize) -> usize {
    (len / 3).clamp(1, 3)
}

/// Words longer than this (in characters) are compared by cheaper means: the quadratic parts
/// of a suggestion (distances as written, deletion variants) would make a pasted line slow.
const LONG_WORD: usize = 256;

/// The optimal string alignment distance of `a` and `b` when it is at most `max`: only the
/// diagonal band `max` wide is computed, so the cost is linear in their length.
fn osa_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    const FAR: usize = usize::MAX / 2;
    // Budgets stay small (see `budget`); a wider band would be no typo.
    const WIDEST: usize = 7;
    let max = max.min((WIDEST - 1) / 2);
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    let w = 2 * max + 1;
    // Cell `k` of a row `i` stands for column `j = i + k - max`.
    let column = |i: usize, k: usize| (i + k).checked_sub(max).filter(|&j| j <= m);
    let mut before = [FAR; WIDEST];
    let mut prev = [FAR; WIDEST];
    for (k, cell) in prev.iter_mut().enumerate().take(w) {
        *cell = column(0, k).unwrap_or(FAR);
    }
    let mut cur = [FAR; WIDEST];
    for i in 1..=n {
        let mut least = FAR;
        for k in 0..w {
            let Some(j) = column(i, k) else {
                cur[k] = FAR;
                continue;
            };
            let v = if j == 0 {
                i
            } else {
                let mut v = prev[k] + usize::from(a[i - 1] != b[j - 1]);
                if k + 1 < w {
                    v = v.min(prev[k + 1] + 1);
                }
                if k > 0 {
                    v = v.min(cur[k - 1] + 1);
                }
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(before[k] + 1);
                }
                v
            };
            cur[k] = v;
            least = least.min(v);
        }
        if least > max {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m + max - n];
    (d <= max).then_some(d)
}

/// The distance of two spellings as written, for ties between candidates that fold alike;
/// past [`LONG_WORD`], the number of characters that differ.
fn written_distance(a: &str, b: &str) -> usize {
    if a.len() > LONG_WORD || b.len() > LONG_WORD {
        return a.chars().zip(b.chars()).filter(|(x, y)| x != y).count()
            + a.chars().count().abs_diff(b.chars().count());
    }
    strsim::osa_distance(a, b)
}

/// The candidate nearest to `input`, if one is close enough to be a likely typo.
///
/// Ties go to the alphabetically first folded spelling, then to the candidate nearest to
/// `input` as written (case and `-` kept), then to the alphabetically first, so the answer
/// never depends on the order candidates come in (of more than 32 candidates that
/// fold alike, the first that many are weighed: [`Suggester`] gives them sorted).
pub fn nearest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    nearest_where(input, candidates, |_| true).first().copied()
}

/// The candidates nearest to `input` that `accept` takes, when close enough to be a likely
/// typo: one, or several equally near ones (different spellings once folded: `sales-team`
/// and `sales-team2` for `sales-tea2`), alphabetically by folded spelling. Candidates that
/// fold alike count as one, the one nearest as written. `accept` is asked only about
/// candidates close enough to be kept.
pub fn nearest_where<'a, I>(
    input: &str,
    candidates: I,
    mut accept: impl FnMut(&str) -> bool,
) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let folded = fold(input);
    let folded_chars: Vec<char> = folded.chars().collect();
    let len = folded_chars.len();
    let max = budget(len);
    let mut c_chars: Vec<char> = Vec::new();
    // Words joined by `_` (or `-`): `api_secret` may mean `api_key_secret`.
    let words = folded.contains('_');
    // The best distance, and the candidates at it: their folded spellings, the twin kept,
    // its distance as written once known, and how many twins were weighed.
    let mut best: Option<(usize, Vec<Tied<'a>>)> = None;
    let mut c = String::new();
    for cand in candidates {
        // Folding keeps the number of characters: filter on length before folding.
        let clen = cand.chars().count();
        let close = clen.abs_diff(len) <= max;
        if !(close || (words && clen > len)) {
            continue;
        }
        c.clear();
        c.extend(cand.chars().map(fold_char));
        let d = if c == folded {
            0
        } else if close && folded.len() >= 3 && (c.starts_with(&folded) || folded.starts_with(&c)) {
            clen.abs_diff(len).min(max)
        } else {
            let d = if close {
                c_chars.clear();
                c_chars.extend(c.chars());
                osa_within(&folded_chars, &c_chars, max).unwrap_or(usize::MAX)
            } else {
                usize::MAX
            };
            // Words left out count as far as a typo may go: a closer spelling wins.
            if d > max && words && words_within(&folded, &c) {
                max
            } else {
                d
            }
        };
        if d > max || best.as_ref().is_some_and(|(bd, _)| d > *bd) || !accept(cand) {
            continue;
        }
        let (bd, tied) = best.get_or_insert_with(|| (d, Vec::new()));
        if d < *bd {
            *bd = d;
            tied.clear();
        }
        // Candidates that fold alike (`tw`, `TW`): the one nearest as written (`tw` for
        // ` tw`), then the first. Distances as written are computed for such twins only, and
        // for the first [`TWINS`] of a spelling (candidates come in sorted order): a scan of
        // thousands of near ids, or of ids that differ only in `-` and `_`, stays cheap.
        match tied.iter_mut().find(|t| t.folded == c) {
            Some(t) if t.weighed < TWINS => {
                t.weighed += 1;
                let kept = *t
                    .written
                    .get_or_insert_with(|| written_distance(input, t.kept));
                let this = written_distance(input, cand);
                if (this, cand) < (kept, t.kept) {
                    t.kept = cand;
                    t.written = Some(this);
                }
            }
            Some(_) => {}
            None => tied.push(Tied {
                folded: c.clone(),
                kept: cand,
                written: None,
                weighed: 1,
            }),
        }
    }
    let mut tied = best.map(|(_, t)| t).unwrap_or_default();
    tied.sort_unstable_by(|a, b| (&a.folded, a.kept).cmp(&(&b.folded, b.kept)));
    tied.into_iter().map(|t| t.kept).collect()
}

/// Twins (candidates that fold alike) weighed by their distance as written, for one query.
const TWINS: u32 = 32;

/// Candidates of one folded spelling at the best distance (see [`nearest_where`]).
struct Tied<'a> {
    folded: String,
    kept: &'a str,
    written: Option<usize>,
    weighed: u32,
}

/// True when the `_`-separated words of `short` are words of `long`, in the same order, with
/// some left out (`api_secret` in `api_key_secret`).
fn words_within(short: &str, long: &str) -> bool {
    let mut long_words = long.split('_');
    short
        .split('_')
        .all(|w| !w.is_empty() && long_words.any(|l| l == w))
}

/// `did you mean `x`?` for a suggestion, or an empty string.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("did you mean `{s}`? "))
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn finds_typos_case_and_dashes() {
        let keys = ["name", "ou", "license", "user_assignment", "transfers"];
        assert_eq!(nearest("licence", keys), Some("license"));
        assert_eq!(nearest("User-Assignment", keys), Some("user_assignment"));
        assert_eq!(nearest("transfer", keys), Some("transfers"));
        assert_eq!(nearest("oo", keys), Some("ou"));
        // A transposition is one edit.
        assert_eq!(nearest("lciense", keys), Some("license"));
        // Words left out.
        let keys = ["api_key_sid", "api_key_secret", "region"];
        assert_eq!(nearest("api_secret", keys), Some("api_key_secret"));
        assert_eq!(nearest("Key-Secret", keys), Some("api_key_secret"));
        assert_eq!(nearest("api_token", keys), None);
        // Folding ties `tw` and `TW`; the spelling as written decides.
        assert_eq!(nearest(" tw", ["TW", "tw"]), Some("tw"));
        assert_eq!(nearest("Tw", ["tw", "TW"]), Some("TW"));
    }

    #[test]
    fn the_banded_distance_is_the_full_one_within_its_band() {
        // Every pair of words over a small alphabet up to 6 letters long, against strsim.
        let words: Vec<String> = (0..6)
            .flat_map(|n| {
                (0..3usize.pow(n as u32)).map(move |mut x| {
                    (0..n)
                        .map(|_| {
                            let c = b"abc"[x % 3] as char;
                            x /= 3;
                            c
                        })
                        .collect()
                })
            })
            .collect();
        for a in &words {
            let ac: Vec<char> = a.chars().collect();
            for b in &words {
                let bc: Vec<char> = b.chars().collect();
                let full = strsim::osa_distance(a, b);
                for max in 1..=3 {
                    let want = (full <= max).then_some(full);
                    assert_eq!(super::osa_within(&ac, &bc, max), want, "{a} {b} {max}");
                }
            }
        }
    }

    #[test]
    fn equally_near_spellings_are_all_kept_and_twins_are_one() {
        let ids = ["sales-team2", "sales-team", "sales-ivr"];
        assert_eq!(
            super::nearest_where("sales-tea2", ids, |_| true),
            ["sales-team", "sales-team2"]
        );
        assert_eq!(
            super::nearest_where("sales-tea2", ids, |id| id != "sales-team"),
            ["sales-team2"]
        );
        assert_eq!(super::nearest_where("Tw", ["tw", "TW"], |_| true), ["TW"]);
        assert!(super::nearest_where("sales-tea2", ids, |_| false).is_empty());
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        let keys = ["name", "ou", "license"];
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("x", ["abc"]), None);
    }
}

/// Did-you-mean over many ids at once, linear in the number of ids and queries.
///
/// Comparing every unknown reference with every id is quadratic: 10,000 typos in a workspace
/// of 100,000 services would take minutes. So, when that product is large, the ids go into a
/// symmetric deletion index (each folded id and every variant of it with one character
/// deleted), which finds every id within one edit of a query in a few lookups. Queries with
/// nothing that close fall back to the full scan while a fixed budget lasts (counted in
/// characters compared, so that long ids cost what they weigh);
/// past it they get no suggestion. Small workspaces always get the full scan, so results
/// match [`nearest`].
pub struct Suggester<'a> {
    ids: Vec<&'a str>,
    /// (hash of a folded variant, index into `ids`), sorted; empty when scanning.
    variants: Vec<(u64, u32)>,
    /// Characters left to compare in full scans.
    budget: usize,
    /// The cost of one full scan: the characters of every id.
    scan_cost: usize,
    /// Folded spellings shared by more than [`TWINS`] ids: which of them is nearest as
    /// written is not sure.
    crowded: rustc_hash::FxHashSet<String>,
}

/// Above this many (queries × ids), build the index.
const SCAN_LIMIT: usize = 1_000_000;
/// Above this many (queries × characters of all ids), build the index too.
const SCAN_CHARS: usize = 16_000_000;
/// Characters full scans may compare for the queries the index cannot answer.
const SCAN_BUDGET: usize = 5_000_000;

/// FNV-1a over the bytes of `parts`, as if they were one string.
fn hash(parts: [&str; 2]) -> u64 {
    crate::source::fnv1a(parts[0].bytes().chain(parts[1].bytes()))
}

/// Hashes of the folded word and of each variant of it with one character deleted.
fn variants(folded: &str) -> impl Iterator<Item = u64> + '_ {
    std::iter::once(hash([folded, ""])).chain(
        folded
            .char_indices()
            .map(move |(i, c)| hash([&folded[..i], &folded[i + c.len_utf8()..]])),
    )
}

impl<'a> Suggester<'a> {
    /// A suggester over `ids`, for about `queries` lookups.
    pub fn new(ids: impl IntoIterator<Item = &'a str>, queries: usize) -> Self {
        // Sorted, so that the twins weighed first are the same whatever the order of files.
        let mut ids: Vec<&'a str> = ids.into_iter().collect();
        ids.sort_unstable();
        // Each id folded once, ids that fold alike side by side (in sorted order), each with
        // its rank among them.
        let mut folded: Vec<(String, u32)> = (ids.iter().enumerate())
            .map(|(i, id)| (fold(id), i as u32))
            .collect();
        folded.sort_unstable();
        let mut rank = vec![0u32; folded.len()];
        for k in 1..folded.len() {
            if folded[k].0 == folded[k - 1].0 {
                rank[k] = rank[k - 1] + 1;
            }
        }
        let crowded = (folded.iter().zip(&rank))
            .filter(|&(_, &r)| r == TWINS)
            .map(|((f, _), _)| f.clone())
            .collect();
        let mut variants_index = Vec::new();
        let scan_cost = ids.iter().map(|id| id.len() + 1).sum::<usize>();
        if ids.len().saturating_mul(queries) > SCAN_LIMIT
            || scan_cost.saturating_mul(queries) > SCAN_CHARS
        {
            // A long id is left to the scan: its variants alone would be quadratic. Ids that
            // fold alike are indexed once, as their first [`TWINS`]: no query weighs more.
            for ((f, i), &r) in folded.iter().zip(&rank) {
                if r < TWINS && f.len() <= LONG_WORD {
                    variants_index.extend(variants(f).map(|h| (h, *i)));
                }
            }
            variants_index.sort_unstable();
            variants_index.dedup();
        }
        Suggester {
            ids,
            variants: variants_index,
            budget: SCAN_BUDGET,
            scan_cost,
            crowded,
        }
    }

    /// True when more than 32 ids fold as `id` does: of those, the first so many
    /// (sorted) are weighed, so the one found may not be the nearest as written.
    pub fn crowded(&self, id: &str) -> bool {
        !self.crowded.is_empty() && self.crowded.contains(&fold(id))
    }

    /// The id nearest to `input`, as [`nearest`] would find it (see the type's note on very
    /// large workspaces).
    pub fn nearest(&mut self, input: &str) -> Option<&'a str> {
        self.nearest_where(input, |_| true).first().copied()
    }

    /// The ids nearest to `input` that `accept` takes, as [`nearest_where`] finds them (see
    /// the type's note on very large workspaces).
    pub fn nearest_where(
        &mut self,
        input: &str,
        mut accept: impl FnMut(&str) -> bool,
    ) -> Vec<&'a str> {
        if self.variants.is_empty() {
            return nearest_where(input, self.ids.iter().copied(), accept);
        }
        let folded = fold(input);
        let mut candidates: Vec<&'a str> = Vec::new();
        let short = folded.len() <= LONG_WORD;
        for h in variants(&folded).take_while(|_| short) {
            let start = self.variants.partition_point(|&(x, _)| x < h);
            for &(x, i) in &self.variants[start..] {
                if x != h {
                    break;
                }
                candidates.push(self.ids[i as usize]);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let found = nearest_where(input, candidates.iter().copied(), &mut accept);
        if !found.is_empty() {
            return found;
        }
        if self.budget >= self.scan_cost {
            self.budget -= self.scan_cost;
            return nearest_where(input, self.ids.iter().copied(), accept);
        }
        Vec::new()
    }
}

#[cfg(test)]
mod index_tests {
    use super::{Suggester, nearest};

    /// Thousands of ids that differ only in `-` and `_` fold alike: a query weighs the first
    /// [`super::TWINS`] of them, sorted, whatever order they came in (each weighed cost a
    /// full edit distance: 4,096 such ids and queries took 80 s).
    #[test]
    fn many_ids_that_fold_alike_give_one_answer_whatever_their_order() {
        let ids: Vec<String> = (0..2000u32)
            .map(|i| {
                (0..11)
                    .map(|b| if i >> b & 1 == 1 { "-x" } else { "_x" })
                    .collect::<String>()
            })
            .collect();
        let mut reversed: Vec<&str> = ids.iter().map(String::as_str).collect();
        let forward = reversed.clone();
        reversed.reverse();
        for queries in [1, 100_000] {
            let a =
                Suggester::new(forward.iter().copied(), queries).nearest("_x_x_x_x_x_x_x_x_x_x_y");
            let b =
                Suggester::new(reversed.iter().copied(), queries).nearest("_x_x_x_x_x_x_x_x_x_x_y");
            assert_eq!(a, b);
            // So a fix is not sure of it.
            assert!(Suggester::new(forward.iter().copied(), queries).crowded(a.unwrap()));
            assert!(!Suggester::new(["a-b", "a_b"], queries).crowded("a_b"));
            assert_eq!(
                a.map(super::fold).as_deref(),
                Some("_x_x_x_x_x_x_x_x_x_x_x")
            );
        }
    }

    #[test]
    fn the_index_finds_what_the_scan_finds_within_one_edit() {
        let ids: Vec<String> = (0..3000).map(|i| format!("team-{i}")).collect();
        let mut s = Suggester::new(ids.iter().map(String::as_str), 10_000);
        assert!(!s.variants.is_empty(), "large enough to index");
        for q in [
            "team-12x",
            "teem-77",
            "Team_5",
            "tem-2999",
            "team-1000",
            "taem-42",
        ] {
            assert_eq!(
                s.nearest(q),
                nearest(q, ids.iter().map(String::as_str)),
                "{q}"
            );
        }
    }
}
