//! Theme files (`themes/*.toml`, or `<config dir>/themes/<name>.toml`) and `[theme_overrides]`:
//! semantic keys (`bid`, `ask`, `stale`, `alert_crit` …) mapped to styles.
//!
//! Plain data: colours are parsed and checked here, and turned into terminal styles by
//! `ui::theme`. A style is a colour name (`bid = "green"`) or a table
//! (`alert_crit = { fg = "white", bg = "red", bold = true }`). Colours are the 16 ANSI names
//! (`red`, `light-red`, `dark-gray` …), `"#rrggbb"`, a 256-colour index (`"208"`) or `"reset"`.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// Calls `$callback!` with every theme key and its meaning: the one list the theme file schema
/// and the resolved theme are both generated from.
macro_rules! for_each_theme_key {
    ($callback:ident) => {
        $callback! {
            text: "ordinary text",
            dim: "labels and secondary text",
            title: "pane titles",
            header: "the header bar",
            border: "pane borders",
            border_focused: "the focused pane's border",
            tab_active: "the current view in the tab bar",
            tab_inactive: "other views in the tab bar",
            selection: "the cursor row",
            highlight: "rows of the selected symbol",
            bid: "bids, taker buys, positive flow",
            ask: "asks, taker sells, negative flow",
            large_level: "large resting levels",
            spread: "the spread line",
            imbalance_pos: "gauges leaning to the bid",
            imbalance_neg: "gauges leaning to the ask",
            stress_low: "stress and risk below 1/3",
            stress_mid: "stress and risk from 1/3 to 2/3",
            stress_high: "stress and risk above 2/3",
            alert_info: "informational alerts",
            alert_warn: "warning alerts",
            alert_crit: "critical alerts",
            stale: "numbers that are stale (kept, but old)",
            not_live: "books that are not proven (greyed, no numbers)",
            state_ok: "healthy connection and book states",
            state_warn: "connecting and syncing states",
            state_bad: "down, backoff and resync states",
            mode_live: "the LIVE badge",
            mode_simulated: "the SIMULATED badge",
            mode_replay: "the REPLAY badge",
            frozen: "the FROZEN badge",
            search_match: "matched text in search",
        }
    };
}
pub(crate) use for_each_theme_key;

/// A colour as written in a theme file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorSpec {
    /// The terminal's default colour.
    Reset,
    /// One of the 16 ANSI colours (0–15), which follow the user's terminal palette.
    Ansi(u8),
    /// A 256-colour palette index.
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// ANSI names in palette order (0–15).
const ANSI_NAMES: [&str; 16] = [
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "dark-gray",
    "light-red",
    "light-green",
    "light-yellow",
    "light-blue",
    "light-magenta",
    "light-cyan",
    "white",
];

impl std::str::FromStr for ColorSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let norm = text
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' '], "-")
            .replace("grey", "gray");
        if norm == "reset" || norm == "default" {
            return Ok(ColorSpec::Reset);
        }
        if let Some(i) = ANSI_NAMES.iter().position(|n| *n == norm) {
            return Ok(ColorSpec::Ansi(i as u8));
        }
        if let Some(hex) = norm.strip_prefix('#')
            && hex.len() == 6
            && let Ok(v) = u32::from_str_radix(hex, 16)
        {
            return Ok(ColorSpec::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        if let Ok(i) = norm.parse::<u8>() {
            return Ok(ColorSpec::Indexed(i));
        }
        Err(format!(
            "unknown colour {text:?} (use an ANSI name such as \"green\" or \"light-red\", \
             \"#rrggbb\", a palette index 0-255, or \"reset\")"
        ))
    }
}

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// A style: colours and modifiers. Unset colours stay the terminal's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StyleSpec {
    pub fg: Option<ColorSpec>,
    pub bg: Option<ColorSpec>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underlined: bool,
    pub reversed: bool,
}

