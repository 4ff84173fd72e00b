//! Composites through the engine against the spec's worked values (§4.1, §10.8).

use super::*;

#[test]
fn directional_pressure_through_the_engine() {
    // §4.1: ofi_norm 1/6 (§1.3's sequence), DI(25 bps) 1/7 and large direction 7/13 (§1.9's
    // trades) give 0.2710622711. Prices are §1.3's shifted to 10,000 so 25 bps of mid holds the
    // touch, and a resting 2-unit ask at 10,010 makes the band imbalance (8 − 6)/14. Trade sizes
    // are §1.9's × 10 at 10,000, so the $100k BTC floor separates large from small as its
    // 1-unit threshold did.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let mut s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(
        &mut e,
        s.live(0, &[(10_000.0, 5.0)], &[(10_001.0, 5.0), (10_010.0, 2.0)]),
    );
    for (t, size, taker) in [
        (10, 5.0, TakerSide::Buy),
        (20, 20.0, TakerSide::Buy),
        (30, 15.0, TakerSide::Sell),
        (40, 2.0, TakerSide::Sell),
        (50, 30.0, TakerSide::Buy),
        (60, 3.0, TakerSide::Sell),
    ] {
        feed(&mut e, [s.trade(secs(t), 10_000.0, size, taker)]);
    }
    let steps: [&[(Side, f64, f64)]; 5] = [
        &[(Side::Bid, 10_000.0, 8.0)],
        &[(Side::Ask, 10_001.0, 2.0)],
        &[(Side::Bid, 10_000.0, 0.0), (Side::Bid, 10_000.5, 1.0)],
        &[(Side::Ask, 10_001.0, 0.0), (Side::Ask, 10_000.8, 4.0)],
        &[(Side::Bid, 10_000.5, 0.0), (Side::Bid, 10_000.0, 8.0)],
    ];
    for (i, changes) in steps.iter().enumerate() {
        feed(&mut e, [s.delta(secs(141 + i as i64), changes)]);
    }
    let f = e.tick(at(secs(150)));
    let b = book(&f, &s.key);
    let feat = b.features.as_ref().unwrap();
    assert_some_close(feat.ofi_norm_60s, 0.1666666667);
    assert_some_close(feat.depth_imbalance_25bps, 1.0 / 7.0);
    assert_some_close(feat.large_order_direction, 0.5384615385);
    assert_eq!(b.flow.large_trade_count_5m, Some(3.0));
    assert_some_close(b.flow.large_trade_threshold_usd, 100_000.0);
    assert_some_close(feat.directional_pressure, 0.2710622711);
    // One fresh venue: the symbol's composite is that venue's.
    let c = &f.symbols[0].composites;
    assert_some_close(c.directional_pressure, 0.2710622711);
    assert_eq!(c.venues_used, [VenueId::Okx]);
    assert_frame_finite(&f);
}

/// Four USDT spot venues: `(venue, bid, ask)`.
const VENUES: [(VenueId, f64, f64); 4] = [
    (VenueId::Binance, 99.99, 100.01),
    (VenueId::BybitSpot, 100.01, 100.03),
    (VenueId::Okx, 99.98, 100.00),
    (VenueId::Kraken, 100.14, 100.16),
];

#[test]
fn dislocation_through_the_engine() {
    // §10.8: others at 100.00, 100.02 and 99.99 (median 100.00); a mid of 100.15 with a 1 bp
    // half-spread is 15 bps away against a 10 bps threshold: score 0.5, held over 2 s.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let scripts: Vec<Script> = VENUES
        .iter()
        .map(|(v, _, _)| Script::new(*v, "BTC-USDT"))
        .collect();
    let quote = |e: &mut Engine, ms: Millis, kraken_mid: f64| {
        for (s, (venue, bid, ask)) in scripts.iter().zip(VENUES) {
            let (bid, ask) = if venue == VenueId::Kraken {
                (kraken_mid - 0.01, kraken_mid + 0.01)
            } else {
                (bid, ask)
            };
            feed(e, [s.snapshot(ms, &[(bid, 1.0)], &[(ask, 1.0)])]);
        }
    };
    for s in &scripts {
        feed(&mut e, [s.spot(), s.status(0, BookState::Live, 0)]);
    }
    quote(&mut e, 0, 100.15);
    let f = e.tick(at(1_000));
    // Not held for 2 s yet.
    assert_eq!(f.symbols[0].composites.dislocation_score, None);
    e.tick(at(2_000));
    let f = e.tick(at(3_000));
    let c = &f.symbols[0].composites;
    assert_some_close(c.dislocation_score, 0.5);
    assert_some_close(c.dislocation_bps, 15.0);
    assert_eq!(c.dislocated.as_ref(), Some(&scripts[3].key));
    // Equal sizes everywhere: every venue's pressure is 0, and agreement of zeros is undefined.
    assert_eq!(c.cross_exchange_agreement, None);
    assert_eq!(c.venues_used.len(), 4);
    // 100.30 scores 1, once the 0.5 has left the 2 s hold.
    quote(&mut e, 3_500, 100.30);
    for t in [4_000, 5_000] {
        e.tick(at(t));
    }
    let f = e.tick(at(6_100));
    assert_eq!(f.symbols[0].composites.dislocation_score, Some(1.0));
    // Venues going stale leave the comparison (their 3.5 s update interval makes that 70 s).
    let f = e.tick(at(73_600));
    assert_eq!(f.symbols[0].composites.dislocation_score, None);
    assert!(f.symbols[0].composites.venues_used.is_empty());
}

