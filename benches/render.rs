//! Render budget (issue 7 target ≤ 1 ms on the 2-core dev box): one full frame of the symbol
//! detail view at 200×60 on a `TestBackend`, view models, panes and ratatui's diff included.
//! Frames alternate between two market states so each draw has cells to change. The heatmap,
//! overview and analytics views (BTC: every analytics field filled) are measured alongside, and
//! a blank frame shows ratatui's own floor.
//!
//! On the shared dev box the medians move with the other builds (detail: 0.75 ms at load 5,
//! 1.3–2.5 ms at load 6–9); the fastest samples (`target/criterion/*/new/sample.json`) are
//! the steadier figure: detail 0.58 ms, heatmap 0.86 ms, blank frame 0.23 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use depthscope::config::Config;
use depthscope::engine::frame::DataMode;
use depthscope::ui::action::{Action, Command};
use depthscope::ui::app::{App, AppSettings};
use depthscope::ui::keymap::Keymap;
use depthscope::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::sync::Arc;

#[allow(dead_code)]
#[path = "../src/ui/tests/fixtures.rs"]
mod fixtures;

/// The detail view after 90 frames of history, showing frame `last`.
fn app(last: u64, view: Command) -> App {
    const SLOT: u64 = 500_000_000;
    let settings = AppSettings {
        keymap: Keymap::new(&Config::default().keybindings).unwrap(),
        theme: Theme::builtin("dark").unwrap(),
        ascii: false,
        ladder_depth: 20,
        heatmap_column_ms: 500,
        replay_controls: false,
        log_file: None,
        config_file: None,
        history_file: None,
    };
    let frame = |seq: u64| {
        Arc::new(fixtures::frame_at(
            seq,
            fixtures::NOW - (last - seq) * SLOT,
            DataMode::Live,
        ))
    };
    let mut app = App::new(settings, frame(last - 90));
    for seq in last - 89..=last {
        app.update(Action::Frame(frame(seq)));
    }
    app.update(Action::Command(view));
    app
}

fn render(c: &mut Criterion) {
    for (name, view) in [
        ("detail", Command::ViewDetail),
        ("heatmap", Command::ViewHeatmap),
        ("overview", Command::ViewOverview),
        ("analytics", Command::ViewAnalytics),
    ] {
        let apps = [app(100, view), app(101, view)];
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut i = 0usize;
        c.bench_function(&format!("render_{name}_200x60"), |b| {
            b.iter(|| {
                i += 1;
                let app = &apps[i % 2];
                terminal
                    .draw(|f| {
                        depthscope::ui::render(
                            black_box(app),
                            fixtures::NOW,
                            f.area(),
                            f.buffer_mut(),
                        )
                    })
                    .unwrap();
            })
        });
    }
}

/// The floor under every number above: ratatui's own frame on a 200×60 `TestBackend` (buffer
/// reset, diff, swap) with nothing drawn but a style over the screen.
fn baseline(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let style = Theme::builtin("dark").unwrap().text;
    c.bench_function("render_blank_200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|f| {
                    let area = f.area();
                    f.buffer_mut().set_style(area, black_box(style));
                })
                .unwrap();
        })
    });
}

criterion_group!(benches, render, baseline);
criterion_main!(benches);
