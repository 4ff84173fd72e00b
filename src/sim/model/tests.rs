//! Realism over a simulated hour, and determinism, for several seeds.

use super::event::Episode;
use super::*;
use crate::market::VenueId;
use crate::sim::catalog::find;
use std::collections::{BTreeMap, HashMap};

/// Books of every kind: a 0.01-tick spot book, a perpetual in base units, a perpetual in
/// contracts, and a Kraken book.
fn books() -> Vec<BookId> {
    [
        (VenueId::Binance, "BTCUSDT"),
        (VenueId::BinanceUsdm, "ETHUSDT"),
        (VenueId::Okx, "SOL-USDT-SWAP"),
        (VenueId::Kraken, "BTC/USD"),
    ]
    .iter()
    .map(|(v, id)| find(*v, id).unwrap())
    .collect()
}

/// A book rebuilt from the model's change stream alone (the scenarios' tests use it too).
#[derive(Default)]
pub(super) struct Mirror {
    bids: BTreeMap<i64, u64>,
    asks: BTreeMap<i64, u64>,
}

impl Mirror {
    pub(super) fn of(model: &Model, i: usize) -> Self {
        Mirror {
            bids: model.levels(i, Side::Bid).collect(),
            asks: model.levels(i, Side::Ask).collect(),
        }
    }

    pub(super) fn apply(&mut self, changes: &[event::LevelChange]) {
        for c in changes {
            let side = match c.side {
                Side::Bid => &mut self.bids,
                Side::Ask => &mut self.asks,
            };
            if c.qty == 0 {
                side.remove(&c.price);
            } else {
                side.insert(c.price, c.qty);
            }
        }
    }

    fn best(&self) -> (i64, i64) {
        (self.best_on(Side::Bid), self.best_on(Side::Ask))
    }

    /// The best price on `side` (ticks).
    pub(super) fn best_on(&self, side: Side) -> i64 {
        match side {
            Side::Bid => *self.bids.keys().next_back().expect("bids"),
            Side::Ask => *self.asks.keys().next().expect("asks"),
        }
    }

    /// The mid (ticks).
    pub(super) fn mid(&self) -> f64 {
        let (bid, ask) = self.best();
        (bid + ask) as f64 / 2.0
    }