#[test]
fn dislocation_compares_like_with_like() {
    // The same four mids, but one venue quotes USD: without a stablecoin rate it is not
    // compared (§0.4), which leaves every venue short of three others.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    for (i, (venue, bid, ask)) in VENUES.into_iter().enumerate() {
        let s = Script::new(venue, "BTC-X");
        let quote = if i == 0 { "USD" } else { "USDT" };
        feed(
            &mut e,
            [s.instrument("BTC", quote, MarketKind::Spot, Contract::Base)],
        );
        feed(&mut e, s.live(0, &[(bid, 1.0)], &[(ask, 1.0)]));
    }
    for t in [1_000, 2_000, 3_000] {
        let f = e.tick(at(t));
        assert_eq!(f.symbols[0].composites.dislocation_score, None);
    }
}

/// A Kraken `USDT/USD` book quoting `bid`/`ask` from `ms`: the rate book.
fn rate_book(e: &mut Engine, ms: Millis, bid: f64, ask: f64) -> Script {
    pair_book(e, VenueId::Kraken, ("USDT", "USD"), ms, (bid, ask))
}

/// A `base`/`quote` spot book on `venue` quoting `bid`/`ask` from `ms` (a stablecoin rate).
fn pair_book(
    e: &mut Engine,
    venue: VenueId,
    (base, quote): (&str, &str),
    ms: Millis,
    (bid, ask): (f64, f64),
) -> Script {
    let s = Script::new(venue, &format!("{base}/{quote}"));
    feed(
        e,
        [s.instrument(base, quote, MarketKind::Spot, Contract::Base)],
    );
    feed(e, s.live(ms, &[(bid, 1e6)], &[(ask, 1e6)]));
    s
}

/// Binance quotes `quote` (USD or USDC) at 100.04/100.06 (mid 100.05); Bybit, OKX and Kraken
/// quote USDT around 100.00. Returns the Binance script.
fn beside_usdt(e: &mut Engine, quote: &str) -> Script {
    let books = [
        (VenueId::Binance, quote, 100.04, 100.06),
        (VenueId::BybitSpot, "USDT", 100.01, 100.03),
        (VenueId::Okx, "USDT", 99.98, 100.00),
        (VenueId::Kraken, "USDT", 99.99, 100.01),
    ];
    for (venue, quote, bid, ask) in books {
        let s = Script::new(venue, &format!("BTC-{quote}"));
        feed(
            e,
            [s.instrument("BTC", quote, MarketKind::Spot, Contract::Base)],
        );
        feed(e, s.live(0, &[(bid, 1.0)], &[(ask, 1.0)]));
    }
    Script::new(VenueId::Binance, &format!("BTC-{quote}"))
}

