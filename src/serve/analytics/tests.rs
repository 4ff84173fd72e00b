//! Each analytics endpoint against a frame whose BTC analytics are filled and whose ETH
//! analytics are warming: the values are the view model's (on the API's scales), a warming read
//! is `null` with its progress, and every body validates against the OpenAPI document.

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::engine::analytics::{RatioConsensus, RatioKind};
use crate::engine::analytics_reads::fixture;

/// The UI fixture's frame: BTC filled (books 0 and 1 are Binance spot and its perpetual), ETH
/// warming.
fn frame() -> Frame {
    let mut frame = crate::ui::tests::fixtures::frame();
    let btc = &mut frame.symbols[0];
    btc.analytics = Arc::new(fixture::filled(btc));
    frame.symbols[1].analytics = Arc::new(fixture::warming());
    frame
}

/// `body` as JSON, checked against the document's 200 schema of `path`.
fn conforming(path: &str, body: impl Serialize) -> Value {
    let body = serde_json::to_value(body).unwrap();
    let doc = serde_json::to_value(super::super::openapi::document()).unwrap();
    let mut schema =
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone();
    assert!(schema.is_object(), "{path}: no 200 schema");
    schema["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{path}: {errors:?} in {body}");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    body
}

fn close(v: &Value, x: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((got - x).abs() < 1e-9, "{got} != {x}");
}

#[test]
fn support_resistance_lists_zones_under_the_reference_names() {
    let f = frame();
    let path = "/v1/orderbook/support-resistance/{symbol}";
    let v = conforming(path, support_resistance_of(&f, &f.symbols[0]));
    let z = &v["zones"][0];
    assert_eq!(z["type"], "support");
    close(&z["price_low"], 63_900.0);
    close(&z["price_high"], 63_950.0);
    close(&z["strength"], 0.62);
    close(&z["decayed_strength"], 0.62);
    assert_eq!(
        (z["bounce_count"].as_u64(), z["breach_count"].as_u64()),
        (Some(1), Some(1))
    );
    close(&z["age_seconds"], 400.0);
    assert_eq!(v["zones"][1]["type"], "resistance");
    close(&v["nearest_support_bps"], 7.8);
    close(&v["nearest_resistance_bps"], 15.6);
    assert_eq!(v["data_freshness"]["binance"]["is_stale"], false);

    let v = conforming(path, support_resistance_of(&f, &f.symbols[1]));
    assert_eq!(v["zones"], serde_json::json!([]));
    assert!(v["nearest_support_bps"].is_null() && v["grid"].is_null());
}

#[test]
fn regime_gives_the_label_its_probability_and_the_distribution() {
    let f = frame();
    let path = "/v1/regime/{symbol}";
    let v = conforming(path, regime_of(&f, &f.symbols[0]));
    assert_eq!(v["regime"], "BULL");
    close(&v["confidence"], 0.712324);
    let d = v["distribution"].as_object().unwrap();
    assert_eq!(d.len(), 5);
    close(&d["CALM"], 0.118485);
    close(&d["BREAKOUT"], 0.104562);
    close(&d["CRASH"], 0.000009);
    assert_eq!(v["fitted"], false);
    close(&v["entropy"], 0.5639062475);
    assert!(v["warming"].is_null());

    let v = conforming(path, regime_of(&f, &f.symbols[1]));
    assert!(v["regime"].is_null() && v["confidence"].is_null());
    assert!(v["distribution"].is_null());
    close(&v["warming"]["have_minutes"], 90.0);
    close(&v["warming"]["need_minutes"], 1440.0);
}