    /// The lots resting at `price` on `side`.
    pub(super) fn qty(&self, side: Side, price: i64) -> u64 {
        let levels = match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        };
        levels.get(&price).copied().unwrap_or(0)
    }

    /// Base-unit depth within `bps` of the mid on each side.
    fn depth_within(&self, bps: f64, base_per_lot: f64) -> (f64, f64) {
        let (b, a) = self.best();
        let mid = (b + a) as f64 / 2.0;
        let reach = mid * bps * 1e-4;
        let bid: u64 = self
            .bids
            .range((mid - reach).ceil() as i64..)
            .map(|(_, q)| q)
            .sum();
        let ask: u64 = self
            .asks
            .range(..=(mid + reach).floor() as i64)
            .map(|(_, q)| q)
            .sum();
        (bid as f64 * base_per_lot, ask as f64 * base_per_lot)
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn kurtosis(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    m4 / (m2 * m2)
}

/// What one hour of one seed looked like, per book.
#[derive(Debug)]
struct BookStats {
    spread_median: f64,
    spread_p90: f64,
    spread_max: f64,
    min_depth_25bps: f64,
    trades: usize,
    size_kurtosis: f64,
    size_p999_over_median: f64,
    levels_per_side: f64,
}

fn hour(seed: u64) -> (Vec<BookStats>, Vec<Episode>) {
    let ids = books();
    let mut model = Model::new(seed, &ids, Duration::from_millis(100));
    let mut mirrors: Vec<Mirror> = (0..ids.len()).map(|i| Mirror::of(&model, i)).collect();
    let mut spreads = vec![Vec::new(); ids.len()];
    let mut min_depth = vec![f64::INFINITY; ids.len()];
    let mut orders: Vec<HashMap<u64, u64>> = vec![HashMap::new(); ids.len()];
    let mut levels = vec![0.0; ids.len()];
    let mut episodes = Vec::new();
    let steps = 36_000;
    for _ in 0..steps {
        let step = model.step();
        episodes.extend(step.episodes);
        for (i, book) in step.books.iter().enumerate() {
            let m = &mut mirrors[i];
            m.apply(&book.changes);
            let (b, a) = m.best();
            spreads[i].push((a - b) as f64);
            let (db, da) = m.depth_within(25.0, INSTRUMENTS[ids[i]].base_per_lot());
            min_depth[i] = min_depth[i].min(db.min(da));
            for f in &book.fills {
                *orders[i].entry(f.order).or_default() += f.qty;
            }
            levels[i] += (m.bids.len() + m.asks.len()) as f64 / 2.0 / steps as f64;
        }
    }
    // The change stream alone rebuilds the model's books exactly.
    for (i, m) in mirrors.iter().enumerate() {
        assert!(
            m.bids
                .iter()
                .rev()
                .map(|(p, q)| (*p, *q))
                .eq(model.levels(i, Side::Bid))
        );
        assert!(
            m.asks
                .iter()
                .map(|(p, q)| (*p, *q))
                .eq(model.levels(i, Side::Ask))
        );
    }
    let stats = (0..ids.len())
        .map(|i| {
            let mut s = spreads[i].clone();
            s.sort_by(f64::total_cmp);
            let lot = INSTRUMENTS[ids[i]].base_per_lot();
            let mut sizes: Vec<f64> = orders[i].values().map(|q| *q as f64 * lot).collect();
            sizes.sort_by(f64::total_cmp);
            BookStats {
                spread_median: quantile(&s, 0.5),
                spread_p90: quantile(&s, 0.9),
                spread_max: s[s.len() - 1],
                min_depth_25bps: min_depth[i],
                trades: sizes.len(),
                size_kurtosis: kurtosis(&sizes),
                size_p999_over_median: quantile(&sizes, 0.999) / quantile(&sizes, 0.5),
                levels_per_side: levels[i],
            }
        })
        .collect();
    (stats, episodes)
}

#[test]
fn an_hour_of_market_looks_like_a_market_for_several_seeds() {
    for seed in [1, 2, 3] {
        let (stats, episodes) = hour(seed);
        for (i, s) in stats.iter().enumerate() {
            let name = format!("seed {seed} {:?}", INSTRUMENTS[books()[i]].id);
            println!("{name}: {s:?}");
            assert!(
                s.spread_max > 0.0 && s.spread_median >= 1.0,
                "{name}: {s:?}"
            );
            assert!(
                s.spread_median <= 3.0,
                "{name}: spreads mostly a few ticks: {s:?}"
            );
            assert!(s.spread_p90 <= 10.0, "{name}: {s:?}");
            assert!(
                s.min_depth_25bps > 0.0,
                "{name}: depth within 25 bps: {s:?}"
            );
            assert!(s.trades > 10_000, "{name}: {s:?}");
            assert!(s.levels_per_side > 150.0, "{name}: a deep book: {s:?}");
            assert!(s.size_kurtosis > 20.0, "{name}: heavy-tailed sizes: {s:?}");
            assert!(s.size_p999_over_median > 30.0, "{name}: {s:?}");
        }
        let count = |f: fn(&Episode) -> bool| episodes.iter().filter(|e| f(e)).count();
        let cascades = count(|e| matches!(e, Episode::Cascade { .. }));
        let spoofs = count(|e| matches!(e, Episode::Spoof { .. }));
        let walls = count(|e| matches!(e, Episode::Wall { .. }));
        let large = count(|e| matches!(e, Episode::LargePrint { .. }));
        println!(
            "seed {seed}: {cascades} cascades, {spoofs} spoofs, {walls} walls, {large} large prints"
        );
        assert!(
            cascades >= 3,
            "seed {seed}: {cascades} cascades (3 symbols)"
        );
        assert!(spoofs >= 4, "seed {seed}: {spoofs} spoof episodes");
        assert!(walls >= 4 && large >= 4, "seed {seed}");
    }
}

#[test]
fn cascades_bring_forced_orders_wider_spreads_and_thinner_books() {
    let ids = books();
    let perp = 1; // binance-usdm ETHUSDT
    let mut model = Model::new(4, &ids, Duration::from_millis(100));
    let mut mirror = Mirror::of(&model, perp);
    let (mut calm, mut stressed) = (Vec::new(), Vec::new());
    let mut forced = 0;
    let mut window: Option<(u64, u64)> = None;
    for _ in 0..18_000 {
        let step = model.step();
        for e in &step.episodes {
            if let Episode::Cascade {
                symbol: 1,
                start_ms,
                end_ms,
                ..
            } = e
            {
                window = Some((*start_ms, *end_ms));
            }
        }
        let book = &step.books[perp];
        mirror.apply(&book.changes);
        let (b, a) = mirror.best();
        let depth = mirror.depth_within(5.0, INSTRUMENTS[ids[perp]].base_per_lot());
        let sample = ((a - b) as f64, depth.0 + depth.1);
        match window {
            Some((s, e)) if step.t_ms >= s && step.t_ms < s + (e - s) / 3 => {
                stressed.push(sample);
                forced += book.forced.len();
            }
            _ => calm.push(sample),
        }
    }
    assert!(!stressed.is_empty(), "an ETH cascade in 30 minutes");
    let mean =
        |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let (calm_spread, hot_spread) = (mean(&calm, |s| s.0), mean(&stressed, |s| s.0));
    let (calm_depth, hot_depth) = (mean(&calm, |s| s.1), mean(&stressed, |s| s.1));
    assert!(forced > 5, "forced orders during the cascade: {forced}");
    assert!(
        hot_spread > 3.0 * calm_spread,
        "{calm_spread} → {hot_spread}"
    );
    assert!(hot_depth < 0.8 * calm_depth, "{calm_depth} → {hot_depth}");
}

#[test]
fn the_same_seed_gives_the_same_market_and_another_seed_another() {
    let run = |seed| {
        let mut m = Model::new(seed, &books(), Duration::from_millis(100));
        (0..3_000).map(|_| m.step()).collect::<Vec<_>>()
    };
    let a = run(11);
    assert_eq!(a, run(11));
    assert_ne!(a, run(12));
    // A subset of books sees exactly the same market for the books it keeps.
    let mut alone = Model::new(11, &books()[..1], Duration::from_millis(100));
    for step in &a[..500] {
        assert_eq!(alone.step().books[0], step.books[0]);
    }
}

/// FNV-1a of the debug form of `steps`: a fingerprint of a market that is stable across
/// builds and Rust versions (std's hasher is not).
fn fingerprint(steps: &[Step]) -> u64 {
    format!("{steps:?}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// The market a seed gives without scenarios is the one it gave before scenarios existed: the
/// fingerprint of 2 000 steps of seed 11 was taken on the model as it was then (with the USDC
/// basis, the cascades' recovery drift, the order sizes spread over a decade and the books
/// placed at their quote-converted reference from the start, which changed every path on
/// purpose). A scenario's draws come from streams of its own, so adding the feature moved
/// nothing.
#[test]
fn a_run_without_scenarios_is_the_market_the_seed_always_gave() {
    let mut m = Model::new(11, &books(), Duration::from_millis(100));
    let steps: Vec<Step> = (0..2_000).map(|_| m.step()).collect();
    assert_eq!(fingerprint(&steps), GOLDEN_SEED_11);
}

const GOLDEN_SEED_11: u64 = 10_228_825_211_574_831_317;

/// Every BTC book, spot and perpetual, USDT and USD.
fn btc_books() -> Vec<BookId> {
    (0..INSTRUMENTS.len())
        .filter(|&b| INSTRUMENTS[b].symbol == 0)
        .collect()
}

#[test]
fn venues_quote_within_a_few_bps_of_each_other() {
    let ids = btc_books();
    for seed in [1, 2, 3] {
        let mut model = Model::new(seed, &ids, Duration::from_millis(100));
        let mut mirrors: Vec<Mirror> = (0..ids.len()).map(|i| Mirror::of(&model, i)).collect();
        let (mut dispersion, mut crossed, mut samples) = (Vec::new(), 0, 0);
        // Ten minutes, sampled every second.
        for n in 0..6_000 {
            let step = model.step();
            for (m, b) in mirrors.iter_mut().zip(&step.books) {
                m.apply(&b.changes);
            }
            if n % 10 != 9 {
                continue;
            }
            let quotes: Vec<(f64, f64)> = mirrors
                .iter()
                .zip(&ids)
                .map(|(m, &b)| {
                    let (bid, ask) = m.best();
                    let tick = INSTRUMENTS[b].tick_size();
                    (bid as f64 * tick, ask as f64 * tick)
                })
                .collect();
            let mids: Vec<f64> = quotes.iter().map(|(b, a)| (b + a) / 2.0).collect();
            let hi = mids.iter().copied().fold(f64::MIN, f64::max);
            let lo = mids.iter().copied().fold(f64::MAX, f64::min);
            dispersion.push((hi - lo) / lo * 1e4);
            // One USDT spot book's bid above another's ask by more than 1 bp (USD books differ
            // by the USDT/USD rate and perpetuals by their basis: neither is a crossed market).
            let usdt = || {
                quotes
                    .iter()
                    .zip(&ids)
                    .filter(|(_, b)| {
                        let i = INSTRUMENTS[**b];
                        i.quote == "USDT" && !i.is_perpetual()
                    })
                    .map(|(q, _)| *q)
            };
            let best_bid = usdt().map(|q| q.0).fold(f64::MIN, f64::max);
            let best_ask = usdt().map(|q| q.1).fold(f64::MAX, f64::min);
            samples += 1;
            if best_bid > best_ask * (1.0 + 1e-4) {
                crossed += 1;
            }
        }
        dispersion.sort_by(f64::total_cmp);
        let (median, p90) = (quantile(&dispersion, 0.5), quantile(&dispersion, 0.9));
        eprintln!(
            "seed {seed}: dispersion median {median:.2} bps, p90 {p90:.2} bps, crossed by >1 bp {crossed}/{samples}"
        );
        // The range of the mids widens with every book in it (13 BTC books with Deribit's).
        assert!(
            median <= 3.5 && p90 <= 5.0,
            "seed {seed}: median {median:.2} bps, p90 {p90:.2} bps"
        );
        assert!(
            crossed * 10 <= samples,
            "seed {seed}: crossed by more than 1 bp in {crossed} of {samples} samples"
        );
    }
}

#[test]
fn btc_perpetuals_see_a_liquidation_within_the_first_minute() {
    let ids = btc_books();
    for seed in 1..=8 {
        let mut model = Model::new(seed, &ids, Duration::from_millis(100));
        let first = (0..600).find_map(|_| {
            let step = model.step();
            step.books
                .iter()
                .zip(&ids)
                .any(|(b, &id)| INSTRUMENTS[id].is_perpetual() && !b.forced.is_empty())
                .then_some(step.t_ms)
        });
        assert!(first.is_some(), "seed {seed}: no BTC liquidation in 60 s");
    }
}

/// The demo's past ends where the live market begins: a model anchored to end at the catalog
/// prices reaches them after its steps (to rounding), whatever its seed walked.
#[test]
fn a_model_ending_at_the_catalog_reaches_its_prices() {
    let books: Vec<BookId> = (0..INSTRUMENTS.len())
        .filter(|&b| INSTRUMENTS[b].venue == VenueId::Binance)
        .collect();
    let steps = 36_000; // an hour of 100-ms steps
    let mut model = Model::ending_at_catalog(11, &books, Duration::from_millis(100), steps);
    let start: Vec<f64> = model.symbols.iter().map(|s| s.fair()).collect();
    let mut fills = vec![BookStep::default(); books.len()];
    model.skip(steps, &mut fills);
    for (i, s) in model.symbols.iter().enumerate() {
        let want = SYMBOLS[i].price;
        if matches!(i, USDT | USDC) {
            continue;
        }
        assert!(
            (s.fair() / want - 1.0).abs() < 1e-9,
            "{}: {} against {want}",
            SYMBOLS[i].name,
            s.fair()
        );
        assert!(
            (start[i] / want - 1.0).abs() > 1e-6,
            "{} started where it ends",
            SYMBOLS[i].name
        );
    }
}

/// A stretch built after a later one ends where that one begins: a model of another seed
/// anchored to end at the later stretch's start prices reaches them after its steps.
#[test]
fn a_model_reaching_given_prices_ends_at_them() {
    let books: Vec<BookId> = (0..INSTRUMENTS.len())
        .filter(|&b| INSTRUMENTS[b].venue == VenueId::Okx)
        .collect();
    let step = Duration::from_millis(100);
    let steps = 18_000;
    let later = Model::catalog_start_prices(11, &books, step, steps);
    let prices = Model::start_prices_reaching(12, &books, step, steps, &later);
    let mut model = Model::starting_at(12, &books, step, &prices);
    let mut fills = vec![BookStep::default(); books.len()];
    model.skip(steps, &mut fills);
    let mut moved = 0;
    for (i, s) in model.symbols.iter().enumerate() {
        if matches!(i, USDT | USDC) {
            continue;
        }
        assert!(
            (s.fair() / later[i] - 1.0).abs() < 1e-9,
            "{}: {} against {}",
            SYMBOLS[i].name,
            s.fair(),
            later[i]
        );
        moved += usize::from((prices[i] / later[i] - 1.0).abs() > 1e-6);
    }
    assert!(moved > 0, "no symbol walked");
}

/// A simulated day has no trend: over a day of 100-ms steps the fair prices of a few seeds end
/// within a plausible daily range of where they started (the cascades' down bias is recovered
/// between them), where the down-biased cascades alone took about two thirds off.
#[test]
fn a_simulated_day_has_no_trend() {
    let books: Vec<BookId> = (0..INSTRUMENTS.len())
        .filter(|&b| INSTRUMENTS[b].venue == VenueId::Binance)
        .collect();
    let mut moves = Vec::new();
    for seed in 1..=6 {
        let mut model = Model::new(seed, &books, Duration::from_millis(100));
        let mut fills = vec![BookStep::default(); books.len()];
        model.skip(864_000, &mut fills);
        for (i, s) in model.symbols.iter().enumerate() {
            if !matches!(i, USDT | USDC) {
                moves.push((s.fair() / SYMBOLS[i].price).ln());
            }
        }
    }
    let mean = moves.iter().sum::<f64>() / moves.len() as f64;
    assert!(
        mean.abs() < 0.15,
        "mean daily log move {mean:.3} over {moves:?}"
    );
    assert!(moves.iter().all(|m| m.abs() < 0.5), "{moves:?}");
}

/// §10.6 on the plain tape: over ten minutes the first digits of every print's notional (taker
/// orders walking the book, and the quotes a moving price picks off, most of the count) conform
/// closely to Benford's law (Nigrini's MAD ≤ 0.006) on books of every lot size whose usual
/// taker order is ten lots or more, as real tapes do. (Where the usual order is a few lots,
/// `binance-usdm:SOLUSDT`'s whole SOL, notionals are a few multiples of one lot and no size law
/// makes their digits Benford's.)
#[test]
fn the_tapes_first_digits_follow_benford() {
    use crate::features::detectors::wash::{benford_mad, first_digit};
    let mut ids = books();
    ids.push(find(VenueId::BinanceUsdm, "BTCUSDT").unwrap());
    let mut model = Model::new(9, &ids, Duration::from_millis(100));
    let mut counts = vec![[0u64; 9]; ids.len()];
    for _ in 0..6_000 {
        let step = model.step();
        for ((book, c), &id) in step.books.iter().zip(&mut counts).zip(&ids) {
            let i = &INSTRUMENTS[id];
            for f in &book.fills {
                let notional = f.price as f64 * i.tick_size() * f.qty as f64 * i.base_per_lot();
                c[first_digit(notional).expect("a positive notional") - 1] += 1;
            }
        }
    }
    for (c, &id) in counts.iter().zip(&ids) {
        let i = &INSTRUMENTS[id];
        assert!(i.symbol().trade_size / i.base_per_lot() >= 10.0, "{}", i.id);
        let n: u64 = c.iter().sum();
        let mad = benford_mad(c).unwrap();
        eprintln!("{}:{}: {n} prints, first-digit MAD {mad:.4}", i.venue, i.id);
        assert!(n >= 2_000 && mad <= 0.006, "{}:{} {c:?}", i.venue, i.id);
    }
}

/// A sampled stretch trades what a stepped one does: minutes of 1 s stepped and 59 s skipped
/// (as the demo's past is built) print the notional of the same minutes stepped throughout (same
/// seed, so the same fair price and taker orders): over 20 min of Binance's BTCUSDT for four
/// seeds, within 15 % in all and a factor 1.6 for any one (a minute's picked-off quotes come
/// from one placement of the book, so a seed's 20 minutes are 20 draws of it). The taker orders
/// alone are a thirtieth of it: most of a tape is the quotes a moving price picks off, which a
/// skip emits from the book as last placed.
#[test]
fn a_skipped_minute_trades_what_a_stepped_one_does() {
    let ids = [find(VenueId::Binance, "BTCUSDT").unwrap()];
    let i = &INSTRUMENTS[ids[0]];
    let notional = |fills: &mut dyn Iterator<Item = &event::Fill>| {
        fills
            .map(|f| f.price as f64 * i.tick_size() * f.qty as f64 * i.base_per_lot())
            .sum::<f64>()
    };
    let (mut all_full, mut all_sampled) = (0.0, 0.0);
    for seed in 1..=4 {
        let mut stepped = Model::new(seed, &ids, Duration::from_millis(100));
        let mut sampled = Model::new(seed, &ids, Duration::from_millis(100));
        let (mut full, mut skipped, mut takers) = (0.0, 0.0, 0.0);
        for _ in 0..20 {
            for _ in 0..600 {
                full += notional(&mut stepped.step().books[0].fills.iter());
            }
            for _ in 0..10 {
                skipped += notional(&mut sampled.step().books[0].fills.iter());
            }
            let mut out = vec![BookStep::default()];
            sampled.skip(590, &mut out);
            skipped += notional(&mut out[0].fills.iter());
            // The picked-off quotes are stamped a millisecond into their step.
            takers += notional(&mut out[0].fills.iter().filter(|f| f.t_ms % 100 != 1));
        }
        eprintln!(
            "seed {seed}: stepped ${full:.0}, sampled ${skipped:.0}, its takers ${takers:.0}"
        );
        assert!((0.6..=1.6).contains(&(skipped / full)), "seed {seed}");
        assert!(takers < 0.1 * full, "seed {seed}: {takers} vs {full}");
        (all_full, all_sampled) = (all_full + full, all_sampled + skipped);
    }
    assert!(
        (0.85..=1.15).contains(&(all_sampled / all_full)),
        "{all_sampled} vs {all_full}"
    );
}

/// A skipped stretch trades like a stepped one. Two hours of one seed's BTC spot and swap books,
/// sampled as the demo's past samples them (each minute a second stepped, the rest skipped),
/// trade about the volume, prints and large prints and take the liquidations of the same market
/// stepped throughout (its price path is the same: the symbols draw from streams of their own).
/// Without the pick-offs (most of a stepped book's volume) a skipped minute traded a twentieth
/// of it, and without the forced orders it had no liquidations: the past's flow baselines and
/// cascade stress were another market's than the live demo's. A minute's pick-offs come from
/// one placement of the book, so the bounds are half again, not equal.
#[test]
fn a_skipped_minute_trades_like_a_stepped_one() {
    let books = [
        find(VenueId::Binance, "BTCUSDT").unwrap(),
        find(VenueId::Okx, "BTC-USDT-SWAP").unwrap(),
    ];
    let minutes = 120;
    // Per book: base volume, prints, liquidations, large prints (≥ 40 typical trades).
    let tally = |totals: &mut [[f64; 4]; 2], step: &[BookStep]| {
        for (n, (b, s)) in books.iter().zip(step).enumerate() {
            let lot = INSTRUMENTS[*b].base_per_lot();
            let large = 40.0 * INSTRUMENTS[*b].symbol().trade_size;
            for f in &s.fills {
                let size = f.qty as f64 * lot;
                totals[n][0] += size;
                totals[n][1] += 1.0;
                totals[n][3] += f64::from(u8::from(size >= large));
            }
            totals[n][2] += s.forced.len() as f64;
        }
    };
    let mut stepped_totals = [[0.0; 4]; 2];
    let mut stepped = Model::new(7, &books, Duration::from_millis(100));
    for _ in 0..minutes * 600 {
        let step = stepped.step();
        tally(&mut stepped_totals, &step.books);
    }
    let mut sampled_totals = [[0.0; 4]; 2];
    let mut sampled = Model::new(7, &books, Duration::from_millis(100));
    for _ in 0..minutes {
        for _ in 0..10 {
            let step = sampled.step();
            tally(&mut sampled_totals, &step.books);
        }
        let mut skipped = vec![BookStep::default(); books.len()];
        sampled.skip(590, &mut skipped);
        tally(&mut sampled_totals, &skipped);
    }
    for n in 0..books.len() {
        // Large prints are not held to it: the quotes picked off the book as last placed make
        // about two thirds of the stepped book's large prints on Binance's spot book (seed 7:
        // × 0.63), which is what keeps the past's whale conviction apart from the live one's
        // (see `the_pasts_flow_reads_are_distributed_like_the_live_ones`).
        for (k, what) in [(0, "volume"), (1, "prints")] {
            let ratio = sampled_totals[n][k] / stepped_totals[n][k];
            assert!(
                (0.67..1.5).contains(&ratio),
                "book {n}: {what} × {ratio}: {sampled_totals:?} against {stepped_totals:?}"
            );
        }
    }
    assert!(stepped_totals[1][2] > 100.0, "{stepped_totals:?}");
    let liquidations = sampled_totals[1][2] / stepped_totals[1][2];
    assert!(
        (0.8..1.25).contains(&liquidations),
        "liquidations × {liquidations}"
    );
}