#[test]
fn dislocation_converts_usd_through_the_usdt_rate() {
    // §0.4 and §10.8: at 0.999 USD per USDT, Binance's 100.05 USD is 100.05 / 0.999 =
    // 100.1501502 USDT, 15.015015 bps over the others' median of 100.00 USDT; its 1 bp
    // half-spread keeps the 10 bps floor, so the score is (15.015015 − 10) / 10 = 0.5015015.
    // Taken as equal money it would be 5 bps and score 0; kept apart, nobody has 3 others.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let binance = beside_usdt(&mut e, "USD");
    rate_book(&mut e, 0, 0.9989, 0.9991);
    for t in [1_000, 2_000] {
        e.tick(at(t));
    }
    let f = e.tick(at(3_000));
    let btc = &f.symbols[0];
    let c = &btc.composites;
    assert_some_close(c.dislocation_bps, 15.015015015);
    assert_some_close(c.dislocation_score, 0.5015015015);
    assert_eq!(c.dislocated.as_ref(), Some(&binance.key));
    // The reference mid is in USDT, the currency of three of the four books: the median of
    // 100.1501502, 100.02, 99.99 and 100.00 is 100.01.
    assert_eq!(c.quote.as_deref(), Some("USDT"));
    assert_some_close(btc.history.mid.last().copied().flatten(), 100.01);
    let [rate] = c.quote_rates.as_slice() else {
        panic!("one rate used, named: {:?}", c.quote_rates);
    };
    assert_eq!((rate.pair, rate.venue), ("USDT/USD", VenueId::Kraken));
    assert_some_close(Some(rate.rate), 0.999);
    assert!(c.quotes_apart.is_empty());
    // The rate book is a symbol of its own, not one of BTC's venues.
    assert!(f.symbols.iter().any(|s| s.symbol == "USDT"));
    assert_frame_finite(&f);
}

#[test]
fn a_rate_that_is_not_live_or_not_plausible_is_no_rate() {
    // §0.2: a resyncing rate book gives no rate, so USD is kept apart again; so is a mid of 5
    // USD per USDT, which no working book quotes.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    beside_usdt(&mut e, "USD");
    let rate = rate_book(&mut e, 0, 0.9989, 0.9991);
    e.tick(at(1_000));
    let resync = BookState::Resyncing(crate::integrity::ResyncReason::Crossed);
    feed(&mut e, [rate.status(1_500, resync, 1)]);
    for t in [2_000, 3_000, 4_000] {
        let f = e.tick(at(t));
        let c = &f.symbols[0].composites;
        assert!(c.quote_rates.is_empty());
        assert_eq!(c.quotes_apart, ["USD"]);
        assert_eq!(c.dislocation_score, None);
        // Without the USD book the reference mid is the USDT books' median: 100.00.
        assert_some_close(f.symbols[0].history.mid.last().copied().flatten(), 100.0);
    }
    feed(&mut e, rate.live(4_500, &[(4.99, 1.0)], &[(5.01, 1.0)]));
    let f = e.tick(at(5_000));
    assert!(f.symbols[0].composites.quote_rates.is_empty());
    assert_eq!(f.symbols[0].composites.quotes_apart, ["USD"]);
}

#[test]
fn with_equal_counts_the_first_book_sets_the_currency() {
    // One USD book at 100.05 and one USDT book at 100.00; at 0.999 the USDT book is 99.9 USD,
    // so the reference mid is (100.05 + 99.9) / 2 = 99.975 USD.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    for (venue, quote, bid, ask) in [
        (VenueId::Binance, "USD", 100.04, 100.06),
        (VenueId::Okx, "USDT", 99.99, 100.01),
    ] {
        let s = Script::new(venue, &format!("BTC-{quote}"));
        feed(
            &mut e,
            [s.instrument("BTC", quote, MarketKind::Spot, Contract::Base)],
        );
        feed(&mut e, s.live(0, &[(bid, 1.0)], &[(ask, 1.0)]));
    }
    rate_book(&mut e, 0, 0.9989, 0.9991);
    let f = e.tick(at(1_000));
    assert_eq!(f.symbols[0].composites.quote.as_deref(), Some("USD"));
    assert_some_close(f.symbols[0].history.mid.last().copied().flatten(), 99.975);
}

