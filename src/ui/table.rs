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

/// The columns that fit in `width` (one space between columns), in their original order: the
/// lowest-priority columns are dropped first.
pub fn layout(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));
    let mut kept = Vec::new();
    let mut used = 0u16;
    for i in order {
        let need = columns[i].width + u16::from(!kept.is_empty());
        if used + need <= width {
            used += need;
            kept.push(i);
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

/// What a narrow pane leaves out, for its title: `+4 cols (wider)`; `None` when every column
/// fits. Columns never drop silently.
pub fn hidden_note(columns: &[Column], kept: &[(usize, u16)]) -> Option<String> {
    let hidden = columns.len().saturating_sub(kept.len());
    (hidden > 0).then(|| format!("+{hidden} cols (wider)"))
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
            hidden_note(&cols, &layout(&cols, 16)).unwrap(),
            "+1 cols (wider)"
        );
        assert_eq!(hidden_note(&cols, &layout(&cols, 17)), None);
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
}
