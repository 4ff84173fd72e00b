//! The terminal's lifecycle: raw mode and the alternate screen on the way in, restored on the
//! way out whatever the way out is (normal return, error, panic, signal), synchronized updates
//! around each frame, and a count of every byte sent to the terminal.

use crate::config::alerts::Notify;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Whether the terminal is in our hands (raw mode, alternate screen) and needs restoring.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether mouse capture was turned on (and must be turned off).
static MOUSE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// A writer that counts what goes through it.
pub struct CountingWriter<W> {
    inner: W,
    count: Arc<AtomicU64>,
}

impl<W> CountingWriter<W> {
    pub fn new(inner: W) -> (CountingWriter<W>, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (
            CountingWriter {
                inner,
                count: count.clone(),
            },
            count,
        )
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What repainting every cell of `buffer` would write to a crossterm terminal (cursor moves,
/// style changes, glyphs): the yardstick for the diffing renderer's `bytes_written`.
pub fn full_repaint_bytes(buffer: &ratatui::buffer::Buffer) -> u64 {
    let (sink, count) = CountingWriter::new(io::sink());
    let mut backend = CrosstermBackend::new(sink);
    let area = buffer.area;
    let cells = area.positions().map(|p| (p.x, p.y, &buffer[p]));
    // Writing to a sink cannot fail.
    let _ = ratatui::backend::Backend::draw(&mut backend, cells);
    let _ = ratatui::backend::Backend::flush(&mut backend);
    count.load(Ordering::Relaxed)
}

/// A backend that can bracket a frame in a synchronized update, so terminals that support it
/// never show a half-drawn ladder (others ignore the sequences).
pub trait SyncBackend: Backend {
    fn begin_frame(&mut self) -> io::Result<()>;
    fn end_frame(&mut self) -> io::Result<()>;
    /// Rings the bell or raises a desktop notification for an alert (outside any frame).
    fn notify(&mut self, how: Notify, text: &str) -> io::Result<()>;
}

impl<W: Write> SyncBackend for CrosstermBackend<W> {
    fn begin_frame(&mut self) -> io::Result<()> {
        queue!(self, BeginSynchronizedUpdate)
    }

    fn end_frame(&mut self) -> io::Result<()> {
        execute!(self, EndSynchronizedUpdate)
    }

    fn notify(&mut self, how: Notify, text: &str) -> io::Result<()> {
        self.write_all(&notification(how, text))?;
        Write::flush(self)
    }
}

impl SyncBackend for TestBackend {
    fn begin_frame(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn end_frame(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn notify(&mut self, _: Notify, _: &str) -> io::Result<()> {
        Ok(())
    }
}

/// The bytes that ring the bell (BEL) or raise an OSC 9 desktop notification. The text is
/// stripped of control characters, so an alert message can never end the sequence early or
/// smuggle in an escape of its own.
pub fn notification(how: Notify, text: &str) -> Vec<u8> {
    match how {
        Notify::None => Vec::new(),
        Notify::Bell => vec![0x07],
        Notify::Osc9 => {
            let clean: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
            format!("\x1b]9;depthscope: {clean}\x07").into_bytes()
        }
    }
}

/// The real terminal.
pub type Tui = Terminal<CrosstermBackend<CountingWriter<Stdout>>>;

/// Restores the terminal when dropped.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Takes over the terminal: raw mode, alternate screen, hidden cursor, and (if asked) mouse
/// capture. Installs a panic hook that restores the terminal before the previous hook prints
/// (so a panic message is readable, not lost in the alternate screen).
pub fn enter(mouse: bool) -> io::Result<(Tui, Arc<AtomicU64>, Guard)> {
    install_panic_hook();
    let (writer, count) = CountingWriter::new(io::stdout());
    let mut backend = CrosstermBackend::new(writer);
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = Guard(());
    // Cleared here rather than with `Terminal::clear`, which first asks the terminal for the
    // cursor position: a round trip that stalls on slow links and fails where nothing answers.
    execute!(
        backend,
        EnterAlternateScreen,
        cursor::Hide,
        Clear(ClearType::All)
    )?;
    if mouse {
        MOUSE.store(true, Ordering::SeqCst);
        execute!(backend, EnableMouseCapture)?;
    }
    let terminal = Terminal::new(backend)?;
    Ok((terminal, count, guard))
}

/// Gives the terminal back. Safe to call more than once and from a panic hook; errors are
/// ignored because there is nowhere left to report them.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(out, EndSynchronizedUpdate);
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_writer_counts_bytes_written() {
        let (mut w, count) = CountingWriter::new(Vec::new());
        w.write_all(b"hello").unwrap();
        queue!(w, BeginSynchronizedUpdate).unwrap();
        assert_eq!(count.load(Ordering::Relaxed), w.inner.len() as u64);
        assert!(w.inner.len() > 5);
    }

    #[test]
    fn a_crossterm_frame_is_bracketed_in_a_synchronized_update() {
        let (writer, count) = CountingWriter::new(Vec::new());
        let mut backend = CrosstermBackend::new(writer);
        backend.begin_frame().unwrap();
        backend.end_frame().unwrap();
        // CSI ? 2026 h … CSI ? 2026 l
        assert_eq!(count.load(Ordering::Relaxed), 16);
    }

    /// A full repaint writes every cell, blank or not, plus a move per row and the colour
    /// changes; the diffing terminal writes only what changed between two draws.
    #[test]
    fn a_full_repaint_costs_every_cell_and_a_diff_only_the_changes() {
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        use ratatui::style::{Color, Style};
        let area = Rect::new(0, 0, 40, 10);
        let mut buffer = Buffer::empty(area);
        buffer.set_string(0, 0, "97250.5", Style::default().fg(Color::Green));
        buffer.set_string(0, 1, "97250.0", Style::default().fg(Color::Red));
        let full = full_repaint_bytes(&buffer);
        assert!(full >= 400 + 10, "400 cells and the escapes: {full}");
        assert!(full_repaint_bytes(&Buffer::empty(area)) < full);

        let (writer, count) = CountingWriter::new(Vec::new());
        let mut terminal = Terminal::new(CrosstermBackend::new(writer)).unwrap();
        terminal.resize(area).unwrap();
        terminal.draw(|f| f.buffer_mut().merge(&buffer)).unwrap();
        let first = count.load(Ordering::Relaxed);
        terminal
            .draw(|f| {
                f.buffer_mut().merge(&buffer);
                f.buffer_mut()
                    .set_string(6, 0, "7", Style::default().fg(Color::Green));
            })
            .unwrap();
        let second = count.load(Ordering::Relaxed) - first;
        assert!(
            second * 5 < full,
            "one changed cell: {second} bytes vs {full}"
        );
    }

    #[test]
    fn notifications_are_a_bell_or_a_clean_osc_9() {
        assert_eq!(notification(Notify::None, "x"), b"");
        assert_eq!(notification(Notify::Bell, "x"), b"\x07");
        assert_eq!(
            notification(Notify::Osc9, "BTC spread\x07\x1b[2J wide"),
            b"\x1b]9;depthscope: BTC spread[2J wide\x07"
        );
    }

    #[test]
    fn restoring_a_terminal_that_was_never_taken_does_nothing() {
        restore();
        restore();
        assert!(!ACTIVE.load(Ordering::SeqCst));
    }
}