#[test]
fn drift_reads_its_status_from_the_largest_psi() {
    let f = frame();
    let path = "/v1/drift/{symbol}";
    let v = conforming(path, drift_of(&f, &f.symbols[0]));
    assert_eq!(v["overall_status"], "alert");
    close(&v["drift_score"], 0.4394449155);
    assert_eq!(v["drifted_features"], 1);
    assert_eq!(v["scope"], "global");
    assert_eq!(v["alarms"][0]["test"], "adwin");
    assert_eq!(v["features"][0]["feature"], "spread_bps");

    let v = conforming(path, drift_of(&f, &f.symbols[1]));
    assert!(v["overall_status"].is_null() && v["drift_score"].is_null());
    assert_eq!(v["drifted_features"], 0);
    close(&v["warming"]["have_minutes"], 90.0);

    // §7's reading: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major.
    assert_eq!(drift_status(0.0999), "ok");
    assert_eq!(drift_status(0.1098612289), "warning");
    assert_eq!(drift_status(0.25), "warning");
    assert_eq!(drift_status(0.7593856779), "alert");
}

#[test]
fn consensus_maps_onto_the_references_scale_and_words() {
    let f = frame();
    let path = "/v1/consensus/{symbol}";
    let v = conforming(path, consensus_of(&f, &f.symbols[0]));
    // §8's worked example: consensus 0.4117647059, agreement 0.7446808511.
    close(&v["directional_consensus"], (0.4117647059 + 1.0) / 2.0);
    close(&v["consensus"], 0.4117647059);
    assert_eq!(v["statistical_bias"], "bullish");
    // 0.8 and 0.2 point up with the consensus, −0.4 does not.
    assert_eq!(v["model_agreement"], "2/3");
    assert_eq!(v["confidence_band"], "medium");
    assert!(v["disclaimer"].as_str().unwrap().contains("not a forecast"));

    let v = conforming(path, consensus_of(&f, &f.symbols[1]));
    for k in [
        "directional_consensus",
        "statistical_bias",
        "model_agreement",
        "confidence_band",
    ] {
        assert!(v[k].is_null(), "{k}: {v}");
    }
}

#[test]
fn arbitrage_names_both_venues_their_prices_and_the_net_edge() {
    let f = frame();
    let v = conforming("/v1/arbitrage/{symbol}", arbitrage_of(&f, [&f.symbols[0]]));
    assert_eq!(v["count"], 1);
    let o = &v["opportunities"][0];
    assert_eq!(o["symbol"], "BTC");
    assert_eq!(o["buy_exchange"], "binance");
    assert_eq!(o["sell_exchange"], "binance-usdm");
    let buy_ask = f.symbols[0].books[0].ladder.asks[0].price;
    close(&o["buy_price"], buy_ask);
    close(&o["net_bps"], 4.985014985);
    close(&o["size_available"], 1.0);
    close(&o["pnl"], 0.0499);

    let all = conforming("/v1/arbitrage", arbitrage_of(&f, &f.symbols));
    assert_eq!(all["count"], 1);
    assert!(all["data_freshness"]["ETH"].is_object());
    let none = conforming("/v1/arbitrage/{symbol}", arbitrage_of(&f, [&f.symbols[1]]));
    assert_eq!(none["count"], 0);
    assert_eq!(none["opportunities"], serde_json::json!([]));
}

#[test]
fn market_protection_is_on_zero_to_one_with_the_reference_detector_names() {
    let f = frame();
    let path = "/v1/market-protection/{symbol}";
    let v = conforming(path, protection_of(&f, &f.symbols[0]));
    close(&v["integrity_score"], 0.84415);
    let d = v["detectors"].as_object().unwrap();
    assert_eq!(d.len(), 8);
    close(&d["manip_risk"], 0.3117);
    close(&d["price_dislocation"], 0.0);
    close(&d["layering_score"], 0.0);
    assert!(!d.contains_key("phantom_liquidity_score"));
    assert_eq!(
        v["exchanges"]["binance"]["top_contributors"][0],
        "manip_risk"
    );
    assert!(v["scope"].as_str().unwrap().contains("not an accusation"));

    let v = conforming(path, protection_of(&f, &f.symbols[1]));
    assert!(v["integrity_score"].is_null());
    let d = v["detectors"].as_object().unwrap();
    assert!(d.len() == 8 && d.values().all(Value::is_null), "{d:?}");
}

