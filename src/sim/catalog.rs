//! What the simulator lists: three symbols (BTC, ETH, SOL) on every implemented venue, with
//! each venue's real instrument ids, tick and lot sizes, contract values and number forms, and
//! Kraken's `USDT/USD` and `USDC/USD` and Coinbase's `USDT-USD`, the stablecoin rates USD, USDT
//! and USDC books are compared through.
//!
//! The table is the one place that knows how a venue writes an instrument, so the market model
//! (which thinks in ticks and lots), the REST instrument lists (which the catalog loads) and the
//! wire encoders (which render prices and sizes) all agree by construction.

use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::num::Dec;

/// A simulated asset: its starting price and the scale of its order flow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Symbol {
    pub name: &'static str,
    /// Starting fair price in USD.
    pub price: f64,
    /// Annualised volatility of the fair price in calm markets.
    pub vol_annual: f64,
    /// Typical resting limit order, base units.
    pub order_size: f64,
    /// Typical taker order, base units.
    pub trade_size: f64,
    /// Open interest of one perpetual venue at the start, base units.
    pub open_interest: f64,
}

/// The index in [`SYMBOLS`] of USDT, whose price is the model's USDT/USD rate rather than a
/// random walk of its own.
pub const USDT: usize = 3;
/// The index in [`SYMBOLS`] of USDC, priced by the model's USDC/USD rate.
pub const USDC: usize = 4;

pub const SYMBOLS: [Symbol; 5] = [
    Symbol {
        name: "BTC",
        price: 97_250.0,
        vol_annual: 0.55,
        order_size: 0.05,
        trade_size: 0.01,
        open_interest: 82_000.0,
    },
    Symbol {
        name: "ETH",
        price: 3_480.0,
        vol_annual: 0.75,
        order_size: 1.2,
        trade_size: 0.25,
        open_interest: 1_900_000.0,
    },
    Symbol {
        name: "SOL",
        price: 182.0,
        vol_annual: 0.9,
        order_size: 25.0,
        trade_size: 5.0,
        open_interest: 9_500_000.0,
    },
    Symbol {
        name: "USDT",
        price: 1.0,
        vol_annual: 0.0,
        order_size: 25_000.0,
        trade_size: 5_000.0,
        open_interest: 0.0,
    },
    Symbol {
        name: "USDC",
        price: 1.0,
        vol_annual: 0.0,
        order_size: 25_000.0,
        trade_size: 5_000.0,
        open_interest: 0.0,
    },
];

/// How a venue writes the numbers of its book levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberForm {
    /// At the tick's and lot's own decimals (`"97000.10"`, `"0.001"`): Bybit, Binance USDⓈ-M.
    Step,
    /// At a fixed number of decimals (`"97000.01000000"`): Binance spot writes eight.
    Fixed(u8),
    /// Trailing zeros dropped (`"97000"`, `"97000.5"`): OKX, whose checksum is over these
    /// strings, and Kraken's JSON numbers (whose checksum re-pads them to the pair's precision).
    Trimmed,
}

/// One simulated instrument.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimInstrument {
    pub venue: VenueId,
    /// The venue's own id.
    pub id: &'static str,
    /// Index into [`SYMBOLS`].
    pub symbol: usize,
    pub kind: MarketKind,
    pub quote: &'static str,
    /// Price step, as the venue lists it.
    pub tick: &'static str,
    /// Size step in the venue's size unit (contracts for OKX swaps).
    pub lot: &'static str,
    /// Base units per contract (OKX `ctVal`); 1 where sizes are already base units. On an
    /// inverse contract, the base units of one model lot (its wire sizes are USD, [`Self::lot`]
    /// being the USD step).
    pub contract_value: f64,
    pub form: NumberForm,
    /// Sizes are USD amounts (Deribit `BTC-PERPETUAL`): a level's amount is its base size
    /// times its price, in whole USD steps.
    pub inverse: bool,
}

