//! The resolved theme: one ratatui [`Style`] per semantic key, chosen once at start-up.
//!
//! Built-in themes are the files in `themes/`, embedded at build time. A name is looked up in
//! `<config dir>/themes/NAME.toml` first, then among the built-ins; a path to a `.toml` file also
//! works. User files are laid over `default`, so they may set only the keys they change; the
//! config's `[theme_overrides]` is laid over whatever was chosen. RGB colours are mapped to the
//! 256-colour palette when the terminal is not known to show 24-bit colour.

use crate::config::ConfigError;
use crate::config::theme::{ColorSpec, StyleSpec, ThemeSpec, for_each_theme_key};
use crate::config::ui::ColorDepthSetting;
use crate::engine::analytics::RegimeLabel;
use ratatui::style::{Color, Modifier, Style};
use std::path::{Path, PathBuf};

/// The embedded theme files, by name.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
];

/// How many colours the terminal can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
}

impl ColorDepth {
    /// The configured depth, or for `auto` what `COLORTERM` says (`truecolor`/`24bit`).
    pub fn detect(setting: ColorDepthSetting, colorterm: Option<&str>) -> ColorDepth {
        match setting {
            ColorDepthSetting::Truecolor => ColorDepth::TrueColor,
            ColorDepthSetting::Ansi256 => ColorDepth::Ansi256,
            ColorDepthSetting::Auto => match colorterm {
                Some("truecolor" | "24bit") => ColorDepth::TrueColor,
                _ => ColorDepth::Ansi256,
            },
        }
    }
}

/// What picks the theme, in precedence order: `--theme`, then `NO_COLOR` (mono), then the
/// config's `[ui] theme`.
#[derive(Clone, Debug)]
pub struct ThemeChoice<'a> {
    pub cli: Option<&'a str>,
    pub no_color: bool,
    pub config: &'a str,
    pub overrides: &'a ThemeSpec,
    pub depth: ColorDepth,
    /// The user's config dir, where `themes/NAME.toml` overrides a built-in.
    pub config_dir: Option<&'a Path>,
}

macro_rules! define_theme {
    ($($key:ident: $doc:literal,)*) => {
        /// Resolved styles, one per semantic key.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Theme {
            /// The theme's name (shown in help).
            pub name: String,
            $(
                #[doc = $doc]
                pub $key: Style,
            )*
            /// Heatmap colours, little to much; empty means shade glyphs only.
            pub heat: Vec<Color>,
        }

        impl Theme {
            fn from_spec(name: &str, spec: &ThemeSpec, depth: ColorDepth) -> Theme {
                Theme {
                    name: name.to_owned(),
                    $($key: spec.$key.map(|s| style(s, depth)).unwrap_or_default(),)*
                    heat: spec.heat.iter().flatten().map(|c| color(*c, depth)).collect(),
                }
            }
        }
    };
}
for_each_theme_key!(define_theme);

impl Theme {
    /// A built-in theme by name, at full colour (tests and benches).
    pub fn builtin(name: &str) -> Option<Theme> {
        let spec = builtin_spec(name)?;
        Some(Theme::from_spec(name, &spec, ColorDepth::TrueColor))
    }

    /// The theme the user asked for, with overrides applied.
    pub fn choose(choice: &ThemeChoice<'_>) -> Result<Theme, ConfigError> {
        let name = match (choice.cli, choice.no_color) {
            (Some(name), _) => name,
            (None, true) => "mono",
            (None, false) => choice.config,
        };
        let mut spec = load_spec(name, choice.config_dir)?;
        spec.overlay(choice.overrides);
        Ok(Theme::from_spec(name, &spec, choice.depth))
    }

    /// Style for a risk in [0, 1]: low, mid or high thirds.
    pub fn stress(&self, value: f64) -> Style {
        if value >= 2.0 / 3.0 {
            self.stress_high
        } else if value >= 1.0 / 3.0 {
            self.stress_mid
        } else {
            self.stress_low
        }
    }

