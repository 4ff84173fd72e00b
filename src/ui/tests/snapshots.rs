//! Every view at 80×24, 120×40 and 200×60 from scripted frames, plus the overlays, the modes,
//! ASCII, and sizes too small to use (which must not panic).

use super::{app, app_with, draw, fixtures, press, select_venue, text};
use crate::engine::frame::{DataMode, Frame};
use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::ui::action::{Action, Command};
use crate::ui::app::App;
use std::sync::Arc;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];
const VIEWS: [(Command, &str); 5] = [
    (Command::ViewOverview, "overview"),
    (Command::ViewDetail, "detail"),
    (Command::ViewHeatmap, "heatmap"),
    (Command::ViewHealth, "health"),
    (Command::ViewAnalytics, "analytics"),
];
const SLOT_NS: u64 = 500_000_000;

/// An app that has seen 90 frames, one per heatmap slot, ending with the fixture frame at NOW.
pub fn app_with_history() -> App {
    let mut app = app(fixtures::frame_at(
        0,
        fixtures::NOW - 90 * SLOT_NS,
        DataMode::Live,
    ));
    for i in 1..=90u64 {
        let frame: Frame =
            fixtures::frame_at(i, fixtures::NOW - (90 - i) * SLOT_NS, DataMode::Live);
        app.update(Action::Frame(Arc::new(frame)));
    }
    app
}

#[test]
fn every_view_at_every_size() {
    let mut app = app_with_history();
    for (command, name) in VIEWS {
        press(&mut app, &[command]);
        for (w, h) in SIZES {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(&app, w, h).backend());
        }
    }
}

#[test]
fn detail_of_one_venue() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail]);
    select_venue(&mut app, VenueId::Binance, MarketKind::Spot);
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("detail_binance_{w}x{h}"),
            draw(&app, w, h).backend()
        );
    }
}

#[test]
fn detail_of_the_perp_aggregate() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail, Command::CycleVenue]);
    insta::assert_snapshot!(
        "detail_perp_aggregate_120x40",
        draw(&app, 120, 40).backend()
    );
}

#[test]
fn detail_grouped_and_deeper() {
    let mut app = app_with_history();
    press(
        &mut app,
        &[
            Command::ViewDetail,
            Command::GroupCoarser,
            Command::GroupCoarser,
            Command::CycleDepth,
        ],
    );
    insta::assert_snapshot!("detail_grouped_120x40", draw(&app, 120, 40).backend());
}

#[test]
fn a_book_that_is_not_live_is_greyed_with_its_state_and_no_numbers() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail]);
    select_venue(&mut app, VenueId::Okx, MarketKind::Perpetual);
    let terminal = draw(&app, 120, 40);
    insta::assert_snapshot!("detail_okx_resyncing_120x40", terminal.backend());
    let buf = terminal.backend().buffer();
    let screen = text(buf);
    assert!(screen.contains("RESYNCING (gap)"), "{screen}");
    // The ladder pane: the left 60 columns below the tab bar.
    let ladder: String = screen
        .lines()
        .skip(2)
        .take(37)
        .map(|l| l.chars().take(60).collect::<String>())
        .collect();
    assert!(
        !ladder.chars().any(|c| c.is_ascii_digit()),
        "no numbers in a ladder that is not live:\n{ladder}"
    );
    let (x, y) = super::find(buf, "RESYNCING (gap)")[0];
    assert_eq!(buf[(x, y)].fg, app.theme.state_bad.fg.unwrap());
    let (x, y) = super::find(buf, "book not proven")[0];
    assert_eq!(buf[(x, y)].fg, app.theme.not_live.fg.unwrap(), "greyed");
    // Its gauges and flow say why instead of showing features.
    assert!(screen.contains("RESYNCING (gap): no features"), "{screen}");
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ToggleHelp]);
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("help_{w}x{h}"), draw(&app, w, h).backend());
    }
}

#[test]
fn search_overlay_as_you_type() {
    let mut app = app_with_history();
    press(&mut app, &[Command::Search]);
    app.update(Action::Type('t'));
    insta::assert_snapshot!("search_80x24", draw(&app, 80, 24).backend());
}

#[test]
fn ascii_mode_draws_only_ascii() {
    let mut app = app_with(fixtures::frame(), "default", true);
    for (command, name) in VIEWS {
        press(&mut app, &[command]);
        let terminal = draw(&app, 120, 40);
        let screen = text(terminal.backend().buffer());
        assert!(
            screen.is_ascii(),
            "{name}: {:?}",
            screen.chars().filter(|c| !c.is_ascii()).collect::<String>()
        );
        insta::assert_snapshot!(format!("ascii_{name}_120x40"), terminal.backend());
    }
    press(&mut app, &[Command::ToggleHelp]);
    assert!(text(draw(&app, 120, 40).backend().buffer()).is_ascii());
}