impl SimInstrument {
    pub fn symbol(&self) -> &'static Symbol {
        &SYMBOLS[self.symbol]
    }

    pub fn tick_dec(&self) -> Dec {
        parse_step(self.tick)
    }

    pub fn lot_dec(&self) -> Dec {
        parse_step(self.lot)
    }

    pub fn tick_size(&self) -> f64 {
        self.tick_dec().to_f64()
    }

    /// Base units per lot: what the model's integer sizes mean.
    pub fn base_per_lot(&self) -> f64 {
        if self.inverse {
            return self.contract_value;
        }
        self.lot_dec().to_f64() * self.contract_value
    }

    /// [`Self::base_per_lot`] as an exact decimal (the size step of a book whose sizes are
    /// given in base units), `None` if it does not fit one.
    pub fn base_lot_dec(&self) -> Option<Dec> {
        let value = Dec::parse(&self.contract_value.to_string()).ok()?;
        if self.inverse {
            return Some(value);
        }
        let lot = self.lot_dec();
        let mant = lot.mantissa().checked_mul(value.mantissa())?;
        Dec::from_parts(mant, lot.scale().checked_add(value.scale())?)
    }

    pub fn is_perpetual(&self) -> bool {
        self.kind == MarketKind::Perpetual
    }

    /// A price of `ticks` ticks, written as the venue keeps it in its book.
    pub fn price(&self, ticks: i64) -> Dec {
        self.render(self.tick_dec(), ticks)
    }

    /// A size of `lots` lots, written as the venue keeps it in its book.
    pub fn size(&self, lots: u64) -> Dec {
        self.render(self.lot_dec(), i64::try_from(lots).unwrap_or(i64::MAX))
    }

    /// The size of `lots` lots at a price of `ticks` ticks as the venue writes it: [`Self::size`],
    /// or on an inverse contract the USD amount in whole USD steps (at least one for a level
    /// that holds anything, so it is never read as a removal).
    pub fn level_size(&self, ticks: i64, lots: u64) -> Dec {
        if !self.inverse {
            return self.size(lots);
        }
        if lots == 0 {
            return Dec::ZERO;
        }
        let usd = lots as f64 * self.contract_value * ticks as f64 * self.tick_size();
        let steps = (usd / self.lot_dec().to_f64()).round().max(1.0);
        self.render(self.lot_dec(), steps as i64)
    }

    fn render(&self, step: Dec, count: i64) -> Dec {
        let exact = Dec::from_parts(step.mantissa().saturating_mul(count), step.scale())
            .unwrap_or(Dec::ZERO);
        match self.form {
            NumberForm::Step => exact,
            NumberForm::Fixed(scale) => exact.with_scale(scale).unwrap_or(exact),
            NumberForm::Trimmed => trimmed(exact),
        }
    }
}

/// `d` without trailing fractional zeros (`97000.50` → `97000.5`, `97000.0` → `97000`).
pub fn trimmed(d: Dec) -> Dec {
    let (mut mant, mut scale) = (d.mantissa(), d.scale());
    while scale > 0 && mant % 10 == 0 {
        mant /= 10;
        scale -= 1;
    }
    Dec::from_parts(mant, scale).unwrap_or(d)
}

/// The steps in the table are literals checked by a test, so a parse failure cannot happen.
fn parse_step(text: &str) -> Dec {
    Dec::parse(text).unwrap_or(Dec::ZERO)
}

const fn spot(
    venue: VenueId,
    id: &'static str,
    symbol: usize,
    quote: &'static str,
    tick: &'static str,
    lot: &'static str,
    form: NumberForm,
) -> SimInstrument {
    SimInstrument {
        venue,
        id,
        symbol,
        kind: MarketKind::Spot,
        quote,
        tick,
        lot,
        contract_value: 1.0,
        form,
        inverse: false,
    }
}