    /// Style for a regime label (§6): up-moves as bids, down-moves as asks, the violent ones
    /// as warnings.
    pub fn regime(&self, label: RegimeLabel) -> Style {
        match label {
            RegimeLabel::Calm => self.text,
            RegimeLabel::Bull => self.imbalance_pos,
            RegimeLabel::Bear => self.imbalance_neg,
            RegimeLabel::Breakout => self.alert_warn,
            RegimeLabel::Crash => self.alert_crit,
        }
    }

    /// Style for a signed value: bid-leaning (positive) or ask-leaning (negative).
    pub fn signed(&self, value: f64) -> Style {
        if value >= 0.0 {
            self.imbalance_pos
        } else {
            self.imbalance_neg
        }
    }
}

fn builtin_spec(name: &str) -> Option<ThemeSpec> {
    let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
    Some(toml::from_str(text).expect("built-in themes parse (tested)"))
}

fn load_spec(name: &str, config_dir: Option<&Path>) -> Result<ThemeSpec, ConfigError> {
    let user_file = if name.ends_with(".toml") || name.contains('/') {
        Some(PathBuf::from(name))
    } else {
        config_dir
            .map(|d| d.join("themes").join(format!("{name}.toml")))
            .filter(|p| p.exists())
    };
    let Some(path) = user_file else {
        return builtin_spec(name).ok_or_else(|| ConfigError::Invalid {
            file: "--theme / [ui] theme".into(),
            message: format!(
                "unknown theme {name:?}: built-in themes are {}; or put {name}.toml in {}",
                BUILTIN.map(|(n, _)| n).join(", "),
                config_dir
                    .map(|d| d.join("themes").display().to_string())
                    .unwrap_or_else(|| "your config dir's themes/ folder".into())
            ),
        });
    };
    let origin = path.display().to_string();
    let text = crate::config::read_bounded(&path)?;
    let user: ThemeSpec =
        toml::from_str(&text).map_err(|e| ConfigError::from_toml(&origin, &text, &e))?;
    let mut spec = builtin_spec("default").expect("the default theme is built in");
    spec.overlay(&user);
    Ok(spec)
}

fn style(spec: StyleSpec, depth: ColorDepth) -> Style {
    let mut s = Style::default();
    if let Some(fg) = spec.fg {
        s = s.fg(color(fg, depth));
    }
    if let Some(bg) = spec.bg {
        s = s.bg(color(bg, depth));
    }
    for (on, m) in [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underlined, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
    ] {
        if on {
            s = s.add_modifier(m);
        }
    }
    s
}

const ANSI: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

fn color(spec: ColorSpec, depth: ColorDepth) -> Color {
    match spec {
        ColorSpec::Reset => Color::Reset,
        ColorSpec::Ansi(i) => ANSI[usize::from(i) % 16],
        ColorSpec::Indexed(i) => Color::Indexed(i),
        ColorSpec::Rgb(r, g, b) => match depth {
            ColorDepth::TrueColor => Color::Rgb(r, g, b),
            ColorDepth::Ansi256 => Color::Indexed(nearest_256(r, g, b)),
        },
    }
}

