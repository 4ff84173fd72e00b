//! Fitting panes into small terminals: panes stack by priority, the focused one is always kept,
//! and the ones that do not fit collapse into a one-line list (`▸ Flow · Bands  Tab`) instead of
//! overflowing. Tab brings a collapsed pane back by focusing it.

use crate::ui::app::Pane;
use crate::ui::widgets::{Ctx, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// A pane competing for height: at least `min` rows to be worth drawing, `preferred` rows if
/// there is room (`u16::MAX`: takes whatever is left).
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub pane: Pane,
    pub min: u16,
    pub preferred: u16,
}

impl Slot {
    pub const fn new(pane: Pane, min: u16, preferred: u16) -> Slot {
        Slot {
            pane,
            min,
            preferred,
        }
    }
}

/// Where the stacked panes went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stacked {
    pub panes: Vec<(Pane, Rect)>,
    /// The line listing panes that did not fit, and those panes.
    pub collapsed: Option<(Rect, Vec<Pane>)>,
}

/// Stacks `slots` (in priority order) vertically in `area`, top to bottom in `order`.
pub fn stack(area: Rect, slots: &[Slot], focused: Pane, order: &[Pane]) -> Stacked {
    let fit = |budget: u16| {
        let mut kept: Vec<Slot> = Vec::new();
        let mut used = 0u16;
        for slot in slots {
            if used + slot.min <= budget {
                used += slot.min;
                kept.push(*slot);
            }
        }
        // The focused pane displaces the lowest-priority panes until it fits.
        if let Some(f) = slots
            .iter()
            .find(|s| s.pane == focused && !kept.iter().any(|k| k.pane == focused))
        {
            while used + f.min > budget && kept.pop().map(|k| used -= k.min).is_some() {}
            if used + f.min <= budget {
                used += f.min;
                kept.push(*f);
            }
        }
        (kept, used)
    };
    let (mut kept, mut used) = fit(area.height);
    let mut height = area.height;
    if kept.len() < slots.len() && area.height > 0 {
        height = area.height - 1;
        (kept, used) = fit(height);
    }
    // Grow panes toward their preferred height in priority order; the rest goes to the pane
    // that takes everything (or the last one).
    let mut heights: Vec<(Pane, u16)> = kept.iter().map(|s| (s.pane, s.min)).collect();
    let mut spare = height.saturating_sub(used);
    for (slot, (_, h)) in kept
        .iter()
        .zip(heights.iter_mut())
        .filter(|(s, _)| s.preferred != u16::MAX)
    {
        let grow = slot.preferred.saturating_sub(slot.min).min(spare);
        *h += grow;
        spare -= grow;
    }
    let filler = kept
        .iter()
        .find(|s| s.preferred == u16::MAX)
        .map(|s| s.pane);
    let last = heights
        .iter()
        .map(|(p, _)| *p)
        .max_by_key(|p| order.iter().position(|o| o == p));
    if let Some((_, h)) = heights
        .iter_mut()
        .find(|(p, _)| Some(*p) == filler.or(last))
    {
        *h += spare;
    }
    let mut y = area.y;
    let mut panes = Vec::new();
    for pane in order {
        if let Some((_, h)) = heights.iter().find(|(p, _)| p == pane) {
            panes.push((*pane, Rect::new(area.x, y, area.width, *h)));
            y += h;
        }
    }
    let dropped: Vec<Pane> = slots
        .iter()
        .map(|s| s.pane)
        .filter(|p| !heights.iter().any(|(k, _)| k == p))
        .collect();
    let collapsed = (!dropped.is_empty() && area.height > 0)
        .then(|| (Rect::new(area.x, area.bottom() - 1, area.width, 1), dropped));
    Stacked { panes, collapsed }
}

/// A pane title of as many of `parts` as fit a pane `width` wide, whole parts only, so a
/// narrow pane drops its last details instead of cutting through a number.
pub fn title(parts: &[String], width: u16, sep: &str) -> String {
    // The border's two corners and the spaces around the title.
    fit_parts(parts, usize::from(width).saturating_sub(4), sep)
}

/// As many of `parts` as fit in `room` characters joined by ` sep `, whole parts only (the
/// first is always kept).
pub fn fit_parts(parts: &[String], room: usize, sep: &str) -> String {
    let mut out = String::new();
    for part in parts {
        let joined = if out.is_empty() {
            part.clone()
        } else {
            format!("{out} {sep} {part}")
        };
        if joined.chars().count() > room && !out.is_empty() {
            break;
        }
        out = joined;
    }
    out
}