const fn perp(
    venue: VenueId,
    id: &'static str,
    symbol: usize,
    tick: &'static str,
    lot: &'static str,
    contract_value: f64,
    form: NumberForm,
) -> SimInstrument {
    SimInstrument {
        venue,
        id,
        symbol,
        kind: MarketKind::Perpetual,
        quote: "USDT",
        tick,
        lot,
        contract_value,
        form,
        inverse: false,
    }
}

use NumberForm::{Fixed, Step, Trimmed};
use VenueId::{
    Binance, BinanceUsdm, Bitget, BitgetUsdt, BybitLinear, BybitSpot, Coinbase, Deribit, Gate,
    GateUsdt, Hyperliquid, Kraken, KucoinFutures, Okx,
};

/// Every simulated instrument, grouped by venue in display order. Ticks, lots and contract
/// values are the venues' real ones (2026 lists).
pub const INSTRUMENTS: [SimInstrument; 53] = [
    spot(Binance, "BTCUSDT", 0, "USDT", "0.01", "0.00001", Fixed(8)),
    spot(Binance, "ETHUSDT", 1, "USDT", "0.01", "0.0001", Fixed(8)),
    spot(Binance, "SOLUSDT", 2, "USDT", "0.01", "0.001", Fixed(8)),
    perp(BinanceUsdm, "BTCUSDT", 0, "0.10", "0.001", 1.0, Step),
    perp(BinanceUsdm, "ETHUSDT", 1, "0.01", "0.001", 1.0, Step),
    perp(BinanceUsdm, "SOLUSDT", 2, "0.0100", "1", 1.0, Step),
    spot(BybitSpot, "BTCUSDT", 0, "USDT", "0.01", "0.000001", Step),
    spot(BybitSpot, "ETHUSDT", 1, "USDT", "0.01", "0.00001", Step),
    spot(BybitSpot, "SOLUSDT", 2, "USDT", "0.01", "0.001", Step),
    perp(BybitLinear, "BTCUSDT", 0, "0.10", "0.001", 1.0, Step),
    perp(BybitLinear, "ETHUSDT", 1, "0.01", "0.01", 1.0, Step),
    perp(BybitLinear, "SOLUSDT", 2, "0.010", "0.1", 1.0, Step),
    spot(Okx, "BTC-USDT", 0, "USDT", "0.1", "0.00000001", Trimmed),
    spot(Okx, "ETH-USDT", 1, "USDT", "0.01", "0.000001", Trimmed),
    spot(Okx, "SOL-USDT", 2, "USDT", "0.01", "0.000001", Trimmed),
    perp(Okx, "BTC-USDT-SWAP", 0, "0.1", "0.01", 0.01, Trimmed),
    perp(Okx, "ETH-USDT-SWAP", 1, "0.01", "0.01", 0.1, Trimmed),
    perp(Okx, "SOL-USDT-SWAP", 2, "0.01", "0.01", 1.0, Trimmed),
    // Kraken keeps prices at `pair_decimals` and sizes at `lot_decimals` (8): its checksum is
    // over those digits, while the wire carries the shortest JSON number.
    spot(Kraken, "BTC/USD", 0, "USD", "0.1", "0.00000001", Step),
    spot(Kraken, "ETH/USD", 1, "USD", "0.01", "0.00000001", Step),
    spot(Kraken, "SOL/USD", 2, "USD", "0.01", "0.00000001", Step),
    spot(
        Kraken,
        "USDT/USD",
        USDT,
        "USD",
        "0.00001",
        "0.00000001",
        Step,
    ),
    spot(
        Kraken,
        "USDC/USD",
        USDC,
        "USD",
        "0.00001",
        "0.00000001",
        Step,
    ),
    spot(Bitget, "BTCUSDT", 0, "USDT", "0.01", "0.000001", Step),
    spot(Bitget, "ETHUSDT", 1, "USDT", "0.01", "0.0001", Step),
    spot(Bitget, "SOLUSDT", 2, "USDT", "0.01", "0.001", Step),
    perp(BitgetUsdt, "BTCUSDT", 0, "0.1", "0.0001", 1.0, Step),
    perp(BitgetUsdt, "ETHUSDT", 1, "0.01", "0.01", 1.0, Step),
    perp(BitgetUsdt, "SOLUSDT", 2, "0.001", "0.1", 1.0, Step),
    // Coinbase drops trailing zeros (`"65062.5"`, `"0.06"`); its `USDT-USD` is the rate book.
    spot(Coinbase, "BTC-USD", 0, "USD", "0.01", "0.00000001", Trimmed),
    spot(Coinbase, "ETH-USD", 1, "USD", "0.01", "0.00000001", Trimmed),
    spot(Coinbase, "SOL-USD", 2, "USD", "0.01", "0.00000001", Trimmed),
    spot(
        Coinbase, "USDT-USD", USDT, "USD", "0.00001", "0.01", Trimmed,
    ),
    // Hyperliquid perps quote USDC; the tick is the finest its price rule allows at the coin's
    // size decimals (`10^−(6−szDecimals)`), as its instrument list is read.
    SimInstrument {
        quote: "USDC",
        ..perp(Hyperliquid, "BTC", 0, "0.1", "0.00001", 1.0, Trimmed)
    },
    SimInstrument {
        quote: "USDC",
        ..perp(Hyperliquid, "ETH", 1, "0.01", "0.0001", 1.0, Trimmed)
    },
    SimInstrument {
        quote: "USDC",
        ..perp(Hyperliquid, "SOL", 2, "0.0001", "0.01", 1.0, Trimmed)
    },
    // Gate sends trimmed strings (`"77235"`, `"0.0648"`); futures sizes are whole contracts of
    // `quanto_multiplier` base units.
    spot(Gate, "BTC_USDT", 0, "USDT", "0.1", "0.000001", Trimmed),
    spot(Gate, "ETH_USDT", 1, "USDT", "0.01", "0.0001", Trimmed),
    spot(Gate, "SOL_USDT", 2, "USDT", "0.01", "0.001", Trimmed),
    perp(GateUsdt, "BTC_USDT", 0, "0.1", "1", 0.0001, Trimmed),
    perp(GateUsdt, "ETH_USDT", 1, "0.01", "1", 0.01, Trimmed),
    perp(GateUsdt, "SOL_USDT", 2, "0.01", "1", 1.0, Trimmed),
    // Deribit's inverse perpetuals: amounts in USD (10 USD steps on BTC, 1 on ETH), the model's
    // lots 0.0001 BTC and 0.001 ETH; prices in USD. Then its USDC linear perpetuals: amounts in
    // the base coin. JSON numbers. Ticks and minimum amounts are from memory of its
    // `get_instruments` list, not checked against a live response.
    SimInstrument {
        quote: "USD",
        inverse: true,
        ..perp(Deribit, "BTC-PERPETUAL", 0, "0.5", "10", 0.0001, Trimmed)
    },
    SimInstrument {
        quote: "USD",
        inverse: true,
        ..perp(Deribit, "ETH-PERPETUAL", 1, "0.05", "1", 0.001, Trimmed)
    },
    SimInstrument {
        quote: "USDC",
        ..perp(
            Deribit,
            "BTC_USDC-PERPETUAL",
            0,
            "0.5",
            "0.0001",
            1.0,
            Trimmed,
        )
    },
    SimInstrument {
        quote: "USDC",
        ..perp(
            Deribit,
            "ETH_USDC-PERPETUAL",
            1,
            "0.1",
            "0.001",
            1.0,
            Trimmed,
        )
    },
    SimInstrument {
        quote: "USDC",
        ..perp(
            Deribit,
            "SOL_USDC-PERPETUAL",
            2,
            "0.01",
            "0.1",
            1.0,
            Trimmed,
        )
    },
    // KuCoin sends trimmed strings (`"83614"`, `"2749.69"`); futures sizes are whole contracts
    // of `multiplier` base units (`XBTUSDTM` 0.001 BTC).
    spot(
        VenueId::Kucoin,
        "BTC-USDT",
        0,
        "USDT",
        "0.1",
        "0.00000001",
        Trimmed,
    ),
    spot(
        VenueId::Kucoin,
        "ETH-USDT",
        1,
        "USDT",
        "0.01",
        "0.0000001",
        Trimmed,
    ),
    spot(
        VenueId::Kucoin,
        "SOL-USDT",
        2,
        "USDT",
        "0.01",
        "0.0001",
        Trimmed,
    ),
    perp(KucoinFutures, "XBTUSDTM", 0, "0.1", "1", 0.001, Trimmed),
    perp(KucoinFutures, "ETHUSDTM", 1, "0.01", "1", 0.01, Trimmed),
    perp(KucoinFutures, "SOLUSDTM", 2, "0.001", "1", 0.1, Trimmed),
];

