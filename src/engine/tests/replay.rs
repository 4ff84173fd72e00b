//! Real captures through their venue adapters into the engine and out as JSON lines: every
//! value emitted is a finite number or an explicit null, and no number carries binary noise.

use serde_json::Value;

use super::*;
use crate::engine::stream::{JsonLines, StreamOptions};
use crate::feed::driver::{Driver, DriverConfig};
use crate::testutil::{capture, replay_cryptofeed};
use crate::venue::okx::Okx;

/// Significant digits of a number as written (`97289.52` → 7, `0.000123` → 3).
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

/// The numbers of a JSON line as written (serde_json's default parser is not correctly rounded,
/// so digits are checked on the text, not on parsed values).
fn written_numbers(line: &str) -> Vec<&str> {
    let (mut numbers, mut in_string, mut escaped, mut start) = (Vec::new(), false, false, None);
    for (i, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        let numeric = c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E');
        match (start, numeric) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                numbers.push(&line[s..i]);
                start = None;
            }
            _ => {}
        }
        in_string = c == '"';
    }
    numbers
}

/// Every number in `v` is finite; returns how many numbers and nulls were seen.
fn walk(v: &Value, numbers: &mut usize, nulls: &mut usize) {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().expect("a JSON number");
            assert!(x.is_finite(), "non-finite number {n}");
            *numbers += 1;
        }
        Value::Null => *nulls += 1,
        Value::Array(items) => items.iter().for_each(|i| walk(i, numbers, nulls)),
        Value::Object(map) => map.values().for_each(|i| walk(i, numbers, nulls)),
        Value::Bool(_) | Value::String(_) => {}
    }
}

/// Replays `events` into an engine watching BTC, ticking every `every` events at the latest
/// event's time, and writes each frame as JSON lines with honest and with market names.
fn replay_into_engine(events: Vec<MarketEvent>, every: usize) -> (Vec<Arc<Frame>>, [String; 2]) {
    let mut engine = Engine::new(settings(&["BTC"], crate::config::alerts::default_rules()));
    let mut honest = JsonLines::new(StreamOptions::default());
    let mut market = JsonLines::new(StreamOptions {
        market_names: true,
        ..StreamOptions::default()
    });
    let mut out = [Vec::new(), Vec::new()];
    let mut frames = Vec::new();
    let n = events.len();
    for (i, ev) in events.into_iter().enumerate() {
        engine.on_event(ev);
        if (i + 1) % every == 0 || i + 1 == n {
            let frame = engine.tick(engine.latest_event_ts().unwrap_or(0));
            assert_frame_finite(&frame);
            honest.write(&mut out[0], &frame).unwrap();
            market.write(&mut out[1], &frame).unwrap();
            frames.push(frame);
        }
    }
    let [a, b] = out.map(|o| String::from_utf8(o).unwrap());
    (frames, [a, b])
}

fn check_lines(text: &str, frames: usize) -> (usize, usize) {
    let (mut numbers, mut nulls) = (0, 0);
    let mut lines = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        walk(&v, &mut numbers, &mut nulls);
        // No float has more digits than the stream writes (12): no binary noise.
        for n in written_numbers(line)
            .into_iter()
            .filter(|n| n.contains(['.', 'e']))
        {
            assert!(significant_digits(n) <= 12, "binary noise in {n}");
        }
        lines += 1;
    }
    assert_eq!(lines, frames);
    (numbers, nulls)
}

#[test]
fn okx_capture_through_the_engine_emits_only_finite_values() {
    let Some(text) = capture("okx/cryptofeed_OKX.ws.1.0.txt") else {
        return;
    };
    let mut driver = Driver::new(
        Okx::new(None),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    );
    let out = replay_cryptofeed(&mut driver, &text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let events = out.events.len();
    assert!(events > 300, "{events}");
    let (frames, [honest, market]) = replay_into_engine(out.events, 7);

    let last = frames.last().unwrap();
    let symbols: Vec<&str> = last.symbols.iter().map(|s| s.symbol.as_str()).collect();
    // The watch list first, then what else the capture holds.
    assert_eq!(symbols, ["BTC", "UNI"]);
    let spot = book(last, &BookKey::new(VenueId::Okx, "BTC-USDT"));
    assert_eq!(spot.state, BookState::Live);
    assert!(spot.base_units && spot.valid);
    let f = spot.features.as_ref().unwrap();
    assert!(f.mid.is_some() && f.spread_bps.is_some());
    assert!(spot.bands.is_some());
    // The ladder holds as many levels as the UI can ask for.
    assert_eq!(
        spot.ladder.bids.len(),
        crate::config::engine::EngineConfig::default().ladder_depth
    );
    assert!(!spot.recent_trades.is_empty());
    // An inverse future and swap whose contract the capture does not give: no notionals.
    let swap = book(last, &BookKey::new(VenueId::Okx, "UNI-USD-SWAP"));
    assert!(!swap.base_units && swap.bands.is_none());
    assert!(swap.features.as_ref().unwrap().spread_bps.is_some());

    let (numbers, nulls) = check_lines(&honest, frames.len());
    assert!(
        numbers > 1_000 && nulls > 100,
        "{numbers} numbers, {nulls} nulls"
    );
    assert!(honest.contains("\"spread_bps\""));
    check_lines(&market, frames.len());
    assert!(market.contains("\"bid_ask_spread\"") && !market.contains("\"spread_bps\""));
    assert!(market.contains("\"manip_risk\"") && market.contains("\"smart_money_score\""));
}

/// The USDⓈ-M recording (four altcoin perpetuals joined to their REST snapshots, aggTrades)
/// through the engine: the books go live, features are computed, and nothing is NaN or infinite.
#[test]
fn binance_usdm_capture_through_the_engine_emits_only_finite_values() {
    let (Some(ws), Some(http)) = (
        capture("binance/cryptofeed_BINANCE_FUTURES.ws.1.0.txt"),
        capture("binance/cryptofeed_BINANCE_FUTURES.http.0.0.txt"),
    ) else {
        return;
    };
    let mut driver = Driver::new(
        crate::venue::binance::BinanceUsdm::new(None, None),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    );
    let out = crate::testutil::replay_cryptofeed_with_rest(&mut driver, &ws, Some(&http));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let (frames, [honest, market]) = replay_into_engine(out.events, 11);

    let last = frames.last().unwrap();
    let books: Vec<&BookFrame> = last.symbols.iter().flat_map(|s| &s.books).collect();
    assert_eq!(books.len(), 4, "SUSHI, AKRO, KEEP and CTK perpetuals");
    for b in &books {
        assert_eq!(b.state, BookState::Live, "{:?}", b.key);
        let f = b.features.as_ref().expect("a live book has features");
        assert!(f.mid.is_some() && f.spread_bps.is_some(), "{:?}", b.key);
    }
    let (numbers, nulls) = check_lines(&honest, frames.len());
    assert!(
        numbers > 1_000 && nulls > 100,
        "{numbers} numbers, {nulls} nulls"
    );
    check_lines(&market, frames.len());
}