/// The nearest xterm-256 entry: the 6×6×6 cube (16–231) or the grey ramp (232–255).
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let cube_index = |v: u8| match v {
        0..48 => 0,
        48..115 => 1,
        _ => (v - 35) / 40,
    };
    let (ri, gi, bi) = (cube_index(r), cube_index(g), cube_index(b));
    let cube = (
        LEVELS[ri as usize],
        LEVELS[gi as usize],
        LEVELS[bi as usize],
    );
    let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_index = (avg.saturating_sub(3) / 10).min(23) as u8;
    let grey = 8 + 10 * grey_index;
    let dist = |(cr, cg, cb): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, cr) + d(g, cg) + d(b, cb)
    };
    if dist((grey, grey, grey)) < dist(cube) {
        232 + grey_index
    } else {
        16 + 36 * ri + 6 * gi + bi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_themes_parses_and_sets_every_key() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let spec: ThemeSpec =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                spec.missing().is_empty(),
                "{}: missing {:?}",
                path.display(),
                spec.missing()
            );
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let embedded = BUILTIN.iter().find(|(n, _)| *n == name);
            assert_eq!(
                embedded.map(|(_, t)| *t),
                Some(text.as_str()),
                "{name} is embedded"
            );
            names.push(name);
        }
        names.sort();
        assert_eq!(names, ["dark", "default", "light", "mono"]);
    }

    #[test]
    fn default_is_ansi_16_and_mono_has_no_colour() {
        let spec = builtin_spec("default").unwrap();
        assert!(
            spec.colors()
                .iter()
                .all(|c| matches!(c, ColorSpec::Ansi(_) | ColorSpec::Reset))
        );
        let mono = builtin_spec("mono").unwrap();
        assert!(mono.colors().iter().all(|c| *c == ColorSpec::Reset));
        let dark = builtin_spec("dark").unwrap();
        assert!(
            dark.colors()
                .iter()
                .any(|c| matches!(c, ColorSpec::Rgb(..)))
        );
    }

    #[test]
    fn no_color_picks_mono_unless_a_theme_is_named_and_overrides_apply() {
        let overrides: ThemeSpec = toml::from_str("bid = \"blue\"\n").unwrap();
        let none = ThemeSpec::default();
        let choice = |cli, no_color, overrides| ThemeChoice {
            cli,
            no_color,
            config: "default",
            overrides,
            depth: ColorDepth::TrueColor,
            config_dir: None,
        };
        assert_eq!(
            Theme::choose(&choice(None, true, &none)).unwrap().name,
            "mono"
        );
        assert_eq!(
            Theme::choose(&choice(Some("dark"), true, &none))
                .unwrap()
                .name,
            "dark"
        );
        let t = Theme::choose(&choice(None, false, &overrides)).unwrap();
        assert_eq!((t.name.as_str(), t.bid.fg), ("default", Some(Color::Blue)));
        let err = Theme::choose(&choice(Some("neon"), false, &none)).unwrap_err();
        assert!(
            err.to_string()
                .contains("built-in themes are default, mono, dark, light"),
            "{err}"
        );
    }

    #[test]
    fn user_theme_files_override_builtins_and_report_their_line() {
        let dir = std::env::temp_dir().join(format!("depthscope-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        std::fs::write(dir.join("themes/dark.toml"), "ask = \"magenta\"\n").unwrap();
        std::fs::write(
            dir.join("themes/bad.toml"),
            "bid = \"green\"\nbidd = \"red\"\n",
        )
        .unwrap();
        let none = ThemeSpec::default();
        let choice = |name| ThemeChoice {
            cli: Some(name),
            no_color: false,
            config: "default",
            overrides: &none,
            depth: ColorDepth::TrueColor,
            config_dir: Some(dir.as_path()),
        };
        let t = Theme::choose(&choice("dark")).unwrap();
        assert_eq!(t.ask.fg, Some(Color::Magenta));
        assert_eq!(t.bid.fg, Some(Color::Green), "unset keys come from default");
        let err = Theme::choose(&choice("bad")).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("unknown field `bidd`"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A theme path is read with a bound: `/dev/zero` used to be read until memory ran out.
    #[test]
    fn an_endless_theme_file_is_refused() {
        let none = ThemeSpec::default();
        let choice = ThemeChoice {
            cli: Some("/dev/zero"),
            no_color: false,
            config: "default",
            overrides: &none,
            depth: ColorDepth::TrueColor,
            config_dir: None,
        };
        let err = Theme::choose(&choice).unwrap_err().to_string();
        assert!(
            err.contains("/dev/zero") && err.contains("larger than 1024 KiB"),
            "{err}"
        );
    }

    #[test]
    fn rgb_is_mapped_to_256_colours_without_truecolor() {
        assert_eq!(
            ColorDepth::detect(ColorDepthSetting::Auto, Some("truecolor")),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(ColorDepthSetting::Auto, None),
            ColorDepth::Ansi256
        );
        assert_eq!(nearest_256(0, 0, 0), 16);
        assert_eq!(nearest_256(255, 255, 255), 231);
        assert_eq!(nearest_256(255, 0, 0), 196);
        assert_eq!(nearest_256(128, 128, 128), 244);
        let spec: ThemeSpec = toml::from_str("bid = \"#ff0000\"\n").unwrap();
        let t = Theme::from_spec("x", &spec, ColorDepth::Ansi256);
        assert_eq!(t.bid.fg, Some(Color::Indexed(196)));
    }
}