#[test]
fn a_usdc_book_converts_through_usdc_usd_and_usdt_usd() {
    // §0.4 and §10.8: USDC at 1.0000 USD and USDT at 0.999 USD make a USDC worth
    // 1 / 0.999 = 1.001001 USDT, so Binance's 100.05 USDC is 100.1501502 USDT, 15.015015 bps
    // over the others' median of 100.00; the score is (15.015015 − 10) / 10 = 0.5015015.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let binance = beside_usdt(&mut e, "USDC");
    pair_book(
        &mut e,
        VenueId::Kraken,
        ("USDC", "USD"),
        0,
        (0.9999, 1.0001),
    );
    let usdt = rate_book(&mut e, 0, 0.9989, 0.9991);
    for t in [1_000, 2_000] {
        e.tick(at(t));
    }
    let f = e.tick(at(3_000));
    let c = &f.symbols[0].composites;
    assert_some_close(c.dislocation_bps, 15.015015015);
    assert_some_close(c.dislocation_score, 0.5015015015);
    assert_eq!(c.dislocated.as_ref(), Some(&binance.key));
    assert!(c.venues_used.contains(&VenueId::Binance));
    // Both rates are named, in the order the conversion used them; nothing is left apart. The
    // median of 100.1501502, 100.02, 99.99 and 100.00 is 100.01.
    let pairs: Vec<&str> = c.quote_rates.iter().map(|r| r.pair).collect();
    assert_eq!(pairs, ["USDC/USD", "USDT/USD"]);
    assert!(c.quotes_apart.is_empty());
    assert_some_close(f.symbols[0].history.mid.last().copied().flatten(), 100.01);
    assert_frame_finite(&f);
    // Without a fresh USDT/USD, USDC has no way to USDT: it is kept apart, not taken as equal.
    let resync = BookState::Resyncing(crate::integrity::ResyncReason::Crossed);
    feed(&mut e, [usdt.status(3_500, resync, 1)]);
    let f = e.tick(at(4_000));
    let c = &f.symbols[0].composites;
    assert_eq!(c.quotes_apart, ["USDC"]);
    assert!(c.quote_rates.is_empty());
    assert_some_close(f.symbols[0].history.mid.last().copied().flatten(), 100.0);
}

#[test]
fn a_usdc_usdt_book_converts_usdc_directly() {
    // Binance `USDCUSDT` at 0.998 USDT per USDC: 100.05 USDC is 99.8499 USDT, 15.01 bps under
    // the others' median of 100.00, score (15.01 − 10) / 10 = 0.501.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    beside_usdt(&mut e, "USDC");
    pair_book(
        &mut e,
        VenueId::Binance,
        ("USDC", "USDT"),
        0,
        (0.9979, 0.9981),
    );
    for t in [1_000, 2_000] {
        e.tick(at(t));
    }
    let f = e.tick(at(3_000));
    let c = &f.symbols[0].composites;
    assert_some_close(c.dislocation_bps, -15.01);
    assert_some_close(c.dislocation_score, 0.501);
    let [rate] = c.quote_rates.as_slice() else {
        panic!("one rate used: {:?}", c.quote_rates);
    };
    assert_eq!((rate.pair, rate.venue), ("USDC/USDT", VenueId::Binance));
    assert!(c.quotes_apart.is_empty());
}

#[test]
fn whale_agreement_compares_spot_and_perpetual_large_flow() {
    // `whale_agreement` (docs/metrics.md): large by the $100k BTC floor at 10,000. Spot's large
    // takers buy 300k and sell 100k (lean +0.5; the 10k sell is not large), the perpetual's buy
    // 200k and sell 300k (lean −0.2): |0.5 − 0.2| / (0.5 + 0.2) = 3/7.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let mut spot = Script::new(VenueId::Binance, "BTCUSDT");
    let mut perp = Script::new(VenueId::BinanceUsdm, "BTCUSDT");
    feed(
        &mut e,
        [
            spot.spot(),
            perp.instrument("BTC", "USDT", MarketKind::Perpetual, Contract::Base),
        ],
    );
    for s in [&spot, &perp] {
        feed(&mut e, s.live(0, &[(9_999.0, 5.0)], &[(10_001.0, 5.0)]));
    }
    for (t, size, taker) in [
        (10, 30.0, TakerSide::Buy),
        (20, 10.0, TakerSide::Sell),
        (30, 1.0, TakerSide::Sell),
    ] {
        feed(&mut e, [spot.trade(secs(t), 10_000.0, size, taker)]);
    }
    for (t, size, taker) in [(15, 20.0, TakerSide::Buy), (25, 30.0, TakerSide::Sell)] {
        feed(&mut e, [perp.trade(secs(t), 10_000.0, size, taker)]);
    }
    // The 5-min large-trade windows are not half covered yet: warming, no value.
    let warming = e.tick(at(secs(60)));
    assert_eq!(
        warming.symbols[0].composites.spot_perp.whale_agreement,
        None
    );
    for s in [&spot, &perp] {
        feed(&mut e, [s.delta(secs(149), &[(Side::Bid, 9_999.0, 6.0)])]);
    }
    let f = e.tick(at(secs(150)));
    assert_some_close(book(&f, &spot.key).flow.large_buy_share, 0.75);
    assert_some_close(f.symbols[0].composites.spot_perp.whale_agreement, 3.0 / 7.0);
    assert_frame_finite(&f);
}
