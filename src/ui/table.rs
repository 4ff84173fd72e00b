//! Fixed-width table columns that drop by priority when the pane is narrow (bottom's approach):
//! the columns that matter most survive at 80 columns, nothing wraps or overflows.

use crate::ui::widgets::{put, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One column: its header, width, alignment and priority (0 is kept longest).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    pub align: Align,
    pub priority: u8,
}

impl Column {
    pub const fn left(title: &'static str, width: u16, priority: u8) -> Column {
        Column {
            title,
            width,
            align: Align::Left,
            priority,
        }
    }

    pub const fn right(title: &'static str, width: u16, priority: u8) -> Column {
        Column {
            title,
            width,
            align: Align::Right,
            priority,
        }
    }
}

/// The priority of a column shown only when every other column fits (the Overview's
/// sparklines): it is the first to go on a narrower screen.
pub const EXTRA: u8 = u8::MAX;

/// The columns that fit in `width` (one space between columns), in their original order: the
/// lowest-priority columns are dropped first.
pub fn layout(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    layout_of(columns, width, true, |_| true)
}

/// [`layout`] over the columns `allowed` accepts. With `extras_last`, [`EXTRA`] columns are
/// placed only when every other allowed column fits.
fn layout_of(
    columns: &[Column],
    width: u16,
    extras_last: bool,
    allowed: impl Fn(usize) -> bool,
) -> Vec<(usize, u16)> {
    let mut order: Vec<usize> = (0..columns.len()).filter(|&i| allowed(i)).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));
    let mut kept = Vec::new();
    let mut used = 0u16;
    let mut all_fit = true;
    for i in order {
        if extras_last && columns[i].priority == EXTRA && !all_fit {
            break;
        }
        let need = columns[i].width + u16::from(!kept.is_empty());
        if used + need <= width {
            used += need;
            kept.push(i);
        } else {
            all_fit = false;
        }
    }
    kept.sort_unstable();
    let mut x = 0;
    kept.into_iter()
        .map(|i| {
            let at = x;
            x += columns[i].width + 1;
            (i, at)
        })
        .collect()
}

/// Narrows a column to its longest content (`longest`, never below its title): room that
/// [`widen`] can then give to a column whose content would be cut.
pub fn shrink(column: &mut Column, longest: u16) {
    column.width = column
        .width
        .min(longest.max(column.title.chars().count() as u16));
}

/// Widens columns toward the widths their contents want (`wants`: column index and width),
/// from the room left when every column fits in `width`, in the order given: a long venue or
/// instrument name is then shown whole on a wide screen, and a narrow one keeps its columns.
pub fn widen(columns: &mut [Column], width: u16, wants: &[(usize, u16)]) {
    let used: u16 =
        columns.iter().map(|c| c.width).sum::<u16>() + (columns.len() as u16).saturating_sub(1);
    let mut spare = width.saturating_sub(used);
    for &(i, want) in wants {
        let Some(column) = columns.get_mut(i) else {
            continue;
        };
        let more = want.saturating_sub(column.width).min(spare);
        column.width += more;
        spare -= more;
    }
}

/// The column groups a key steps through on a narrow screen: the first is [`layout`]; each
/// next one keeps the priority-0 columns (what a row is) and gives the rest of the width to
/// columns not yet shown, until every column that can fit has been on screen once.
pub fn pages(columns: &[Column], width: u16) -> Vec<Vec<(usize, u16)>> {
    let mut pages = vec![layout(columns, width)];
    let mut shown = vec![false; columns.len()];
    loop {
        for &(i, _) in pages.last().into_iter().flatten() {
            shown[i] = true;
        }
        if shown.iter().all(|s| *s) {
            return pages;
        }
        let page = layout_of(columns, width, false, |i| {
            columns[i].priority == 0 || !shown[i]
        });
        // A column too wide for the screen never shows: stop rather than repeat a page.
        if page.iter().all(|&(i, _)| shown[i]) {
            return pages;
        }
        pages.push(page);
    }
}

/// What a narrow pane leaves out, for its title: `+4 cols (c)` on the first of the column
/// groups, `cols 2/3 (c)` on the others (`key` shows the next group); `None` when every column
/// fits. Columns never drop silently.
pub fn hidden_note(
    columns: &[Column],
    pages: &[Vec<(usize, u16)>],
    page: usize,
    key: &str,
) -> Option<String> {
    let kept = pages.get(page)?;
    let hidden = columns.len().saturating_sub(kept.len());
    match (page, hidden) {
        (_, 0) if pages.len() <= 1 => None,
        (0, _) => Some(format!("+{hidden} cols ({key})")),
        _ => Some(format!("cols {}/{} ({key})", page + 1, pages.len())),
    }
}

