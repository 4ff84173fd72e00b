use super::*;

#[test]
fn the_embedded_defaults_parse_to_the_default_config() {
    let parsed = Config::parse(DEFAULT_TOML, "defaults").unwrap();
    assert_eq!(parsed, Config::default());
}

#[test]
fn an_empty_file_means_all_defaults() {
    assert_eq!(Config::parse("", "empty").unwrap(), Config::default());
}

#[test]
fn unknown_keys_name_the_file_line_and_a_hint() {
    let text = "[general]\nsymbols = [\"BTC\"]\nsymbls = [\"ETH\"]\n";
    let err = Config::parse(text, "my.toml").unwrap_err().to_string();
    assert!(
        err.starts_with("config my.toml, line 3: unknown field `symbls`"),
        "{err}"
    );
    assert!(err.contains("expected one of"), "{err}");
    assert!(err.contains("hint: check the spelling"), "{err}");
}

#[test]
fn wrong_types_and_bad_values_are_rejected_with_reasons() {
    let err = Config::parse("[feed]\nsnapshot_timeout_s = \"soon\"\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    let err = Config::parse("[feed.backoff]\nmultiplier = 0.5\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("multiplier"), "{err}");
    let err = Config::parse("[general]\nvenues = [\"binanse\"]\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("binanse"), "{err}");
    let err =
        Config::parse("[feed.venue.okx]\nws_url = \"localhost:9000\"\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("missing scheme"), "{err}");
    let err = Config::parse("[feed.venue.okz]\ndepth = 5\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("okz"), "{err}");
    // A depth where the venue offers no choice would be silently ignored.
    let err = Config::parse("[feed.venue.binance]\ndepth = 50\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("no depth to choose"), "{err}");
    let err = Config::parse("[feed.venue.okx]\ndepth = 50\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("400 levels"), "{err}");
    assert!(Config::parse("[feed.venue.kraken]\ndepth = 25\n", "f.toml").is_ok());
    let err = Config::parse("[general]\nsymbols = []\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("at least one symbol"), "{err}");
    assert!(Config::parse("[general\n", "f.toml").is_err());
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = Config::load(Some(Path::new("/nonexistent/depthscope.toml"))).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/depthscope.toml"));
}

#[test]
fn the_defaults_document_every_theme_key_and_the_ui_sections() {
    for (key, _) in theme::ThemeSpec::KEYS {
        assert!(
            DEFAULT_TOML.contains(key),
            "config/default.toml does not mention theme key {key}"
        );
    }
    for section in [
        "[ui]",
        "[keybindings.global]",
        "[keybindings.search]",
        "[theme_overrides]",
    ] {
        assert!(DEFAULT_TOML.contains(section), "{section}");
    }
}

#[test]
fn ui_values_are_checked() {
    let err = Config::parse("[ui]\nfps = 0\n", "f.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config f.toml: ui.fps must be 1 to 60, got 0"
    );
    let err = Config::parse("[ui]\nladder_depth = 7\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("5, 10, 20, 50"), "{err}");
    let err = Config::parse("[ui]\ncolor = \"16\"\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    let err = Config::parse("[theme_overrides]\nbid = \"grean\"\n", "f.toml").unwrap_err();
    assert!(err.to_string().contains("unknown colour"), "{err}");
    let ok = Config::parse(
        "[ui]\nfps = 4\nascii = true\n[theme_overrides]\nbid = \"blue\"\n",
        "f.toml",
    )
    .unwrap();
    assert_eq!((ok.ui.fps, ok.ui.ascii), (4, true));
}

#[test]
fn regime_rules_wait_for_a_label_or_any_change() {
    use crate::config::alerts::{AlertMetric, Trigger};
    use crate::engine::analytics::RegimeLabel;
    let parse = |to: &str| {
        let text = format!(
            "[[alerts.rule]]\nname = \"regime\"\nmetric = \"regime\"\nchanges_to = \"{to}\"\ncooldown_s = 60.0\n"
        );
        Config::parse(&text, "a.toml").unwrap().alerts.rule[0].clone()
    };
    let crash = parse("crash");
    assert_eq!(crash.metric, AlertMetric::Regime);
    assert_eq!(crash.trigger, Trigger::ChangesTo(Some(RegimeLabel::Crash)));
    assert_eq!(crash.cooldown_s, 60.0);
    assert_eq!(
        parse("BREAKOUT").trigger,
        Trigger::ChangesTo(Some(RegimeLabel::Breakout))
    );
    assert_eq!(parse("any").trigger, Trigger::ChangesTo(None));
}

#[test]
fn bad_alert_rules_name_the_line_and_hint_at_the_fields() {
    let rule =
        |body: &str| format!("[engine]\ntick_ms = 250\n\n[[alerts.rule]]\nname = \"r\"\n{body}");
    let cases = [
        (
            "metric = \"spred_bps\"\nabove = 1.0\n",
            "line 6: unknown metric `spred_bps`",
        ),
        (
            "metric = \"spread_bps\"\nabove = 1.0\nhold_s = -1.0\n",
            "line 8: alerts.rule[].hold_s = -1.0 is out of range: 0 to 86400 seconds",
        ),
        (
            "metric = \"spread_bps\"\nabove = 1.0\nbelow = 0.5\n",
            "exactly one of `above`, `below` or `zscore`",
        ),
        ("metric = \"spread_bps\"\n", "exactly one of"),
        (
            "metric = \"cascade_stress\"\nabove = 0.5\nvenue = \"okx\"\n",
            "cross-venue metric",
        ),
        (
            "metric = \"large_trade_usd\"\nabove = 1e6\nhold_s = 5.0\n",
            "`hold_s` and `clear` do not apply",
        ),
        (
            "metric = \"liquidation_usd\"\nzscore = 3.0\n",
            "only `above` applies",
        ),
        (
            "metric = \"spread_bps\"\nabove = 10.0\nclear = 12.0\n",
            "could never re-arm",
        ),
        (
            "metric = \"spread_bps\"\nzscore = -3.0\nclear = -4.0\n",
            "could never re-arm",
        ),
        ("metric = \"spread_bps\"\nzscore = 0.0\n", "non-zero"),
        (
            "metric = \"spread_bps\"\nabove = 1.0\nseverity = \"panic\"\n",
            "line 8: unknown variant `panic`",
        ),
        (
            "metric = \"spread_bps\"\nabove = 1.0\nnotfy = \"bell\"\n",
            "line 8: unknown field `notfy`",
        ),
        (
            "metric = \"regime\"\nchanges_to = \"trending_down\"\n",
            "`changes_to` must be one of CALM, BULL, BEAR, BREAKOUT, CRASH (any case) or \"any\", got \"trending_down\"",
        ),
        ("metric = \"regime\"\nabove = 2.0\n", "`regime` is a label"),
        ("metric = \"regime\"\n", "set `changes_to`"),
        (
            "metric = \"spread_bps\"\nchanges_to = \"CRASH\"\n",
            "applies to the `regime` label only",
        ),
        (
            "metric = \"regime\"\nchanges_to = \"BULL\"\nhold_s = 5.0\n",
            "do not apply to a label change",
        ),
        (
            "metric = \"regime\"\nchanges_to = \"BULL\"\nclear = 1.0\n",
            "do not apply to a label change",
        ),
        (
            "metric = \"regime\"\nchanges_to = \"BULL\"\nvenue = \"okx\"\n",
            "cross-venue metric",
        ),
    ];
    for (body, expected) in cases {
        let err = Config::parse(&rule(body), "a.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{body:?}: {err}");
        assert!(err.contains("config a.toml, line"), "{err}");
        assert!(err.contains("hint:"), "{err}");
    }
    let twice = "[[alerts.rule]]\nname = \"a\"\nmetric = \"spread_bps\"\nabove = 1.0\n".repeat(2);
    let err = Config::parse(&twice, "a.toml").unwrap_err().to_string();
    assert!(err.contains("names must be unique"), "{err}");
}

#[test]
fn a_user_rule_replaces_the_default_set_and_is_normalised() {
    let text = "[[alerts.rule]]\nname = \"btc-wide\"\nmetric = \"spread_bps\"\nsymbol = \"btc\"\nabove = 5.0\nhold_s = 3.0\n";
    let cfg = Config::parse(text, "a.toml").unwrap();
    assert_eq!(cfg.alerts.rule.len(), 1);
    let r = &cfg.alerts.rule[0];
    assert_eq!(r.symbol.as_deref(), Some("BTC"));
    assert_eq!(
        (r.clear, r.hold_s, r.severity),
        (5.0, 3.0, crate::engine::frame::Severity::Warn)
    );
    assert_eq!(
        cfg.alerts.channel_capacity,
        alerts::AlertsConfig::default().channel_capacity
    );
}

#[test]
fn bad_engine_values_are_rejected() {
    for (text, expected) in [
        ("[engine]\ntick_ms = 0\n", "tick_ms"),
        ("[engine]\nslippage_usd = []\n", "slippage_usd"),
        (
            "[engine.large_trade_floor_usd_by_asset]\nBTC = -1.0\n",
            "large_trade_floor_usd_by_asset.BTC",
        ),
        (
            "[engine]\nkaiko_reference = \"best\"\n",
            "unknown variant `best`",
        ),
        ("[engine.stale]\nfloor_s = 0.0\n", "stale.floor_s"),
        ("[alerts]\nbacklog_limit = 10\n", "backlog_limit"),
    ] {
        let err = Config::parse(text, "e.toml").unwrap_err().to_string();
        assert!(err.contains(expected), "{text:?}: {err}");
    }
    let cfg = Config::parse(
        "[engine.cascade_n0_usd_by_asset]\nsol = 80000.0\n",
        "e.toml",
    )
    .unwrap();
    assert_eq!(cfg.engine.cascade_n0("SOL"), 80_000.0);
    // Listing assets replaces the table, so BTC falls back to the default scale.
    assert_eq!(cfg.engine.cascade_n0("BTC"), cfg.engine.cascade_n0_usd);
    assert_eq!(
        engine::EngineConfig::default().large_trade_floor("btc"),
        100_000.0
    );
}

#[test]
fn audit_settings_have_documented_ranges() {
    let ok = Config::parse("[feed]\naudit_interval_s = 0\naudit_levels = 5\n", "f.toml");
    assert!(ok.is_ok(), "0 turns audits off: {ok:?}");
    for (text, says) in [
        ("[feed]\naudit_interval_s = 1\n", "0 (off) or 10 to 86400"),
        ("[feed]\naudit_interval_s = 1e300\n", "audit_interval_s"),
        ("[feed]\naudit_interval_s = nan\n", "audit_interval_s"),
        (
            "[feed]\naudit_levels = 0\n",
            "audit_levels must be 1 to 100",
        ),
        (
            "[feed]\naudit_levels = 500\n",
            "audit_levels must be 1 to 100",
        ),
    ] {
        let err = Config::parse(text, "f.toml").unwrap_err().to_string();
        assert!(err.contains(says), "{text}: {err}");
    }
}

/// A config path is read with a bound (`--config /dev/zero` used to read until memory ran out).
#[test]
fn an_endless_or_huge_config_file_is_refused() {
    let err = Config::load(Some(std::path::Path::new("/dev/zero"))).unwrap_err();
    assert!(err.to_string().contains("larger than 1024 KiB"), "{err}");
    let path = crate::testutil::TempPath::new("big.toml");
    std::fs::write(&*path, "# padding\n".repeat(200_000)).unwrap();
    let err = Config::load(Some(&path)).unwrap_err();
    assert!(err.to_string().contains("not a config file"), "{err}");
}