/// Accepts `"green"` (a foreground colour) or a `{ fg = …, bold = … }` table.
fn style_spec<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StyleSpec>, D::Error> {
    struct StyleVisitor;
    impl<'de> Visitor<'de> for StyleVisitor {
        type Value = StyleSpec;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a colour name or a table such as { fg = \"red\", bold = true }")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<StyleSpec, E> {
            Ok(StyleSpec {
                fg: Some(v.parse().map_err(E::custom)?),
                ..StyleSpec::default()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StyleSpec, A::Error> {
            StyleSpec::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(StyleVisitor).map(Some)
}

macro_rules! define_theme_spec {
    ($($key:ident: $doc:literal,)*) => {
        /// A theme file or `[theme_overrides]`: every key optional, unknown keys rejected.
        #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct ThemeSpec {
            $(
                #[doc = $doc]
                #[serde(deserialize_with = "style_spec")]
                pub $key: Option<StyleSpec>,
            )*
            /// Heatmap colours from little to much resting size (empty: shade glyphs only).
            pub heat: Option<Vec<ColorSpec>>,
        }

        impl ThemeSpec {
            /// Every key with its meaning, for documentation and error messages.
            pub const KEYS: &'static [(&'static str, &'static str)] = &[
                $((stringify!($key), $doc),)*
                ("heat", "heatmap colours from little to much resting size"),
            ];

            /// Keys this spec leaves unset.
            pub fn missing(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if self.$key.is_none() { out.push(stringify!($key)); })*
                if self.heat.is_none() { out.push("heat"); }
                out
            }

            /// `other`'s keys win where set.
            pub fn overlay(&mut self, other: &ThemeSpec) {
                $(if other.$key.is_some() { self.$key = other.$key; })*
                if other.heat.is_some() { self.heat = other.heat.clone(); }
            }

            /// Every colour the spec names (to check a theme for colour-free output).
            pub fn colors(&self) -> Vec<ColorSpec> {
                let mut out = Vec::new();
                $(if let Some(s) = &self.$key { out.extend(s.fg); out.extend(s.bg); })*
                out.extend(self.heat.iter().flatten().copied());
                out
            }
        }
    };
}
for_each_theme_key!(define_theme_spec);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_documented_form() {
        assert_eq!("green".parse(), Ok(ColorSpec::Ansi(2)));
        assert_eq!("Light_Red".parse(), Ok(ColorSpec::Ansi(9)));
        assert_eq!("dark grey".parse(), Ok(ColorSpec::Ansi(8)));
        assert_eq!("#ff8000".parse(), Ok(ColorSpec::Rgb(255, 128, 0)));
        assert_eq!("208".parse(), Ok(ColorSpec::Indexed(208)));
        assert_eq!("reset".parse(), Ok(ColorSpec::Reset));
        assert!(
            "grean"
                .parse::<ColorSpec>()
                .unwrap_err()
                .contains("unknown colour")
        );
        assert!("#ff80".parse::<ColorSpec>().is_err());
    }

    #[test]
    fn styles_are_names_or_tables_and_unknown_keys_are_errors() {
        let spec: ThemeSpec = toml::from_str(
            "bid = \"green\"\nalert_crit = { fg = \"white\", bg = \"red\", bold = true }\n",
        )
        .unwrap();
        assert_eq!(spec.bid.unwrap().fg, Some(ColorSpec::Ansi(2)));
        let crit = spec.alert_crit.unwrap();
        assert!(crit.bold && crit.bg == Some(ColorSpec::Ansi(1)));
        let err = toml::from_str::<ThemeSpec>("bidd = \"green\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `bidd`"), "{err}");
        let err =
            toml::from_str::<ThemeSpec>("bid = { fg = \"green\", blink = true }\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `blink`"), "{err}");
        let err = toml::from_str::<ThemeSpec>("bid = \"grean\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown colour"), "{err}");
    }

    #[test]
    fn overlay_replaces_only_what_is_set() {
        let mut base: ThemeSpec = toml::from_str("bid = \"green\"\nask = \"red\"\n").unwrap();
        let over: ThemeSpec = toml::from_str("ask = \"magenta\"\n").unwrap();
        base.overlay(&over);
        assert_eq!(base.bid.unwrap().fg, Some(ColorSpec::Ansi(2)));
        assert_eq!(base.ask.unwrap().fg, Some(ColorSpec::Ansi(5)));
        assert!(base.missing().contains(&"stale"));
    }
}
