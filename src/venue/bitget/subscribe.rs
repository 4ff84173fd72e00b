//! Bitget v2 requests (`docs/venues.md` "Bitget"):
//! `{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}]}`.
//!
//! Every instrument gets `books` and `trade`; futures add `ticker` (mark, index, funding, open
//! interest). Bitget limits a request's `args` to 4096 bytes and a connection to 1000 channels
//! and 10 messages a second: requests are cut at the byte limit here, and [`super::Bitget`]
//! spreads instruments over connections so none comes near the channel limit.

use serde_json::json;

/// The most bytes a request's `args` may take.
pub const MAX_ARGS_BYTES: usize = 4096;

/// The channels of one instrument on a market whose `instType` is `inst_type`.
pub fn channels(derivatives: bool) -> &'static [&'static str] {
    if derivatives {
        &["books", "trade", "ticker"]
    } else {
        &["books", "trade"]
    }
}

/// `op` (`subscribe`, `unsubscribe`) for `channels` of every symbol, as few requests as the
/// byte limit allows.
pub fn requests<'a>(
    op: &str,
    inst_type: &str,
    channels: &[&str],
    symbols: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let mut bytes = 2; // the brackets
    for symbol in symbols {
        for channel in channels {
            let arg =
                json!({"instType": inst_type, "channel": channel, "instId": symbol}).to_string();
            if !args.is_empty() && bytes + arg.len() + 1 > MAX_ARGS_BYTES {
                out.push(request(op, &args));
                args.clear();
                bytes = 2;
            }
            bytes += arg.len() + 1;
            args.push(arg);
        }
    }
    if !args.is_empty() {
        out.push(request(op, &args));
    }
    out
}

fn request(op: &str, args: &[String]) -> String {
    format!(r#"{{"op":"{op}","args":[{}]}}"#, args.join(","))
}

/// Unsubscribe then subscribe one book: a subscription starts with a snapshot (`pseq` 0).
pub fn resubscribe_book(inst_type: &str, symbol: &str) -> Vec<String> {
    ["unsubscribe", "subscribe"]
        .into_iter()
        .flat_map(|op| requests(op, inst_type, &["books"], [symbol]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn args(msg: &str) -> Vec<Value> {
        let v: Value = serde_json::from_str(msg).unwrap();
        v["args"].as_array().unwrap().clone()
    }

    #[test]
    fn futures_add_the_ticker_and_every_arg_names_the_inst_type() {
        let msgs = requests("subscribe", "USDT-FUTURES", channels(true), ["BTCUSDT"]);
        assert_eq!(msgs.len(), 1);
        assert_eq!(
            msgs[0],
            r#"{"op":"subscribe","args":[{"channel":"books","instId":"BTCUSDT","instType":"USDT-FUTURES"},{"channel":"trade","instId":"BTCUSDT","instType":"USDT-FUTURES"},{"channel":"ticker","instId":"BTCUSDT","instType":"USDT-FUTURES"}]}"#
        );
        let spot = requests("subscribe", "SPOT", channels(false), ["BTCUSDT"]);
        assert_eq!(args(&spot[0]).len(), 2);
        assert!(requests("subscribe", "SPOT", channels(false), []).is_empty());
    }

    #[test]
    fn requests_keep_their_args_under_4096_bytes_and_lose_none() {
        let symbols: Vec<String> = (0..200).map(|i| format!("COIN{i}USDT")).collect();
        let msgs = requests(
            "subscribe",
            "USDT-FUTURES",
            channels(true),
            symbols.iter().map(String::as_str),
        );
        assert!(msgs.len() > 1);
        let mut total = 0;
        for msg in &msgs {
            let v: Value = serde_json::from_str(msg).unwrap();
            assert!(
                v["args"].to_string().len() <= MAX_ARGS_BYTES,
                "{}",
                msg.len()
            );
            total += args(msg).len();
        }
        assert_eq!(total, 600);
    }

    #[test]
    fn a_resync_unsubscribes_then_subscribes_the_book() {
        let msgs = resubscribe_book("SPOT", "ETHUSDT");
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].starts_with(r#"{"op":"unsubscribe""#));
        assert!(msgs[1].starts_with(r#"{"op":"subscribe""#));
        assert_eq!(args(&msgs[1])[0]["channel"], "books");
    }
}