#[test]
fn the_least_intact_book_sets_the_symbols_integrity() {
    let mut f = frame();
    let btc = &mut f.symbols[0];
    let mut a = (*btc.analytics).clone();
    a.integrity[1].integrity_score = Some(36.83471317);
    a.integrity[2].integrity_score = Some(f64::NAN);
    btc.analytics = Arc::new(a);
    let v = conforming(
        "/v1/market-protection/{symbol}",
        protection_of(&f, &f.symbols[0]),
    );
    close(&v["integrity_score"], 0.3683471317);
}

#[test]
fn positioning_reads_the_venues_ratios_and_the_tape_split() {
    let mut f = frame();
    let btc = &mut f.symbols[0];
    let mut a = (*btc.analytics).clone();
    a.positioning.consensus.push(RatioConsensus {
        kind: RatioKind::TopPositions,
        long_short_ratio: 1.5,
        long_short_consensus: (1.5 - 1.0) / (1.5 + 1.0),
        agreement: Some(0.9),
        venues: 2,
    });
    btc.analytics = Arc::new(a);
    let path = "/v1/flow/positioning/{symbol}";
    let v = conforming(path, positioning_of(&f, &f.symbols[0]));
    let p = &v["positioning"];
    // ℓ = 1.5 / 2.5.
    close(&p["top_trader_long_ratio"], 0.6);
    close(&p["taker_buy_ratio"], 1.1);
    close(&p["retail_sentiment"], 2.0 * 0.45 - 1.0);
    close(&p["institutional_bias"], 0.6 - 0.45);
    let usdm = &v["exchanges"]["binance-usdm"];
    assert_eq!(usdm["ratios"][0]["kind"], "accounts");
    assert_eq!(usdm["ratios"][1]["stale"], true);
    assert_eq!(v["consensus"][0]["kind"], "accounts");

    let v = conforming(path, positioning_of(&f, &f.symbols[1]));
    let p = v["positioning"].as_object().unwrap();
    assert!(p.values().all(Value::is_null), "{p:?}");
    assert_eq!(v["exchanges"], serde_json::json!({}));
}

#[test]
fn derivatives_carry_each_venues_fresh_account_ratio_and_their_consensus() {
    let f = frame();
    let path = "/v1/flow/derivatives";
    let v = conforming(
        path,
        super::super::market::derivatives_of(&f, &f.symbols[0]),
    );
    close(&v["exchanges"]["binance-usdm"]["long_short_ratio"], 1.5);
    // §3.13 long_short_consensus of the fixture's 1.5 ratio: (1.5 − 1)/(1.5 + 1).
    close(&v["consensus"]["ls_consensus"], 0.2);
    close(&v["consensus"]["ls_agreement"], 1.0);
    let v = conforming(
        path,
        super::super::market::derivatives_of(&f, &f.symbols[1]),
    );
    assert!(v["consensus"]["ls_consensus"].is_null());
    let exchanges = v["exchanges"].as_object().unwrap();
    assert!(exchanges.values().all(|e| e["long_short_ratio"].is_null()));
}

#[test]
fn spot_futures_gives_the_lead_lag_spot_first() {
    let mut f = frame();
    f.symbols[0].composites.spot_perp.whale_agreement = Some(0.5);
    let path = "/v1/flow/spot-futures/{symbol}";
    let v = conforming(path, spot_futures_of(&f, &f.symbols[0], Some(-0.01)));
    assert_eq!(v["ofi_lead_lag"], 2);
    close(&v["lead_lag_score"], 15.83066836 / 17.83066836);
    close(&v["basis_spread"], -0.01);
    close(&v["whale_agreement"], 0.5);

    let v = conforming(path, spot_futures_of(&f, &f.symbols[1], None));
    assert!(v["ofi_lead_lag"].is_null() && v["lead_lag_score"].is_null());
    assert!(v["whale_agreement"].is_null());
}