#[test]
fn the_header_always_says_where_the_data_comes_from() {
    let header = |app: &App, width| {
        text(draw(app, width, 24).backend().buffer())
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    let live = app(fixtures::frame());
    assert!(
        header(&live, 80).starts_with(" LIVE "),
        "{}",
        header(&live, 80)
    );
    let sim = app(fixtures::frame_at(
        1,
        fixtures::NOW,
        DataMode::Simulated { seed: 7 },
    ));
    assert!(header(&sim, 80).starts_with(" SIMULATED seed 7 "));
    let replay = app(fixtures::replay_frame());
    let line = header(&replay, 80);
    assert!(
        line.starts_with(" REPLAY 2024-02-29 23:59:58.250 x10 PAUSED "),
        "{line}"
    );
    assert!(
        header(&replay, 40).starts_with(" REPLAY 23:59:58.250 x10 PAUSED "),
        "shorter, never dropped"
    );
    let mut frozen = app(fixtures::frame());
    press(&mut frozen, &[Command::Freeze]);
    let line = header(&frozen, 80);
    assert!(line.contains(" FROZEN 300ms "), "{line}");
    insta::assert_snapshot!("replay_frozen_80x24", {
        let mut replay = app(fixtures::replay_frame());
        press(&mut replay, &[Command::Freeze]);
        draw(&replay, 80, 24).backend().to_string()
    });
}

#[test]
fn old_frames_and_ended_sources_are_labelled() {
    let mut stale = app(fixtures::frame_at(
        1,
        fixtures::NOW - 5_000_000_000,
        DataMode::Live,
    ));
    let line = |app: &App| {
        text(draw(app, 120, 24).backend().buffer())
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(line(&stale).contains("NO DATA 5.3s"), "{}", line(&stale));
    stale.update(Action::SourceEnded);
    assert!(line(&stale).contains("FEED ENDED"));
}

#[test]
fn a_remote_terminal_says_remote_and_when_its_link_is_down_however_narrow() {
    use crate::serve::attach::LinkState;
    let mut remote = app(fixtures::frame_at(
        1,
        fixtures::NOW,
        DataMode::Simulated { seed: 7 },
    ));
    remote.set_remote("10.0.0.5:8787", LinkState::Up);
    let line = |app: &App, width| {
        text(draw(app, width, 24).backend().buffer())
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    let up = line(&remote, 120);
    assert!(up.contains(" REMOTE 10.0.0.5:8787 "), "{up}");
    assert!(
        up.contains("SIMULATED"),
        "the server's mode stays shown: {up}"
    );
    assert!(!up.contains("LINK DOWN"), "{up}");
    remote.set_link(LinkState::Down {
        why: "the server closed the stream".into(),
        // Drawn 300 ms after NOW.
        since: fixtures::NOW - 1_200_000_000,
    });
    let down = line(&remote, 120);
    assert!(down.contains(" LINK DOWN 1.5s "), "{down}");
    assert!(
        down.contains("reconnecting: the server closed the stream"),
        "{down}"
    );
    let narrow = line(&remote, 60);
    assert!(
        narrow.contains("REMOTE") && narrow.contains("LINK DOWN 1.5s"),
        "{narrow}"
    );
    // The History view says where the history is rather than "history off".
    press(&mut remote, &[Command::ViewHistory]);
    let screen = text(draw(&remote, 120, 24).backend().buffer());
    assert!(
        screen.contains("the history file is on 10.0.0.5:8787"),
        "{screen}"
    );
}

#[test]
fn tiny_and_zero_sizes_do_not_panic() {
    let mut app = app_with_history();
    let sizes = [
        (0, 0),
        (1, 1),
        (10, 3),
        (0, 10),
        (10, 0),
        (39, 7),
        (40, 8),
        (41, 9),
        (50, 12),
        (63, 20),
        (64, 20),
        (89, 30),
    ];
    for (command, _) in VIEWS {
        press(&mut app, &[command]);
        for (w, h) in sizes {
            draw(&app, w, h);
            press(&mut app, &[Command::NextPane]);
            draw(&app, w, h);
        }
    }
    press(&mut app, &[Command::ToggleHelp]);
    sizes.iter().for_each(|(w, h)| drop(draw(&app, *w, *h)));
    press(&mut app, &[Command::ToggleHelp, Command::Search]);
    sizes.iter().for_each(|(w, h)| drop(draw(&app, *w, *h)));
    let small = text(draw(&app, 10, 3).backend().buffer());
    assert!(
        small.starts_with("LIVE") && small.contains("terminal t"),
        "{small}"
    );
    // An empty frame (no symbols, no venues) draws in every view too.
    let mut empty = app_with(
        Frame {
            seq: 0,
            at: fixtures::NOW,
            mode: DataMode::Live,
            symbols: Vec::new(),
            venues: Vec::new(),
            alerts: Vec::new(),
            alert_delivery: Default::default(),
            history: None,
            new_alerts: 0,
            backfill: None,
        },
        "mono",
        false,
    );
    for (command, _) in VIEWS {
        press(
            &mut empty,
            &[
                command,
                Command::CycleVenue,
                Command::Down,
                Command::NextSymbol,
                Command::OpenSelected,
            ],
        );
        for (w, h) in SIZES {
            draw(&empty, w, h);
        }
    }
    // An empty overview says why it is empty, and where to look.
    press(&mut empty, &[Command::ViewOverview]);
    let screen = text(draw(&empty, 120, 40).backend().buffer());
    assert!(screen.contains("No books yet: connecting"), "{screen}");
    empty.update(crate::ui::action::Action::SourceEnded);
    let screen = text(draw(&empty, 120, 40).backend().buffer());
    assert!(
        screen.contains("No books, and the feed has ended. Press 4"),
        "{screen}"
    );
}
