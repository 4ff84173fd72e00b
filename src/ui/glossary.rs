//! The glossary page of the help overlay: every read on screen with what it is, its unit and
//! its window, in a line or two. The full definitions are the metric documentation; this is
//! what a trader needs to read the screen.
//!
//! Panes that add a read add its entry here (a test checks the overview's columns are all
//! explained).

/// `(term as shown, what it is: unit, window)`.
pub const ENTRIES: &[(&str, &str)] = &[
    // Overview columns.
    (
        "MID",
        "(best bid + best ask) / 2, at the instrument's price precision; in CCY",
    ),
    (
        "CCY",
        "quote currency of prices and notionals; $ means USD or a USD stablecoin (USDT, USDC); other currencies are named, never shown as $",
    ),
    (
        "SPR bps",
        "best ask - best bid, in basis points of mid (1 bp = 0.01%); now",
    ),
    (
        "IMB10",
        "depth imbalance of the top 10 levels, (bid - ask) / (bid + ask): -1 to +1, + = more bids; now",
    ),
    (
        "OFI60",
        "order-flow imbalance of the book over 60 s, scaled to -1 to +1; + = buy pressure",
    ),
    (
        "STRESS",
        "liquidation cascade stress, 0 to 1 (acceleration, clustering, one-sidedness, thin book); last 5 min",
    ),
    (
        "FUNDING",
        "latest perp funding rate per funding interval (often 8 h), %; + = longs pay shorts; ~ = stale",
    ),
    (
        "OI",
        "open interest, notional in CCY; polled, drawn in the stale style when old",
    ),
    (
        "LIQ/m",
        "liquidated notional per minute in CCY (money, not a count); last 1 min",
    ),
    (
        "CVD1m",
        "cumulative volume delta: taker buy - taker sell notional in CCY, last 1 min; + = net buying",
    ),
    (
        "MID 24h",
        "mid over the last 24 h, one cell per 1 h (per 2 h when narrow), oldest left; each row on its own scale; blank = no data; from the history file's 1-min rows and the minutes since start",
    ),
    (
        "CVD 24h",
        "cumulative volume delta over the last 24 h: running total of taker buy - taker sell notional in CCY, one cell per 1 h (2 h narrow); colour = sign of the total",
    ),
    (
        "REGIME",
        "the symbol's market regime (CALM, BULL, BEAR, BREAKOUT = the up-move counterpart of CRASH, CRASH) from a 5-state filter on 5-min returns and volatility; updated each minute; sorts calm to crash",
    ),
    (
        "INTEG",
        "integrity score of the book, 0 to 100: 100 = no manipulation footprint; each detector's score takes its share off (Analytics view)",
    ),
    (
        "ZONE bps",
        "distance from mid to the nearest support (S) or resistance (R) zone, in bps of mid; greyed while the zones are paused",
    ),
    (
        "STATE",
        "book integrity: LIVE (proven, real market now), SIM (simulator), REPLAY, ENDED (feed over), STALE, SYNC, RESYNC, DOWN",
    ),
    ("AGE", "time since the book's last update, local clock"),
    (
        "snapshot",
        "Health CKSUM of a venue whose every book message is the whole book (Hyperliquid): no sequence or checksum to verify; a copy or an older push is dropped as stale, freshness is the exchange time (EXCH)",
    ),
    (
        "EXCH",
        "local now - the exchange's timestamp of the last update (feed delay + clock skew)",
    ),
    (
        "RSY",
        "resyncs of the book since start (integrity failures, each recovered from a snapshot)",
    ),
    // Ladder.
    (
        "SIZE",
        "resting size at the row's price (bucket when grouped), base units; + = lower bound",
    ),
    (
        "CUM",
        "size from the best price out to this row, base units",
    ),
    (
        "TRADED",
        "taker volume traded in the row's prices, base units, last 60 s; arrow = side that dominated",
    ),
    (
        "TOP SRC",
        "aggregate: the venue holding most of the row's size, and its share",
    ),
    (
        "spread / mid",
        "spread in price and bps; mid at the instrument's precision",
    ),
    // Imbalance and composites.
    ("depth imb 10", "as IMB10, for the book shown"),
    (
        "depth 25bps",
        "depth imbalance of all levels within 25 bps of mid, -1 to +1",
    ),
    (
        "book press 10",
        "bid size / ask size of the top 10 levels (1 = balanced)",
    ),
    (
        "dir pressure",
        "directional pressure across live, fresh venues: book and flow leaning, -1 to +1",
    ),
    (
        "liquidity risk",
        "0 to 1 against the last 24 h: spread, depth, slippage and spread volatility; high = thin",
    ),
    (
        "flow momentum",
        "trade-flow momentum across venues, -1 to +1; + = buying accelerating",
    ),
    (
        "whale convict.",
        "size and one-sidedness of large trades across venues, 0 to 1 with direction",
    ),
    (
        "venue agreement",
        "how much venues agree on direction, 0 to 1",
    ),
    (
        "dislocation bps",
        "largest mid gap between fresh, time-aligned venues, bps (same quote currency only)",
    ),
    // Flow, liquidations, bands.
    (
        "CVD 1m / 5m",
        "flow chart: taker buy - sell volume over 1 and 5 min, base units, last 2 min of ticks",
    ),
    ("NOTIONAL", "price x size of one print, in the book's CCY"),
    (
        "rate n/min",
        "liquidations per minute (a count); long/short 5m = liquidated notional by side",
    ),
    (
        "BID/ASK qty",
        "resting depth within the band of mid, base units; >= = lower bound",
    ),
    ("BID/ASK ntl", "the same depth as notional in CCY"),
    (
        "beyond known depth",
        "wider bands reach past the book the venue sends: only lower bounds",
    ),
    (
        "slip",
        "slippage in bps of mid to fill that notional at market (sell / buy); >book = not enough depth",
    ),
    (
        "10bp / 25bp ntl",
        "aggregate: both sides' notional within 10 / 25 bps of mid",
    ),
    // Analytics view (6).
    (
        "S / R (ladder)",
        "the row's prices are inside a support (S) or resistance (R) zone",
    ),
    (
        "zone",
        "a price band where resting depth has stood out (at least 3 MADs over the median bucket and $50k) long enough: strength 0 to 100%, halving in 5.7 min once the wall is gone; support below mid, resistance above; a breach flips the role",
    ),
    (
        "touch bounce breach",
        "times the mid entered the zone, left it on the side it came from, and crossed it (T B X when narrow)",
    ),
    (
        "axis bps/row",
        "each row of the zones axis is that many bps of mid; a crowded zone moves one row out, its own prices and distance stay exact",
    ),
    (
        "range shrunk to",
        "the books do not reach ±2 % of mid: zones are looked for only as far as they go",
    ),
    (
        "entropy",
        "how spread the regime probabilities are, 0 (certain) to 1 (all five equal)",
    ),
    (
        "5m move sd / vol 15m/24h",
        "the regime's inputs: the 5-min return in standard deviations of 5-min returns over 24 h, and the 15-min volatility as a multiple of the 24-h one",
    ),
    (
        "PSI / KS",
        "drift of a feature's last hour against its previous 24 h: population stability index (< 0.1 stable, > 0.25 drifted, !) and the largest gap between the two distributions, 0 to 1",
    ),
    (
        "drift score",
        "mean over features of PSI / 0.25, capped at 1; alarms = Page-Hinkley or ADWIN change points of the last hour",
    ),
    (
        "consensus",
        "models: confidence-weighted mean signal, -1 to +1; agreement 0 to 100% (same direction); dispersion = weighted std of the signals",
    ),
    (
        "arbitrage net bps",
        "edge of the first unit after both taker fees: buy at one venue's ask, sell at another's bid; size = what trades while the edge stays positive, PnL net of fees; transfers and latency not counted",
    ),
    (
        "integrity",
        "per book, 100 x product of (1 - weight x score) over the eight detectors; most off = the detectors that took the most",
    ),
    (
        "detectors",
        "footprint scores 0 to 1 (! = 0.5 or more, fired): phantom (large orders cancelled fast), layering, stuffing (update bursts), ignition (burst then retrace), pump, wash (first-digit test, slow), stop-hunt, dislocation (mid apart from other venues). Public L2 has no order or account ids: a score is not an accusation",
    ),
    (
        "lead-lag",
        "which book's order flow leads, by how many seconds, the correlation at that lag, and LLR for the leader shown (> 1 supports it); from 1-s bins over 10 min",
    ),
    (
        "L/S",
        "venue-reported long/short ratio: accounts, top accounts or top positions (never mixed); ~ = stale; consensus per kind across venues",
    ),
    (
        "large / small buy",
        "taker buy share of trades at or above / below the large-trade threshold, from the tape",
    ),
];

/// `term`'s entry, if it has one.
pub fn entry(term: &str) -> Option<&'static str> {
    ENTRIES.iter().find(|(t, _)| *t == term).map(|(_, d)| *d)
}
