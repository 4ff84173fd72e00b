//! What a trader reads on screen, asserted on the `TestBackend` text: units and currencies,
//! the sort order said as it is, state words that never call simulated or replayed data live,
//! decimal points aligned, and narrow screens that say what they leave out.

use super::{app, draw, fixtures, press, text};
use crate::engine::frame::{DataMode, Frame};
use crate::instrument::MarketKind;
use crate::ui::action::Command;
use crate::ui::model::select::{Excluded, Selected, VenueSel};
use std::sync::Arc;

fn screen(frame: Frame, w: u16, h: u16) -> String {
    text(draw(&app(frame), w, h).backend().buffer())
}

/// The overview's lines for the rows of `symbol`.
fn rows<'a>(screen: &'a str, symbol: &str) -> Vec<&'a str> {
    screen
        .lines()
        .filter(|l| l.starts_with(&format!("│{symbol} ")))
        .collect()
}

#[test]
fn the_overview_names_its_order_as_it_is() {
    let s = screen(fixtures::frame(), 120, 40);
    assert!(s.contains("watchlist order"), "{s}");
    assert!(!s.contains("sorted by symbol"), "{s}");
    let mut app = app(fixtures::frame());
    press(&mut app, &[Command::CycleSort, Command::ReverseSort]);
    let s = text(draw(&app, 120, 40).backend().buffer());
    assert!(s.contains("sorted by mid ▼"), "{s}");
}

#[test]
fn simulated_replayed_and_ended_books_are_never_called_live() {
    for mode in [
        DataMode::Simulated { seed: 1 },
        fixtures::replay_frame().mode,
    ] {
        let frame = fixtures::frame_at(1, fixtures::NOW, mode.clone());
        for (w, h) in [(80, 24), (200, 60)] {
            let s = screen(frame.clone(), w, h);
            let body: String = s.lines().skip(2).collect::<Vec<_>>().join("\n");
            assert!(!body.contains("LIVE"), "{mode:?} {w}x{h}:\n{s}");
        }
    }
    let mut app = app(fixtures::frame());
    app.update(crate::ui::action::Action::SourceEnded);
    let s = text(draw(&app, 200, 60).backend().buffer());
    let body: String = s.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert!(!body.contains("LIVE") && body.contains("ENDED"), "{s}");
    // With real exchanges and proven books the word is LIVE.
    assert!(screen(fixtures::frame(), 200, 60).contains(" LIVE "));
}

#[test]
fn the_header_shows_no_live_badge_without_books() {
    let mut frame = fixtures::frame();
    frame.symbols.clear();
    let s = screen(frame, 80, 24);
    let header = s.lines().next().unwrap();
    assert!(
        !header.contains("LIVE ") || header.contains("NO LIVE BOOKS"),
        "{header}"
    );
    assert!(header.contains("NO LIVE BOOKS"), "{header}");
}

#[test]
fn at_80_columns_market_numbers_come_before_state_words_and_hidden_columns_are_counted() {
    let s = screen(fixtures::frame(), 80, 24);
    let header = s.lines().nth(3).unwrap();
    for column in ["MID", "CCY", "SPR bps", "FUNDING", "OI", "CVD1m", "STATE"] {
        assert!(header.contains(column), "{column} missing:\n{s}");
    }
    assert!(s.contains("cols (c)"), "{s}");
    // Nothing is cut into `#`.
    assert!(!s.contains("##"), "{s}");
    // CVD and OI carry their currency.
    let btc = rows(&s, "BTC");
    assert!(btc.iter().any(|l| l.contains('$')), "{s}");
}