/// Draws the collapsed-panes line, if any.
pub fn draw_collapsed(buf: &mut Buffer, stacked: &Stacked, cx: &Ctx) {
    let Some((rect, panes)) = &stacked.collapsed else {
        return;
    };
    let marker = if cx.glyphs.ascii { ">" } else { "▸" };
    let names: Vec<&str> = panes.iter().map(|p| p.title()).collect();
    let text = collapsed_line(marker, &names, usize::from(rect.width));
    put(buf, rect.x, rect.y, &text, rect.width, cx.theme.dim);
}

/// `▸ Composites, Alerts, Flow (Tab)`, or as many names as fit and a count of the rest
/// (`▸ Composites, Alerts +2 more (Tab)`): a name is never cut.
fn collapsed_line(marker: &str, names: &[&str], width: usize) -> String {
    let fits = |t: &String| t.chars().count() <= width;
    let all = format!("{marker} {} (Tab)", names.join(", "));
    if fits(&all) {
        return all;
    }
    (1..names.len())
        .rev()
        .map(|k| {
            format!(
                "{marker} {} +{} more (Tab)",
                names[..k].join(", "),
                names.len() - k
            )
        })
        .find(fits)
        .unwrap_or_else(|| format!("{marker} +{} panes (Tab)", names.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: [Pane; 3] = [Pane::Gauges, Pane::Flow, Pane::Alerts];

    #[test]
    fn the_collapsed_line_counts_the_names_that_do_not_fit_and_cuts_none() {
        let names = ["Composites", "Alerts", "Flow", "Liquidations"];
        assert_eq!(
            collapsed_line("▸", &names, 80),
            "▸ Composites, Alerts, Flow, Liquidations (Tab)"
        );
        assert_eq!(
            collapsed_line("▸", &names, 34),
            "▸ Composites, Alerts +2 more (Tab)"
        );
        assert_eq!(
            collapsed_line("▸", &names, 30),
            "▸ Composites +3 more (Tab)"
        );
        assert_eq!(collapsed_line("▸", &names, 20), "▸ +4 panes (Tab)");
    }

    fn slots() -> [Slot; 3] {
        [
            Slot::new(Pane::Gauges, 4, 6),
            Slot::new(Pane::Alerts, 4, u16::MAX),
            Slot::new(Pane::Flow, 6, 12),
        ]
    }

    fn heights(s: &Stacked) -> Vec<(Pane, u16)> {
        s.panes.iter().map(|(p, r)| (*p, r.height)).collect()
    }

    #[test]
    fn everything_fits_and_spare_rows_go_to_the_filler() {
        let s = stack(Rect::new(0, 0, 10, 40), &slots(), Pane::Gauges, &ORDER);
        assert_eq!(
            heights(&s),
            vec![(Pane::Gauges, 6), (Pane::Flow, 12), (Pane::Alerts, 22)]
        );
        assert!(s.collapsed.is_none());
        let ys: Vec<u16> = s.panes.iter().map(|(_, r)| r.y).collect();
        assert_eq!(ys, vec![0, 6, 18]);
    }

    #[test]
    fn low_priority_panes_collapse_and_the_focused_one_stays() {
        let s = stack(Rect::new(0, 0, 10, 10), &slots(), Pane::Gauges, &ORDER);
        assert_eq!(heights(&s), vec![(Pane::Gauges, 5), (Pane::Alerts, 4)]);
        assert_eq!(
            s.collapsed,
            Some((Rect::new(0, 9, 10, 1), vec![Pane::Flow]))
        );
        let s = stack(Rect::new(0, 0, 10, 10), &slots(), Pane::Flow, &ORDER);
        assert_eq!(
            heights(&s),
            vec![(Pane::Flow, 9)],
            "focus displaces the others"
        );
        assert_eq!(s.collapsed.unwrap().1, vec![Pane::Gauges, Pane::Alerts]);
    }

    #[test]
    fn titles_keep_whole_parts() {
        let parts = [
            "Price".to_owned(),
            "BTC 64000.05".to_owned(),
            "+0.12% 5m".to_owned(),
        ];
        assert_eq!(title(&parts, 40, "|"), "Price | BTC 64000.05 | +0.12% 5m");
        assert_eq!(title(&parts, 26, "|"), "Price | BTC 64000.05");
        assert_eq!(
            title(&parts, 8, "|"),
            "Price",
            "the first part is always kept"
        );
    }

    #[test]
    fn nothing_fits_in_nothing() {
        let s = stack(Rect::ZERO, &slots(), Pane::Gauges, &ORDER);
        assert!(s.panes.is_empty() && s.collapsed.is_none());
        let s = stack(Rect::new(0, 0, 10, 2), &slots(), Pane::Gauges, &ORDER);
        assert!(s.panes.is_empty());
        assert!(s.collapsed.is_some());
    }
}
