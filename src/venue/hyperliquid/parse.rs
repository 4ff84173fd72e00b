//! Hyperliquid WebSocket frames (`docs/venues.md` "Hyperliquid"), all `{"channel","data"}`:
//!
//! - `l2Book`: `{"coin","time","levels":[[bids],[asks]]}`, levels `{"px","sz","n"}` best first,
//!   prices in USDC and sizes in coins (strings); every push is the whole book (see [`super::sync`]).
//!   A delisted coin's book is `[[],[]]`.
//! - `trades`: `[{"coin","side","px","sz","time","hash","tid","users"}]`; `side` is the
//!   **taker's**: `B` bought (lifted the ask), `A` sold (hit the bid) (`docs/metrics.md` §0.4).
//! - `activeAssetCtx`: `{"coin","ctx":{"funding","openInterest","markPx","oraclePx",..}}`, every
//!   value a string; `openInterest` is in coins, `funding` the hourly rate.
//! - `subscriptionResponse` (acks), `pong`, and `error` whose `data` is a bare message string;
//!   a socket opens with the plain text [`GREETING`] (not JSON; the official Python SDK skips it).
//!   `bbo`, `candle`, `allMids`, `post` answers and the other channels are not used.

use super::trades::TradeWatermarks;
use crate::book::Level;
use crate::feed::event::Derivs;
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawTrade};
use crate::market::{Millis, Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The text frame a socket opens with.
pub const GREETING: &str = "Websocket connection established.";

/// Hyperliquid settles funding every hour; `funding` is that hour's rate.
const FUNDING_INTERVAL_H: f64 = 1.0;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    channel: Cow<'a, str>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// An `l2Book` payload (`POST /info {"type":"l2Book"}` answers the same shape).
#[derive(Deserialize)]
struct BookData<'a> {
    #[serde(borrow)]
    coin: Cow<'a, str>,
    time: Millis,
    #[serde(borrow)]
    levels: (&'a RawValue, &'a RawValue),
}

#[derive(Deserialize)]
struct TradeData<'a> {
    #[serde(borrow)]
    coin: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
    px: Dec,
    sz: Dec,
    time: Millis,
    tid: u64,
}

#[derive(Deserialize)]
struct CtxData<'a> {
    #[serde(borrow)]
    coin: Cow<'a, str>,
    #[serde(borrow)]
    ctx: Ctx<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ctx<'a> {
    #[serde(borrow, default)]
    funding: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    open_interest: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    mark_px: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    oracle_px: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Ack<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    subscription: Subscription<'a>,
}

#[derive(Deserialize)]
struct Subscription<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    coin: Option<Cow<'a, str>>,
}

/// Parses frames, keeping each coin's trade watermark and the exchange's time across them.
#[derive(Debug, Default)]
pub struct Parser {
    trades: TradeWatermarks,
    clock: ExchangeClock,
}

/// The exchange time of the latest book or trade: `activeAssetCtx` carries none, and its next
/// funding settlement is the next whole hour of the exchange's clock ("funding is paid every
/// hour"). The latest, not the largest: one absurd time is gone with the next frame.
#[derive(Debug, Default)]
struct ExchangeClock(Option<Millis>);

impl ExchangeClock {
    fn see(&mut self, time: Millis) {
        self.0 = Some(time);
    }

    fn next_funding(&self) -> Option<Millis> {
        const HOUR: Millis = 3_600_000;
        self.0
            .and_then(|t| (t.div_euclid(HOUR) + 1).checked_mul(HOUR))
    }
}

impl Parser {
    /// Parse one frame; book levels go to `levels`.
    pub fn parse<'a>(
        &mut self,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, Millis>, String> {
        if text == GREETING {
            return Ok(Parsed::Control);
        }
        let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        let data = || {
            env.data
                .ok_or_else(|| format!("{} without data", env.channel))
        };
        match env.channel.as_ref() {
            "l2Book" => {
                let frame = book(data()?, levels)?;
                self.clock.see(frame.seq);
                Ok(Parsed::Book(frame))
            }
            "trades" => self.trades(data()?),
            "activeAssetCtx" => {
                ctx(data()?, self.clock.next_funding()).map(|d| Parsed::Derivs(vec![d]))
            }
            "subscriptionResponse" => self.ack(data()?),
            "pong" => Ok(Parsed::Control),
            "error" => Ok(Parsed::VenueError {
                instrument: None,
                message: error_text(data()?),
            }),
            "bbo" | "candle" | "allMids" | "post" | "activeSpotAssetCtx" => Ok(Parsed::Ignored),
            other => Err(format!("unexpected channel {other:?}")),
        }
    }

