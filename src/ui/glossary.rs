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
];

/// `term`'s entry, if it has one.
pub fn entry(term: &str) -> Option<&'static str> {
    ENTRIES.iter().find(|(t, _)| *t == term).map(|(_, d)| *d)
}