#[test]
fn overview_prices_align_on_the_decimal_point() {
    let s = screen(fixtures::frame(), 120, 40);
    // Column of each row's decimal point inside the MID cell (the rows with a price).
    let dots: Vec<usize> = s
        .lines()
        .filter(|l| l.starts_with("│BTC ") || l.starts_with("│ETH ") || l.starts_with("│SOL "))
        .filter_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            // The MID cell ends where the CCY column's `USDT` starts.
            let ccy = (0..chars.len()).find(|&i| chars[i..].starts_with(&['U', 'S', 'D', 'T']))?;
            let cell: String = chars[..ccy].iter().collect();
            let price = cell.trim_end().rsplit(' ').next()?;
            price.contains('.').then(|| cell.rfind('.').unwrap())
        })
        .collect();
    assert!(dots.len() >= 6, "{dots:?}\n{s}");
    assert!(dots.windows(2).all(|w| w[0] == w[1]), "{dots:?}\n{s}");
}

#[test]
fn the_spot_aggregate_never_sums_usd_with_usdt_books() {
    let mut frame = fixtures::frame();
    let btc = &mut frame.symbols[0];
    // Kraken BTC/USD is proven and fresh; the other spot book is quoted in USDT.
    let kraken = btc
        .books
        .iter_mut()
        .find(|b| b.instrument.id == "BTC/USD")
        .unwrap();
    kraken.stale = false;
    let mut instrument = (*kraken.instrument).clone();
    instrument.quote = "USD".into();
    kraken.instrument = Arc::new(instrument);
    let Selected::Aggregate {
        included, excluded, ..
    } = Selected::resolve(btc, VenueSel::Aggregate(MarketKind::Spot))
    else {
        panic!("aggregate expected");
    };
    let quotes: Vec<&str> = included
        .iter()
        .map(|b| b.instrument.quote.as_str())
        .collect();
    assert_eq!(quotes.len(), 1, "{quotes:?}");
    assert!(
        excluded
            .iter()
            .any(|(_, why)| matches!(why, Excluded::Quote(_))),
        "{excluded:?}"
    );
    let mut app = app(frame);
    press(&mut app, &[Command::ViewDetail]);
    let s = text(draw(&app, 120, 40).backend().buffer());
    assert!(s.contains("spot USDT aggregate of 1"), "{s}");
    assert!(s.contains("KRK in USD"), "{s}");
}

#[test]
fn a_non_dollar_book_never_shows_dollars() {
    let mut frame = fixtures::frame();
    for book in &mut frame.symbols[0].books {
        let mut instrument = (*book.instrument).clone();
        instrument.quote = "CHF".into();
        book.instrument = Arc::new(instrument);
    }
    frame.symbols.truncate(1);
    frame.alerts.clear();
    let mut app = app(frame);
    for view in [Command::ViewOverview, Command::ViewDetail] {
        press(&mut app, &[view]);
        for (w, h) in [(80, 24), (200, 60)] {
            let s = text(draw(&app, w, h).backend().buffer());
            let body: String = s.lines().skip(2).collect::<Vec<_>>().join("\n");
            assert!(!body.contains('$'), "{view:?} {w}x{h}:\n{s}");
            assert!(body.contains("CHF"), "{view:?} {w}x{h}:\n{s}");
        }
    }
}

#[test]
fn fifty_levels_are_not_claimed_when_the_book_sends_fewer() {
    let mut app = app(fixtures::frame());
    press(&mut app, &[Command::ViewDetail]);
    crate::ui::tests::select_venue(&mut app, crate::market::VenueId::Binance, MarketKind::Spot);
    for _ in 0..4 {
        if app.depth == 50 {
            break;
        }
        press(&mut app, &[Command::CycleDepth]);
    }
    let mut frame = (**app.shown()).clone();
    for book in &mut frame.symbols[0].books {
        book.ladder.bids.truncate(25);
        book.ladder.asks.truncate(25);
    }
    app.update(crate::ui::action::Action::Frame(Arc::new(frame)));
    let s = text(draw(&app, 200, 60).backend().buffer());
    assert!(s.contains("25 of 50 levels"), "{s}");
}