/// Draws the header row. When columns were dropped for width, a `+N` after the last column
/// (where it fits) says so: a narrow pane never drops data silently.
pub fn header(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    columns: &[Column],
    kept: &[(usize, u16)],
    style: Style,
) {
    let cells: Vec<(String, Style)> = columns
        .iter()
        .map(|c| (c.title.to_owned(), style))
        .collect();
    row(buf, area, y, columns, kept, &cells);
    let hidden = columns.len().saturating_sub(kept.len());
    let end = kept.last().map_or(0, |&(i, at)| at + columns[i].width);
    let mark = format!("+{hidden}");
    let len = mark.chars().count() as u16;
    if hidden > 0 && y < area.height && end + 1 + len <= area.width {
        put(
            buf,
            area.x + area.width - len,
            area.y + y,
            &mark,
            len,
            style,
        );
    }
}

/// Draws one row of cells (one per column, hidden ones ignored) at `area.y + y`.
pub fn row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    columns: &[Column],
    kept: &[(usize, u16)],
    cells: &[(String, Style)],
) {
    if y >= area.height {
        return;
    }
    for &(i, at) in kept {
        let (Some(column), Some((text, style))) = (columns.get(i), cells.get(i)) else {
            continue;
        };
        let width = column.width.min(area.width.saturating_sub(at));
        let (x, y) = (area.x + at, area.y + y);
        match column.align {
            Align::Left => put(buf, x, y, text, width, *style),
            Align::Right => put_right(buf, x, y, text, width, *style),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_widen_only_into_room_left_when_all_fit() {
        let base = [Column::left("a", 5, 0), Column::left("b", 5, 1)];
        let widened = |width: u16, wants: &[(usize, u16)]| {
            let mut cols = base;
            widen(&mut cols, width, wants);
            cols.map(|c| c.width)
        };
        // 11 columns used: 9 spare at 20, given in the order asked, never beyond the want.
        assert_eq!(widened(20, &[(1, 8), (0, 30)]), [11, 8]);
        assert_eq!(widened(14, &[(0, 9)]), [8, 5]);
        // No room (or too little for all columns): nothing changes.
        assert_eq!(widened(11, &[(0, 9)]), [5, 5]);
        assert_eq!(widened(8, &[(0, 9)]), [5, 5]);
        assert_eq!(widened(40, &[(7, 9)]), [5, 5]);
    }

    #[test]
    fn low_priority_columns_drop_first_and_order_is_kept() {
        let cols = [
            Column::left("a", 5, 0),
            Column::right("b", 5, 2),
            Column::right("c", 5, 1),
        ];
        assert_eq!(layout(&cols, 17), vec![(0, 0), (1, 6), (2, 12)]);
        assert_eq!(layout(&cols, 16), vec![(0, 0), (2, 6)]);
        assert_eq!(layout(&cols, 4), vec![]);
        assert_eq!(layout(&cols, 0), vec![]);
        assert_eq!(
            hidden_note(&cols, &pages(&cols, 16), 0, "c").unwrap(),
            "+1 cols (c)"
        );
        assert_eq!(hidden_note(&cols, &pages(&cols, 17), 0, "c"), None);
        // The header says how many columns are left out.
        let area = Rect::new(0, 0, 16, 1);
        let mut buf = Buffer::empty(area);
        header(
            &mut buf,
            area,
            0,
            &cols,
            &layout(&cols, 13),
            Style::default(),
        );
        assert_eq!(buf, Buffer::with_lines(["a         c   +1"]));
    }

    #[test]
    fn column_groups_show_every_column_once_keeping_the_pinned_ones() {
        let cols = [
            Column::left("sym", 3, 0),
            Column::right("a", 4, 1),
            Column::right("b", 4, 2),
            Column::right("c", 4, 3),
            Column::right("wide", 40, 4),
        ];
        let p = pages(&cols, 13);
        let names = |page: &Vec<(usize, u16)>| -> Vec<&str> {
            page.iter().map(|&(i, _)| cols[i].title).collect()
        };
        assert_eq!(names(&p[0]), ["sym", "a", "b"]);
        assert_eq!(names(&p[1]), ["sym", "c"], "then what was hidden");
        assert_eq!(p.len(), 2, "a column wider than the screen ends the groups");
        assert_eq!(hidden_note(&cols, &p, 0, "c").unwrap(), "+2 cols (c)");
        assert_eq!(hidden_note(&cols, &p, 1, "c").unwrap(), "cols 2/2 (c)");
        assert_eq!(hidden_note(&cols, &p, 2, "c"), None);
    }

    #[test]
    fn extra_columns_show_only_when_every_other_column_fits() {
        let cols = [
            Column::left("sym", 3, 0),
            Column::right("state", 10, 1),
            Column::right("spark", 4, EXTRA),
        ];
        // 3 + 1 + 4 fits beside the symbol, but the state column does not: no spark.
        let names = |w| -> Vec<&str> {
            layout(&cols, w)
                .iter()
                .map(|&(i, _)| cols[i].title)
                .collect()
        };
        assert_eq!(names(10), ["sym"]);
        assert_eq!(names(14), ["sym", "state"]);
        assert_eq!(names(19), ["sym", "state", "spark"]);
        // A later group of a narrow screen shows them.
        let p = pages(&cols, 10);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].iter().map(|&(i, _)| i).collect::<Vec<_>>(), [0, 2]);
    }
}