    /// An acknowledged `trades` subscription is followed by a batch of the coin's recent trades,
    /// from before it: the watermark sorts those out.
    fn ack<'a>(&mut self, data: &RawValue) -> Result<Parsed<'a, Millis>, String> {
        let ack: Ack = serde_json::from_str(data.get()).map_err(|e| format!("ack: {e}"))?;
        if let ("subscribe", "trades", Some(coin)) = (
            ack.method.as_ref(),
            ack.subscription.kind.as_ref(),
            ack.subscription.coin.as_deref(),
        ) {
            self.trades.subscribed(coin);
        }
        Ok(Parsed::Control)
    }

    fn trades<'a>(&mut self, data: &'a RawValue) -> Result<Parsed<'a, Millis>, String> {
        let items: Vec<TradeData<'a>> =
            serde_json::from_str(data.get()).map_err(|e| format!("trades data: {e}"))?;
        // Every side is read before any trade moves a watermark: a frame refused for one bad
        // trade leaves the watermarks as they were.
        let takers = items
            .iter()
            .map(|t| taker(&t.side))
            .collect::<Result<Vec<_>, _>>()?;
        let mut coins: Vec<String> = items.iter().map(|t| t.coin.to_string()).collect();
        coins.dedup();
        let mut out = Vec::with_capacity(items.len());
        for (t, taker) in items.into_iter().zip(takers) {
            self.clock.see(t.time);
            if !self.trades.is_new(&t.coin, t.time, t.tid) {
                continue;
            }
            out.push(RawTrade {
                instrument: t.coin,
                price: t.px,
                size: t.sz,
                taker: Some(taker),
                ts: t.time,
                id: Some(Cow::Owned(t.tid.to_string())),
            });
        }
        for coin in &coins {
            self.trades.end_frame(coin);
        }
        Ok(if out.is_empty() {
            Parsed::Ignored
        } else {
            Parsed::Trades(out)
        })
    }
}

/// `side` is the taker's: `B` (bid side) bought, `A` (ask side) sold.
pub fn taker(side: &str) -> Result<TakerSide, String> {
    match side {
        "B" => Ok(TakerSide::Buy),
        "A" => Ok(TakerSide::Sell),
        other => Err(format!("trade side {other:?}")),
    }
}

/// An `l2Book` payload as a snapshot frame.
fn book<'a>(
    data: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<BookFrame<'a, Millis>, String> {
    let d: BookData<'a> =
        serde_json::from_str(data.get()).map_err(|e| format!("l2Book data: {e}"))?;
    wire::level_objects(d.levels.0, Side::Bid, ("px", "sz"), levels)?;
    wire::level_objects(d.levels.1, Side::Ask, ("px", "sz"), levels)?;
    if let Some((side, level)) = levels.iter().find(|(_, l)| l.size.is_zero()) {
        return Err(format!(
            "{}: l2Book level {side:?} {} of size 0 (a snapshot lists resting size only)",
            d.coin, level.price
        ));
    }
    Ok(BookFrame {
        instrument: d.coin,
        // The best 20 levels a side: beyond a full side nothing is known.
        snapshot: Some(Some(super::DEPTH)),
        seq: d.time,
        checksum: None,
        exch_ts: Some(d.time),
    })
}

/// `next_funding`: the next settlement, when the exchange's time is known.
fn ctx(data: &RawValue, next_funding: Option<Millis>) -> Result<RawDerivs<'_>, String> {
    let d: CtxData =
        serde_json::from_str(data.get()).map_err(|e| format!("activeAssetCtx data: {e}"))?;
    let c = d.ctx;
    Ok(RawDerivs {
        instrument: d.coin,
        // The context carries no time of its own.
        ts: None,
        values: Derivs {
            mark_price: wire::opt_f64("markPx", c.mark_px.as_deref())?,
            // The oracle price is Hyperliquid's index: the spot venues' weighted median.
            index_price: wire::opt_f64("oraclePx", c.oracle_px.as_deref())?,
            funding_rate: wire::opt_f64("funding", c.funding.as_deref())?,
            next_funding_ts: next_funding,
            funding_interval_h: Some(FUNDING_INTERVAL_H),
            open_interest: wire::opt_f64("openInterest", c.open_interest.as_deref())?,
            open_interest_usd: None,
            positioning: None,
        },
    })
}

/// `error` frames carry a bare string (`"Already subscribed: {..}"`).
fn error_text(data: &RawValue) -> String {
    serde_json::from_str::<String>(data.get()).unwrap_or_else(|_| data.get().to_owned())
}
