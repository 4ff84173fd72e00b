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