/// An index into [`INSTRUMENTS`]: how the model, the market and the sessions name a book.
pub type BookId = usize;

/// The books of `venue`, in table order.
pub fn books_of(venue: VenueId) -> impl Iterator<Item = BookId> {
    (0..INSTRUMENTS.len()).filter(move |&b| INSTRUMENTS[b].venue == venue)
}

/// The book `id` names on `venue`.
pub fn find(venue: VenueId, id: &str) -> Option<BookId> {
    books_of(venue).find(|&b| INSTRUMENTS[b].id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_parses_and_renders_in_the_venues_forms() {
        for i in INSTRUMENTS {
            assert!(i.tick_size() > 0.0 && i.base_per_lot() > 0.0, "{i:?}");
            let step = i.base_lot_dec().expect("a decimal step").to_f64();
            assert!((step / i.base_per_lot() - 1.0).abs() < 1e-12, "{i:?}");
        }
        let find_in = |v, id| INSTRUMENTS[find(v, id).unwrap()];
        let binance = find_in(Binance, "BTCUSDT");
        assert_eq!(binance.price(9_725_001).to_string(), "97250.01000000");
        let usdm = find_in(BinanceUsdm, "BTCUSDT");
        assert_eq!(usdm.price(972_500).to_string(), "97250.00");
        let okx = find_in(Okx, "BTC-USDT");
        assert_eq!(okx.price(972_500).to_string(), "97250");
        assert_eq!(okx.size(150_000_000).to_string(), "1.5");
        let kraken = find_in(Kraken, "BTC/USD");
        assert_eq!(kraken.price(972_500).to_string(), "97250.0");
        assert_eq!(kraken.size(1).to_string(), "0.00000001");
        let swap = find_in(Okx, "ETH-USDT-SWAP");
        assert!((swap.base_per_lot() - 0.001).abs() < 1e-15);
        // Deribit's inverse amounts are USD: 500 lots of 0.0001 BTC at 97 250 is 4 862.5 USD,
        // written in 10-USD steps; one lot still shows one step, and none is a removal.
        let inverse = find_in(Deribit, "BTC-PERPETUAL");
        assert_eq!(inverse.level_size(194_500, 500).to_string(), "4860");
        assert_eq!(inverse.level_size(194_500, 1).to_string(), "10");
        assert!(inverse.level_size(194_500, 0).is_zero());
        assert!((inverse.base_per_lot() - 0.0001).abs() < 1e-15);
        assert_eq!(binance.level_size(9_725_001, 3), binance.size(3));
    }

    #[test]
    fn every_venue_lists_each_symbol_once_per_market() {
        for venue in crate::venue::registry::IMPLEMENTED {
            let n = books_of(*venue).count();
            let n_expected = match venue {
                Okx => 6,
                Kraken => 5,   // and USDT/USD and USDC/USD
                Coinbase => 4, // and USDT-USD
                Deribit => 5,  // and the inverse BTC-PERPETUAL and ETH-PERPETUAL
                _ => 3,
            };
            assert_eq!(n, n_expected, "{venue}");
        }
        assert_eq!(trimmed(Dec::parse("3366.0").unwrap()).to_string(), "3366");
    }
}