#[test]
fn every_overview_column_is_in_the_glossary_and_help_shows_it() {
    for title in crate::ui::overview::column_titles() {
        if ["SYM", "VENUE"].contains(&title) {
            continue;
        }
        assert!(
            crate::ui::glossary::entry(title).is_some(),
            "{title} has no glossary entry"
        );
    }
    let mut app = app(fixtures::frame());
    press(&mut app, &[Command::ToggleHelp]);
    for _ in 0..30 {
        press(&mut app, &[Command::PageDown]);
    }
    let s = text(draw(&app, 120, 40).backend().buffer());
    // Scrolled to the end: the glossary's last entry.
    let (last, _) = crate::ui::glossary::ENTRIES.last().unwrap();
    assert!(s.contains(last), "{s}");
}

#[test]
fn at_80_columns_the_lines_about_hidden_panes_cut_no_word() {
    let mut app = app(fixtures::frame());
    let mut seen = 0;
    for view in [Command::ViewOverview, Command::ViewDetail] {
        press(&mut app, &[view]);
        let s = text(draw(&app, 80, 24).backend().buffer());
        // The line starts at the marker (in the detail, right of the ladder's border).
        for line in s.lines().filter_map(|l| l.find('▸').map(|i| &l[i..])) {
            let line = line.trim_end();
            assert!(
                line.ends_with("(Tab)") || line.ends_with(')'),
                "cut: {line:?}\n{s}"
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "the detail at 80x24 collapses panes");
}

/// The Health view and the overview show the longest venue and instrument names whole where the
/// screen has room, and the Health view wraps the note on liquidation streams instead of cutting
/// it.
#[test]
fn health_shows_long_names_whole_and_wraps_its_notes() {
    use crate::feed::event::BookKey;
    use crate::market::VenueId;
    let mut frame = fixtures::frame();
    let mut long = frame.symbols[0].books[0].clone();
    long.key = BookKey::new(VenueId::KucoinFutures, "BTC_USDC-PERPETUAL");
    let instrument = Arc::make_mut(&mut long.instrument);
    instrument.venue = VenueId::KucoinFutures;
    instrument.id = "BTC_USDC-PERPETUAL".into();
    instrument.kind = MarketKind::Perpetual;
    frame.symbols[0].books.push(long);
    let mut venue = frame.venues[0].clone();
    venue.venue = VenueId::KucoinFutures;
    frame.venues.push(venue);
    let mut app = app(frame.clone());
    press(&mut app, &[Command::ViewHealth]);
    let wide = text(draw(&app, 200, 60).backend().buffer());
    assert!(wide.contains("│kucoin-futures "), "{wide}");
    assert!(wide.contains("kucoin-futures perp"), "{wide}");
    assert!(wide.contains("BTC_USDC-PERPETUAL"), "{wide}");
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let screen = text(draw(&app, w, h).backend().buffer());
        assert!(
            screen.contains("kucoin-futures"),
            "{w}×{h}: the venue is named\n{screen}"
        );
        // The note's last words are on screen, on however many lines it takes.
        assert!(
            screen.contains("liquidations)"),
            "{w}×{h}: the liquidation note ends on screen\n{screen}"
        );
    }
    // At 120 columns the names take what short states and audits leave.
    for b in &mut frame.symbols[0].books {
        b.state = crate::feed::health::BookState::Live;
        b.stale = false;
        b.counters.audit = None;
    }
    let mut app = super::app(frame.clone());
    press(&mut app, &[Command::ViewHealth]);
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(screen.contains("kucoin-futures perp"), "{screen}");
    assert!(screen.contains("BTC_USDC-PERPETUAL"), "{screen}");
    // At 80 columns the counts that give way to the state's reason are named in the title.
    let narrow = text(draw(&app, 80, 24).backend().buffer());
    let venues_title = narrow.lines().find(|l| l.contains("Venues")).unwrap();
    assert!(
        venues_title.contains("CONN, BAD hidden"),
        "{venues_title}\n{narrow}"
    );
    let wide = text(draw(&app, 200, 60).backend().buffer());
    assert!(!wide.contains("hidden: too narrow"), "{wide}");
    // With every venue live and no resyncs (the usual screen), the state is narrow and every
    // count fits in 80 columns.
    let mut live = frame.clone();
    for v in &mut live.venues {
        v.state = crate::feed::health::ConnState::Live;
        v.counters.resyncs.clear();
    }
    let mut live_app = super::app(live);
    press(&mut live_app, &[Command::ViewHealth]);
    let narrow = text(draw(&live_app, 80, 24).backend().buffer());
    assert!(!narrow.contains("hidden: too narrow"), "{narrow}");
    for column in ["CKSUM ok/fail", "RESYNCS", "CONN", "BAD"] {
        assert!(narrow.contains(column), "{column}\n{narrow}");
    }
    // The overview's venue column is as wide as its longest long name.
    press(&mut app, &[Command::ViewOverview]);
    for (w, h) in [(120, 40), (200, 60)] {
        let screen = text(draw(&app, w, h).backend().buffer());
        assert!(screen.contains("kucoin-futures perp "), "{w}×{h}\n{screen}");
    }
}

/// The composites' inputs line lists thirteen venues whole, on as many lines as the pane has,
/// and counts the rest rather than cutting a name.
#[test]
fn the_composites_inputs_keep_every_venue_name_whole() {
    use crate::market::VenueId;
    let mut frame = fixtures::frame();
    frame.symbols[0].composites.venues_used = VenueId::ALL.to_vec();
    let mut app = app(frame);
    press(&mut app, &[Command::ViewDetail]);
    for (w, h) in [(120, 40), (200, 60)] {
        let s = text(draw(&app, w, h).backend().buffer());
        let lines: Vec<&str> = s.lines().collect();
        let Some(first) = lines.iter().position(|l| l.contains("inputs from")) else {
            continue;
        };
        let col = lines[first].find("inputs from").unwrap();
        let mut words = Vec::new();
        for line in &lines[first..] {
            let Some(rest) = line.get(col..) else { break };
            // The pane's text up to its border.
            let inside = rest.split('│').next().unwrap_or("");
            let inside = inside.trim_start_matches("inputs from");
            if inside.trim().is_empty() || inside.starts_with('─') {
                break;
            }
            words.extend(inside.split_whitespace().map(str::to_owned));
        }
        assert!(!words.is_empty(), "{w}×{h}\n{s}");
        for word in &words {
            assert!(
                VenueId::ALL.iter().any(|v| v.as_str() == word)
                    || word
                        .strip_prefix('+')
                        .is_some_and(|n| n.parse::<u32>().is_ok()),
                "{w}×{h}: {word:?} is cut\n{s}"
            );
        }
    }
}

/// At 80 columns every key's description is in the help whole: what does not fit on the key's
/// line wraps under it.
#[test]
fn at_80_columns_the_help_shows_every_key_description_whole() {
    let mut app = app(fixtures::frame());
    press(&mut app, &[Command::ToggleHelp]);
    let mut seen = String::new();
    for _ in 0..40 {
        // The overlay's columns only (the screen behind it shows at the edges).
        for line in text(draw(&app, 80, 24).backend().buffer()).lines() {
            seen.extend(line.chars().skip(3).take(74));
            seen.push('\n');
        }
        press(&mut app, &[Command::PageDown]);
    }
    // The help's text, without borders, as one run of words.
    let words: Vec<&str> = seen
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    for section in app.keymap.help() {
        for (_, what) in section.lines {
            let what: Vec<&str> = what.split_whitespace().collect();
            assert!(
                joined.contains(&what.join(" ")),
                "{:?} is not whole in the help at 80 columns",
                what.join(" ")
            );
        }
    }
}
